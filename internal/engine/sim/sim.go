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
	if e.TimeScale != "" && !engine.HasFlag(spec.Args, "--sim-time-scale") {
		spec.Args = append(append([]string{}, spec.Args...), "--sim-time-scale", e.TimeScale)
	}
	if spec.Dense && !engine.HasFlag(spec.Args, "--sim-dense") {
		spec.Args = append(append([]string{}, spec.Args...), "--sim-dense")
	}
	env := map[string]string{"SGLANG_TORCH_PROFILER_DIR": engine.TraceDirPlaceholder}
	if e.StandingIn == "vllm" {
		env = map[string]string{"VLLM_TORCH_PROFILER_DIR": engine.TraceDirPlaceholder, "VLLM_SERVER_DEV_MODE": "1"}
	}
	return sglang.Args(launcher, spec), env
}

// GPUs implements engine.Engine with SGLang's rules.
func (Engine) GPUs(spec engine.LaunchSpec) int { return sglang.GPUCount(spec) }

// NewClient implements engine.Engine: the sim speaks SGLang's protocol, or
// vLLM's when it stands in for vLLM.
func (e Engine) NewClient(baseURL string, _ engine.ClientConfig) engine.Client {
	if e.StandingIn == "vllm" {
		return vllm.NewClient(baseURL)
	}
	return sglang.NewClient(baseURL)
}

// LogPatterns implements engine.LogScanner with the patterns of the engine the
// sim stands in for (SGLang's unless vLLM).
func (e Engine) LogPatterns() []engine.LogPattern {
	if e.StandingIn == "vllm" {
		return vllm.LogPatterns
	}
	return sglang.LogPatterns
}

// Asked implements engine.Asker with the rule of the engine the sim stands in for.
func (e Engine) Asked(spec engine.LaunchSpec) map[string]string {
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
