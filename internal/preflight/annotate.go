package preflight

import (
	"context"

	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/plan"
)

// RulesFor maps a sweep file's engine to the engine whose rules apply (a
// stand-in such as the sim honours the rules of the engine it stands for).
func RulesFor(name string) string { return ruleEngine(name).Name() }

// Annotate fills Verdict, Reasons, Memory, Checks and the expected effective
// configuration of every configuration, reading each model's config.json once.
// ver.Engine names the rule set (RulesFor). It returns one warning per model
// whose config could not be read.
func Annotate(ctx context.Context, cfgs []plan.Config, loc modelinfo.Locator, hw *Hardware, ver EngineVersion) []string {
	w, _ := AnnotateInfo(ctx, cfgs, loc, hw, ver)
	return w
}

// AnnotateInfo is Annotate that also returns each model's config figures by
// model path (nil where the config could not be read), for the performance model.
func AnnotateInfo(ctx context.Context, cfgs []plan.Config, loc modelinfo.Locator, hw *Hardware, ver EngineVersion) ([]string, map[string]*modelinfo.Info) {
	type res struct {
		info *modelinfo.Info
		err  error
	}
	cache := map[string]res{}
	var warnings []string
	for i := range cfgs {
		c := &cfgs[i]
		r, ok := cache[c.Model]
		if !ok {
			r.info, r.err = loc.Load(ctx, c.Model)
			cache[c.Model] = r
			if r.err != nil {
				warnings = append(warnings, c.ModelKey+": "+r.err.Error())
			}
		}
		res := Check(*c, r.info, r.err, hw, ver)
		c.Verdict, c.Reasons, c.Memory, c.Checks = res.Verdict, res.Reasons, res.Memory, res.Checks
		c.ExpectEffective, c.ExpectLog = res.Expect, res.ExpectLog
	}
	infos := map[string]*modelinfo.Info{}
	for m, r := range cache {
		infos[m] = r.info
	}
	return warnings, infos
}
