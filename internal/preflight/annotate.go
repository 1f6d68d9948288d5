package preflight

import (
	"context"

	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/plan"
)

// RulesFor maps a sweep file's engine to the rule set that applies (the sim
// stands in for SGLang, so a dry run honours SGLang's rules).
func RulesFor(engine string) string {
	switch engine {
	case "sglang", "sim":
		return "sglang"
	}
	return engine
}

// Annotate fills Verdict, Reasons, Memory, Checks and the expected effective
// configuration of every configuration, reading each model's config.json once.
// ver.Engine names the rule set (RulesFor). It returns one warning per model
// whose config could not be read.
func Annotate(ctx context.Context, cfgs []plan.Config, loc modelinfo.Locator, hw *Hardware, ver EngineVersion) []string {
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
	return warnings
}
