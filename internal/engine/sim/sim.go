// Package sim is the adapter for servesweep's built-in simulated engine: a real
// HTTP server process (servesweep sim-server) that speaks SGLang's protocol and
// models speed from TP size and MoE backend. It powers dry runs and rehearses
// failures; its results are marked as simulated.
package sim

import (
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sglang"
	"github.com/servesweep/servesweep/internal/engine/vllm"
)

// Engine launches sim servers. Standing names the engine it stands in for
// during a dry run ("" when the sweep file asked for sim itself).
type Engine struct {
	// StandingIn is the engine a dry run stands in for; "vllm" makes the sim
	// speak vLLM's OpenAI-style protocol to the vLLM client.
	StandingIn string
	// TimeScale, when > 0, runs the simulation faster than modelled time.
	TimeScale string
}

// Lookup finds the engine a dry run stands in for when it is neither SGLang
// nor vLLM (whose protocols the sim speaks natively): the registry sets it,
// since the registry imports this package. Such an engine implements
// engine.SimSpeaker, and the sim uses its client, log patterns, asked
// settings, GPU count and launch files.
var Lookup func(name string) (engine.Engine, error)

// target is the engine the sim speaks as through engine.SimSpeaker (nil for
// SGLang, vLLM and plain sim runs).
func (e Engine) target() engine.Engine {
	if e.StandingIn == "" || e.StandingIn == "sglang" || e.StandingIn == "vllm" || Lookup == nil {
		return nil
	}
	t, err := Lookup(e.StandingIn)
	if err != nil {
		return nil
	}
	if _, ok := t.(engine.SimSpeaker); !ok {
		return nil
	}
	return t
}

// Name implements engine.Engine.
func (Engine) Name() string { return "sim" }

// Simulated implements engine.Engine.
func (Engine) Simulated() bool { return true }

// Command implements engine.Engine: "servesweep sim-server" with SGLang's flags.
func (e Engine) Command(spec engine.LaunchSpec) ([]string, map[string]string) {
	self := spec.Self
	if self == "" {
		self = "servesweep"
	}
	launcher := []string{self, "sim-server"}
	var own []string // the sim's own flags, after the engine's
	if e.TimeScale != "" && !engine.HasFlag(spec.Args, "--sim-time-scale") {
		own = append(own, "--sim-time-scale", e.TimeScale)
	}
	if spec.Dense && !engine.HasFlag(spec.Args, "--sim-dense") {
		own = append(own, "--sim-dense")
	}
	if t := e.target(); t != nil {
		args, env := t.(engine.SimSpeaker).SimArgs(spec)
		return append(append(launcher, args...), own...), env
	}
	spec.Args = append(append([]string{}, spec.Args...), own...)
	env := map[string]string{"SGLANG_TORCH_PROFILER_DIR": engine.TraceDirPlaceholder}
	if e.StandingIn == "vllm" {
		env = map[string]string{"VLLM_TORCH_PROFILER_DIR": engine.TraceDirPlaceholder, "VLLM_SERVER_DEV_MODE": "1"}
	}
	return sglang.Args(launcher, spec), env
}

// GPUs implements engine.Engine with SGLang's rules, or the stood-in engine's.
func (e Engine) GPUs(spec engine.LaunchSpec) int {
	if t := e.target(); t != nil {
		return t.GPUs(spec)
	}
	return sglang.GPUCount(spec)
}

// Files implements engine.LaunchFiles with the stood-in engine's launch files.
func (e Engine) Files(spec engine.LaunchSpec) map[string][]byte {
	if lf, ok := e.target().(engine.LaunchFiles); ok {
		return lf.Files(spec)
	}
	return nil
}

// NewClient implements engine.Engine: the sim speaks SGLang's protocol, or
// vLLM's when it stands in for vLLM.
func (e Engine) NewClient(baseURL string, cfg engine.ClientConfig) engine.Client {
	if t := e.target(); t != nil {
		return t.NewClient(baseURL, cfg)
	}
	if e.StandingIn == "vllm" {
		return vllm.NewClient(baseURL)
	}
	return sglang.NewClient(baseURL)
}

// LogPatterns implements engine.LogScanner with the patterns of the engine the
// sim stands in for (SGLang's unless vLLM).
func (e Engine) LogPatterns() []engine.LogPattern {
	if s, ok := e.target().(engine.LogScanner); ok {
		return s.LogPatterns()
	}
	if e.StandingIn == "vllm" {
		return vllm.LogPatterns
	}
	return sglang.LogPatterns
}

// Asked implements engine.Asker with the rule of the engine the sim stands in for.
func (e Engine) Asked(spec engine.LaunchSpec) map[string]string {
	if a, ok := e.target().(engine.Asker); ok {
		return a.Asked(spec)
	}
	if e.StandingIn == "vllm" {
		return vllm.AskedOf(spec)
	}
	return sglang.AskedOf(spec)
}

// StandsInFor implements engine.StandIn: a dry run honours the rules of the
// engine it stands in for; a sweep of engine: sim stands in for SGLang.
func (e Engine) StandsInFor() string {
	if e.StandingIn != "" {
		return e.StandingIn
	}
	return "sglang"
}

// Traits implements engine.Describer: the sim starts in a moment and needs no model files.
func (Engine) Traits() engine.Traits { return engine.Traits{LaunchSeconds: 2, NoPrefetch: true} }

// Metrics implements engine.MetricsExposer: the sim serves SGLang's metric
// names on /metrics (with --enable-metrics), whatever protocol it speaks,
// except TensorRT-LLM's, whose /metrics is JSON: no Prometheus metrics then.
func (e Engine) Metrics() engine.MetricsSpec {
	if e.target() != nil {
		return engine.MetricsSpec{}
	}
	return sglang.MetricsSpec
}
