// Package trtllm is servesweep's adapter for TensorRT-LLM's OpenAI-compatible
// server: `trtllm-serve MODEL --host H --port P --backend pytorch --tp_size N
// [--extra_llm_api_options FILE]` (tensorrt_llm/commands/serve.py), readiness
// on GET /health, streamed /v1/completions with token-id prompts, /version,
// /v1/models and the JSON iteration stats of /metrics
// (tensorrt_llm/serve/openai_server.py). The MoE backend and the other LLM API
// options that have no command-line flag go into the extra options YAML, which
// servesweep writes into the configuration's work directory before launch.
package trtllm

import (
	"strconv"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
)

// DefaultLauncher is the argv prefix that starts a TensorRT-LLM server.
var DefaultLauncher = []string{"trtllm-serve"}

// OptionsFile is the extra LLM API options YAML servesweep writes into the
// work directory (--extra_llm_api_options, spelled --config in newer releases).
const OptionsFile = "extra_llm_api_options.yaml"

// Engine launches TensorRT-LLM servers.
type Engine struct{}

// Name implements engine.Engine.
func (Engine) Name() string { return "trtllm" }

// Simulated implements engine.Engine.
func (Engine) Simulated() bool { return false }

// Traits implements engine.Describer: a PyTorch-backend server loads weights,
// autotunes and captures CUDA graphs before /health answers.
func (Engine) Traits() engine.Traits { return engine.Traits{LaunchSeconds: 420} }

// Command implements engine.Engine: trtllm-serve with the model as its
// argument, host and port, the PyTorch backend, TP, the extra options file
// servesweep writes (unless the sweep passes its own), then the sweep's args
// without servesweep's --llm_api_option pairs. The environment arms the
// profiler when the sweep profiles (ProfilerEnv).
func (Engine) Command(spec engine.LaunchSpec) ([]string, map[string]string) {
	launcher := spec.Launcher
	if len(launcher) == 0 {
		launcher = DefaultLauncher
	}
	args, _ := SplitOptions(spec.Args)
	argv := append([]string{}, launcher...)
	argv = append(argv, spec.ModelPath, "--host", engine.HostPlaceholder, "--port", engine.PortPlaceholder)
	if !engine.HasFlag(args, "--backend") {
		argv = append(argv, "--backend", "pytorch")
	}
	argv = append(argv, "--tp_size", strconv.Itoa(max(1, spec.TP)))
	if !OwnOptionsFile(args) {
		argv = append(argv, "--extra_llm_api_options", engine.WorkDirPlaceholder+"/"+OptionsFile)
	}
	return append(argv, args...), ProfilerEnv(spec)
}

// OwnOptionsFile reports whether the sweep's args pass their own extra
// options file (--extra_llm_api_options or its newer spelling --config).
func OwnOptionsFile(args []string) bool {
	return engine.HasFlag(args, "--extra_llm_api_options") || engine.HasFlag(args, "--config")
}

// Files implements engine.LaunchFiles: the extra options YAML, unless the
// sweep passes its own file.
func (Engine) Files(spec engine.LaunchSpec) map[string][]byte {
	args, _ := SplitOptions(spec.Args)
	if OwnOptionsFile(args) {
		return nil
	}
	b, err := OptionsYAML(spec)
	if err != nil {
		return nil // the pre-flight rule on --llm_api_option reports it
	}
	return map[string][]byte{OptionsFile: b}
}

// GPUs implements engine.Engine: the world size TP × PP × CP
// (tensorrt_llm/mapping.py: world_size = tp_size * pp_size * cp_size; expert
// parallelism and attention DP split the TP ranks).
func (Engine) GPUs(spec engine.LaunchSpec) int {
	return max(1, spec.TP) * engine.IntFlag(spec.Args, 1, "--pp_size", "--pipeline_parallel_size") *
		engine.IntFlag(spec.Args, 1, "--cp_size", "--context_parallel_size")
}

// NewClient implements engine.Engine.
func (Engine) NewClient(baseURL string, cfg engine.ClientConfig) engine.Client {
	c := NewClient(baseURL)
	c.prof = newLaunchProfiler(cfg.Env, cfg.Command)
	return c
}

// SimArgs implements engine.SimSpeaker: the sim speaks TensorRT-LLM's
// protocol (--sim-protocol trtllm), reads the same extra options file for its
// MoE backend and arms the same launch-window profiler.
func (Engine) SimArgs(spec engine.LaunchSpec) ([]string, map[string]string) {
	args, _ := SplitOptions(spec.Args)
	out := []string{"--model-path", spec.ModelPath, "--tp-size", strconv.Itoa(max(1, spec.TP)),
		"--host", engine.HostPlaceholder, "--port", engine.PortPlaceholder, "--sim-protocol", "trtllm"}
	if ep := engine.IntFlag(args, 0, "--ep_size", "--moe_expert_parallel_size"); ep > 0 {
		out = append(out, "--ep-size", strconv.Itoa(ep))
	}
	if !OwnOptionsFile(args) {
		out = append(out, "--extra_llm_api_options", engine.WorkDirPlaceholder+"/"+OptionsFile)
	}
	return append(out, args...), ProfilerEnv(spec)
}

// backendName is the moe_config.backend value of a sweep's MoE backend:
// TensorRT-LLM's MoeConfig takes upper-case names (CUTLASS, TRTLLM, ...).
func backendName(b string) string { return strings.ToUpper(strings.TrimSpace(b)) }
