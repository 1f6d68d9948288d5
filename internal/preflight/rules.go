package preflight

import (
	"fmt"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/plan"
)

// Outcomes of a rule.
const (
	Pass = "pass"
	Warn = "warn"
	Skip = "skip"
	NA   = "n/a"
)

// Rule is one pre-flight rule: what it checks, for which engine versions and
// GPU architectures it holds, and the upstream file/function it comes from.
type Rule struct {
	Name     string
	Versions string // e.g. ">= 0.5.4", "all"
	Arch     string // e.g. "all", "not Blackwell"
	Source   string
	// ForVersion reports whether the rule holds for the engine version; known is
	// false when the version could not be detected (then the newest rules hold).
	// nil: every version.
	ForVersion func(v engine.Version, known bool) bool
	Check      func(c *Ctx) Outcome
}

// Outcome is a rule's result for one configuration.
type Outcome struct {
	Result string
	Msg    string
	// Expect is what the engine will really run when it differs from what was
	// asked (a silent fallback), and the log lines it prints for it.
	Expect    map[string]string
	ExpectLog []string
}

func pass(msg string) Outcome          { return Outcome{Result: Pass, Msg: msg} }
func na(msg string) Outcome            { return Outcome{Result: NA, Msg: msg} }
func skipf(f string, a ...any) Outcome { return Outcome{Result: Skip, Msg: fmt.Sprintf(f, a...)} }
func warnf(f string, a ...any) Outcome { return Outcome{Result: Warn, Msg: fmt.Sprintf(f, a...)} }

// EngineVersion is the engine version the rules are keyed on.
type EngineVersion struct {
	Engine string // the rule set: sglang, vllm, ollama
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

// String is "SGLang 0.5.4 (detected ...)" or "SGLang version unknown (newest rules; ...)".
func (e EngineVersion) String() string {
	name := e.Engine
	if e.Raw == "" {
		return fmt.Sprintf("%s version unknown: newest rules (%s)", name, e.Source)
	}
	return fmt.Sprintf("%s %s (%s)", name, e.Raw, e.Source)
}

// Ctx is what a rule sees.
type Ctx struct {
	Cfg  plan.Config
	Info *modelinfo.Info // never nil inside a rule
	HW   *Hardware       // nil when unknown
	Ver  engine.Version
	// VerKnown is false when the engine version is unknown (newest rules apply).
	VerKnown bool
	TP, EP   int
	// Quant is SGLang's resolved --quantization ("" when none); CkptQuant the
	// checkpoint's own method ("" for 16-bit).
	Quant, CkptQuant string
	QuantNote        string
}

// Family is the target GPU's architecture family ("" when unknown).
func (c *Ctx) Family() hardware.Family { return c.HW.Family() }

// evaluate runs rules against c, returning the checks and what they found.
func evaluate(rules []Rule, c *Ctx, appliedTo string) (checks []plan.RuleCheck, skip, warn []string, expect map[string]string, expectLog []string) {
	for _, r := range rules {
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

// newest reports true for unknown versions and versions >= min.
func newest(min string) func(engine.Version, bool) bool {
	return func(v engine.Version, known bool) bool { return !known || v.AtLeast(min) }
}

// older reports true only for known versions < max.
func older(max string) func(engine.Version, bool) bool {
	return func(v engine.Version, known bool) bool { return known && !v.AtLeast(max) }
}

// between reports true only for known versions in [min, max).
func between(min, max string) func(engine.Version, bool) bool {
	return func(v engine.Version, known bool) bool { return known && v.AtLeast(min) && !v.AtLeast(max) }
}
