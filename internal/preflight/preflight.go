// Package preflight rejects configurations that cannot work before they cost
// GPU hours. Rules are keyed on the engine version and the GPU architecture,
// and each names the upstream file/function it comes from: SGLang's startup
// rules (TP/EP divisibility, heads vs TP, FP8 block divisibility, MoE backend ↔
// quantization ↔ architecture, silent fallbacks), memory fit and KV room
// against the resolved hardware, and enough GPUs on the host. Each violated
// rule gives one line with the fix when there is one; plan --explain prints
// every rule checked.
package preflight

import (
	"fmt"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/registry"
	"github.com/servesweep/servesweep/internal/engine/rules"
	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/plan"
)

// Hardware is what pre-flight knows about the target GPUs.
type Hardware = hardware.Target

// Result is the pre-flight verdict of one configuration.
type Result struct {
	Verdict   string
	Reasons   []string
	Memory    *plan.MemoryFit
	Checks    []plan.RuleCheck
	Expect    map[string]string
	ExpectLog []string
}

// Check evaluates every rule of the engine's rule set for cfg, for a model
// described by info (nil when its config could not be read) on hw (nil when
// unknown) and the engine version ver.
func Check(cfg plan.Config, info *modelinfo.Info, infoErr error, hw *Hardware, ver EngineVersion) Result {
	appliedTo := ver.String() + " on " + hw.String()
	var r Result
	var skip, warn []string
	gpuRule := plan.RuleCheck{Rule: "enough GPUs on the host", Versions: "all", Arch: "all", Source: "servesweep: the configuration's GPU count (TP × PP × DP) against the target hardware", AppliedTo: appliedTo, Outcome: NA, Detail: "GPU count unknown"}
	if hw != nil && hw.GPUs > 0 {
		gpuRule.Outcome, gpuRule.Detail = Pass, fmt.Sprintf("needs %d of %d", cfg.GPUs, hw.GPUs)
		if cfg.GPUs > hw.GPUs {
			gpuRule.Outcome, gpuRule.Detail = Skip, fmt.Sprintf("needs %d GPUs, the host has %d (%s)", cfg.GPUs, hw.GPUs, hw.Source)
			skip = append(skip, gpuRule.Detail)
		}
	}
	r.Checks = append(r.Checks, gpuRule)
	if info == nil {
		msg := "model config not read: pre-flight checks skipped"
		if infoErr != nil {
			msg = "model config not read (" + firstClause(infoErr.Error()) + "): memory and engine rules not checked"
		}
		warn = append(warn, msg)
		r.Checks = append(r.Checks, plan.RuleCheck{Rule: "model config.json", Outcome: Warn, Detail: msg, Versions: "all", Arch: "all", AppliedTo: appliedTo, Source: "servesweep modelinfo"})
		r.Verdict, r.Reasons = verdict(skip, warn), append(skip, warn...)
		return r
	}
	v, known := ver.Parsed()
	c := &rules.Ctx{Cfg: rules.Config{TP: cfg.TP, GPUs: cfg.GPUs, MoEBackend: cfg.MoEBackend, Args: cfg.Args},
		Info: info, HW: hw, Ver: v, VerKnown: known, TP: max(1, cfg.TP)}
	c.EP = max(1, engine.IntFlag(cfg.Args, 1, "--ep-size", "--expert-parallel-size", "--ep"))
	eng := ruleEngine(ver.Engine)
	checks, s, w, expect, expLog := evaluate(rulesOf(eng), c, appliedTo)
	r.Checks = append(r.Checks, checks...)
	skip, warn = append(skip, s...), append(warn, w...)
	r.Expect, r.ExpectLog = expect, expLog
	if q := info.Quantization; q != nil && q.Unknown {
		warn = append(warn, q.Warning)
	}
	fitCheck, fit := memoryRule(c, cfg, eng, appliedTo)
	r.Checks = append(r.Checks, fitCheck)
	r.Memory = fit
	switch fitCheck.Outcome {
	case Skip:
		skip = append(skip, fitCheck.Detail)
	case Warn:
		warn = append(warn, fitCheck.Detail)
	}
	r.Verdict, r.Reasons = verdict(skip, warn), append(skip, warn...)
	return r
}

// ruleEngine is the engine whose rules apply: the sweep's engine, or the one a
// stand-in (the sim) stands for.
func ruleEngine(name string) engine.Engine {
	eng, err := registry.Get(name)
	if err != nil {
		return unknownEngine{name: name}
	}
	if s, ok := eng.(engine.StandIn); ok && s.StandsInFor() != "" && s.StandsInFor() != name {
		return ruleEngine(s.StandsInFor())
	}
	return eng
}

// rulesOf is the engine's own rule set; tensor-parallel engines without one
// share the head-split rule.
func rulesOf(eng engine.Engine) []rules.Rule {
	if p, ok := eng.(rules.Provider); ok {
		return p.Rules()
	}
	return []rules.Rule{rules.HeadsSplit}
}

// unknownEngine names an engine the registry does not know (its rules: none).
type unknownEngine struct {
	engine.Engine
	name string
}

func (u unknownEngine) Name() string { return u.name }

func verdict(skip, warn []string) string {
	switch {
	case len(skip) > 0:
		return plan.VerdictSkip
	case len(warn) > 0:
		return plan.VerdictWarn
	}
	return plan.VerdictOK
}

func firstClause(s string) string {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == ' ' && s[i+1] == '(' {
			return s[:i]
		}
	}
	return s
}
