package preflight

import (
	"fmt"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/rules"
	"github.com/servesweep/servesweep/internal/plan"
)

// Outcomes of a rule (see package rules).
const (
	Pass = rules.Pass
	Warn = rules.Warn
	Skip = rules.Skip
	NA   = rules.NA
)

// EngineVersion is the engine version the rules are keyed on.
type EngineVersion struct {
	Engine string // the rule set: the engine's name (the sim's stands for SGLang)
	Raw    string // "" when unknown
	Source string // "detected with `python3 -c ...`", "--engine-version", or why it is unknown
}

// Parsed returns the version and whether it is known.
func (e EngineVersion) Parsed() (engine.Version, bool) {
	if e.Raw == "" {
		return engine.Version{}, false
	}
	return engine.ParseVersion(e.Raw)
}

// String is "sglang 0.5.4 (detected ...)" or "sglang version unknown: newest rules (...)".
func (e EngineVersion) String() string {
	if e.Raw == "" {
		return fmt.Sprintf("%s version unknown: newest rules (%s)", e.Engine, e.Source)
	}
	return fmt.Sprintf("%s %s (%s)", e.Engine, e.Raw, e.Source)
}

// evaluate runs rules against c, returning the checks and what they found.
func evaluate(set []rules.Rule, c *rules.Ctx, appliedTo string) (checks []plan.RuleCheck, skip, warn []string, expect map[string]string, expectLog []string) {
	for _, r := range set {
		rc := plan.RuleCheck{Rule: r.Name, Versions: r.Versions, Arch: r.Arch, Source: r.Source, AppliedTo: appliedTo}
		if r.ForVersion != nil && !r.ForVersion(c.Ver, c.VerKnown) {
			rc.Outcome, rc.Detail = NA, "does not hold for this engine version"
			checks = append(checks, rc)
			continue
		}
		o := r.Check(c)
		rc.Outcome, rc.Detail = o.Result, o.Msg
		checks = append(checks, rc)
		switch o.Result {
		case Skip:
			skip = append(skip, o.Msg)
		case Warn:
			warn = append(warn, o.Msg)
		}
		for k, v := range o.Expect {
			if expect == nil {
				expect = map[string]string{}
			}
			expect[k] = v
		}
		expectLog = append(expectLog, o.ExpectLog...)
	}
	return checks, skip, warn, expect, expectLog
}
