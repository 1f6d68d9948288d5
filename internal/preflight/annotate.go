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

// Annotate fills Verdict, Reasons and Memory of every configuration, reading
// each model's config.json once. It returns one warning per model whose config
// could not be read.
func Annotate(ctx context.Context, cfgs []plan.Config, loc modelinfo.Locator, hw *Hardware, rulesFor string) []string {
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
		c.Verdict, c.Reasons, c.Memory = Check(*c, r.info, r.err, hw, rulesFor)
	}
	return warnings
}
