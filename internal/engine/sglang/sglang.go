// Package sglang is servesweep's adapter for SGLang: the launch command
// (python3 -m sglang.launch_server) and the HTTP protocol of its server
// (/health, /generate SSE, /flush_cache, /server_info, /start_profile), as
// read from python/sglang/srt/entrypoints/http_server.py and
// python/sglang/bench_one_batch_server.py.
package sglang

import (
	"strconv"

	"github.com/servesweep/servesweep/internal/engine"
)

// DefaultLauncher is the argv prefix that starts an SGLang server.
var DefaultLauncher = []string{"python3", "-m", "sglang.launch_server"}

// Engine launches SGLang servers.
type Engine struct{}

// Name implements engine.Engine.
func (Engine) Name() string { return "sglang" }

// Simulated implements engine.Engine.
func (Engine) Simulated() bool { return false }

// Command implements engine.Engine: --model-path, --tp-size, --moe-runner-backend
// (only when a backend is chosen), host and port, then the extra args.
func (Engine) Command(spec engine.LaunchSpec) ([]string, map[string]string) {
	launcher := spec.Launcher
	if len(launcher) == 0 {
		launcher = DefaultLauncher
	}
	return Args(launcher, spec), map[string]string{"SGLANG_TORCH_PROFILER_DIR": engine.TraceDirPlaceholder}
}

// Args builds SGLang-style argv after the given launcher prefix.
func Args(launcher []string, spec engine.LaunchSpec) []string {
	argv := append([]string{}, launcher...)
	argv = append(argv, "--model-path", spec.ModelPath, "--tp-size", strconv.Itoa(spec.TP))
	if spec.MoEBackend != "" {
		argv = append(argv, "--moe-runner-backend", spec.MoEBackend)
	}
	argv = append(argv, "--host", engine.HostPlaceholder, "--port", engine.PortPlaceholder)
	return append(argv, stripNoSpeculation(spec.Args)...) // `--speculative-algorithm none`: no flag
}

// GPUs implements engine.Engine: TP × PP, times DP unless DP attention shares the TP GPUs.
func (Engine) GPUs(spec engine.LaunchSpec) int {
	return GPUCount(spec)
}

// GPUCount is SGLang's GPU count for spec.
func GPUCount(spec engine.LaunchSpec) int {
	n := spec.TP * engine.IntFlag(spec.Args, 1, "--pp-size", "--pipeline-parallel-size")
	if dp := engine.IntFlag(spec.Args, 1, "--dp-size", "--data-parallel-size"); dp > 1 && !engine.HasFlag(spec.Args, "--enable-dp-attention") {
		n *= dp
	}
	if nn := engine.IntFlag(spec.Args, 1, "--nnodes"); nn > 1 {
		// Multi-node: TP spans nodes; the count stays TP × PP (× DP).
		_ = nn
	}
	return n
}

// NewClient implements engine.Engine.
func (Engine) NewClient(baseURL string, _ engine.ClientConfig) engine.Client {
	return NewClient(baseURL)
}
