// Package sim is the adapter for servesweep's built-in simulated engine: a real
// HTTP server process (servesweep sim-server) that speaks SGLang's protocol and
// models speed from TP size and MoE backend. It powers dry runs and rehearses
// failures; its results are marked as simulated.
package sim

import (
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sglang"
)

// Engine launches sim servers. Standing names the engine it stands in for
// during a dry run ("" when the sweep file asked for sim itself).
type Engine struct {
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
	return sglang.Args(launcher, spec), map[string]string{"SGLANG_TORCH_PROFILER_DIR": engine.TraceDirPlaceholder}
}

// GPUs implements engine.Engine with SGLang's rules.
func (Engine) GPUs(spec engine.LaunchSpec) int { return sglang.GPUCount(spec) }

// NewClient implements engine.Engine: the sim speaks SGLang's protocol.
func (Engine) NewClient(baseURL string, _ engine.ClientConfig) engine.Client {
	return sglang.NewClient(baseURL)
}
