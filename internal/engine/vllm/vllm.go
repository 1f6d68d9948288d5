// Package vllm is servesweep's adapter for vLLM: `vllm serve` launch flags and
// the OpenAI-style /v1/completions stream, /health, /reset_prefix_cache,
// /start_profile and /stop_profile (vllm/entrypoints/openai/api_server.py).
package vllm

import (
	"strconv"

	"github.com/servesweep/servesweep/internal/engine"
)

// DefaultLauncher is the argv prefix that starts a vLLM server.
var DefaultLauncher = []string{"vllm", "serve"}

// Engine launches vLLM servers.
type Engine struct{}

// Name implements engine.Engine.
func (Engine) Name() string { return "vllm" }

// Simulated implements engine.Engine.
func (Engine) Simulated() bool { return false }

// Command implements engine.Engine. The profiler directory is given through
// VLLM_TORCH_PROFILER_DIR and the prefix-cache reset route through
// VLLM_SERVER_DEV_MODE=1.
func (Engine) Command(spec engine.LaunchSpec) ([]string, map[string]string) {
	argv := append([]string{}, DefaultLauncher...)
	if len(spec.Launcher) > 0 {
		argv = append([]string{}, spec.Launcher...)
	}
	argv = append(argv, spec.ModelPath, "--host", engine.HostPlaceholder, "--port", engine.PortPlaceholder,
		"--tensor-parallel-size", strconv.Itoa(spec.TP))
	if spec.MoEBackend != "" {
		argv = append(argv, "--moe-backend", spec.MoEBackend)
	}
	argv = append(argv, spec.Args...)
	return argv, map[string]string{"VLLM_TORCH_PROFILER_DIR": engine.TraceDirPlaceholder, "VLLM_SERVER_DEV_MODE": "1"}
}

// GPUs implements engine.Engine: TP × PP × DP.
func (Engine) GPUs(spec engine.LaunchSpec) int {
	return spec.TP * engine.IntFlag(spec.Args, 1, "--pipeline-parallel-size", "-pp") *
		engine.IntFlag(spec.Args, 1, "--data-parallel-size", "-dp")
}

// NewClient implements engine.Engine.
func (Engine) NewClient(baseURL string, _ engine.ClientConfig) engine.Client {
	return NewClient(baseURL)
}
