// Package rules is the vocabulary of pre-flight rules: a rule names the engine
// versions and GPU architectures it holds for and the upstream file/function
// it comes from, and judges one configuration of one model on one target.
// Each engine's folder holds its own rules (engine/sglang/rules.go); package
// preflight evaluates them.
package rules

import (
	"fmt"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
)

// Outcomes of a rule.
const (
	Pass = "pass"
	Warn = "warn"
	Skip = "skip"
	NA   = "n/a"
)

// Rule is one pre-flight rule.
type Rule struct {
	Name     string
	Versions string // e.g. ">= 0.5.4", "all"
	Arch     string // e.g. "all", "Blackwell"
	Source   string
	// ForVersion reports whether the rule holds for the engine version; known is
	// false when the version could not be detected (then the newest rules hold).
	// nil: every version.
	ForVersion func(v engine.Version, known bool) bool
	// Check judges the configuration. Rules run in order and may fill Ctx for
	// the rules after them (SGLang resolves --quantization first).
	Check func(c *Ctx) Outcome
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

// OK is a passed rule.
func OK(msg string) Outcome { return Outcome{Result: Pass, Msg: msg} }

// NotApplicable is a rule that does not concern this configuration.
func NotApplicable(msg string) Outcome { return Outcome{Result: NA, Msg: msg} }

// Skipf is a rule that the configuration breaks: the engine would refuse it.
func Skipf(f string, a ...any) Outcome { return Outcome{Result: Skip, Msg: fmt.Sprintf(f, a...)} }

// Warnf is a rule whose consequence the user should know.
func Warnf(f string, a ...any) Outcome { return Outcome{Result: Warn, Msg: fmt.Sprintf(f, a...)} }

// Config is what a rule sees of a configuration.
type Config struct {
	TP, GPUs   int
	MoEBackend string
	Args       []string
}

// Ctx is what a rule sees.
type Ctx struct {
	Cfg  Config
	Info *modelinfo.Info  // never nil inside a rule
	HW   *hardware.Target // nil when unknown
	Ver  engine.Version
	// VerKnown is false when the engine version is unknown (newest rules apply).
	VerKnown bool
	TP, EP   int
	// Quant is the engine's resolved quantization ("" when none); CkptQuant the
	// checkpoint's own method ("" for 16-bit); QuantNote says how Quant came about.
	Quant, CkptQuant string
	QuantNote        string
}

// Family is the target GPU's architecture family ("" when unknown).
func (c *Ctx) Family() hardware.Family { return c.HW.Family() }

// Since holds for unknown versions and versions >= min.
func Since(min string) func(engine.Version, bool) bool {
	return func(v engine.Version, known bool) bool { return !known || v.AtLeast(min) }
}

// Before holds only for known versions < max.
func Before(max string) func(engine.Version, bool) bool {
	return func(v engine.Version, known bool) bool { return known && !v.AtLeast(max) }
}

// Between holds only for known versions in [min, max).
func Between(min, max string) func(engine.Version, bool) bool {
	return func(v engine.Version, known bool) bool { return known && v.AtLeast(min) && !v.AtLeast(max) }
}

// Provider is implemented by engines with pre-flight rules of their own.
type Provider interface {
	Rules() []Rule
}

// MemoryModel is implemented by engines that say how much GPU memory their
// servers give weights + KV cache by default; engines without it get no memory
// fit check (Ollama offloads what does not fit).
type MemoryModel interface {
	// MemFraction returns the share (0..1) and where it comes from.
	MemFraction(gpuMemGiB float64, tp int, args []string) (float64, string)
}

// FreeMemoryModel is implemented by engines whose KV cache takes a share of
// the memory left free after the weights and runtime buffers (TensorRT-LLM's
// free_gpu_memory_fraction) rather than a share of the whole GPU; pre-flight
// then sizes the KV pool as frac × (GPU memory − weights − reserved).
type FreeMemoryModel interface {
	MemoryModel
	// FreeFraction returns the share (0..1) of the free memory, where it
	// comes from, and the runtime buffers (GiB per GPU) held outside it.
	FreeFraction(gpuMemGiB float64, tp int, args []string) (frac float64, from string, reservedGiB float64)
}

// FlagFraction reads a memory-fraction flag from args.
func FlagFraction(args []string, flags ...string) (float64, bool) {
	for _, flag := range flags {
		if v, ok := engine.FlagValue(args, flag); ok {
			var f float64
			if _, err := fmt.Sscanf(v, "%g", &f); err == nil && f > 0 && f < 1 {
				return f, true
			}
		}
	}
	return 0, false
}

// HeadsSplit is the rule every tensor-parallel engine shares: attention heads
// split evenly over TP ranks.
var HeadsSplit = Rule{Name: "attention heads split over TP", Versions: "all", Arch: "all",
	Source: "tensor-parallel attention splits heads evenly over TP ranks (vLLM vllm/model_executor/models/*: assert num_heads % tp_size == 0)",
	Check: func(c *Ctx) Outcome {
		if c.Info.Heads%c.TP != 0 {
			return Skipf("%d attention heads do not split over TP%d: use a TP size that divides %d", c.Info.Heads, c.TP, c.Info.Heads)
		}
		return OK(fmt.Sprintf("%d heads over TP%d", c.Info.Heads, c.TP))
	}}
