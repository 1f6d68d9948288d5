// Package vllm is servesweep's adapter for vLLM: `vllm serve` launch flags and
// the OpenAI-style /v1/completions stream, /health, /reset_prefix_cache,
// /start_profile and /stop_profile (vllm/entrypoints/openai/api_server.py).
package vllm

import (
	"encoding/json"
	"strconv"
	"strings"

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

// Command implements engine.Engine. The prefix-cache reset route needs
// VLLM_SERVER_DEV_MODE=1; the profiler directory is given as the version
// wants it (ProfilerArgs).
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
	env := map[string]string{"VLLM_SERVER_DEV_MODE": "1"}
	if engine.HasFlag(spec.Args, "--profiler-config") {
		return argv, env // the sweep configures the profiler itself
	}
	args, penv := ProfilerArgs(spec.EngineVersion, engine.TraceDirPlaceholder)
	for k, v := range penv {
		env[k] = v
	}
	return append(argv, args...), env
}

// ProfilerArgs returns how a vLLM of version configures the torch profiler to
// write into dir. vLLM 0.13.0 moved it to --profiler-config (ProfilerConfig,
// vllm-project/vllm#29912) and deprecated VLLM_TORCH_PROFILER_DIR, which 0.16.0
// removed (#33536); older releases know only the variable. An unknown version
// ("") gets the newest behaviour.
func ProfilerArgs(version, dir string) ([]string, map[string]string) {
	if major, minor, ok := parseVersion(version); ok && (major == 0 && minor < 13) {
		return nil, map[string]string{"VLLM_TORCH_PROFILER_DIR": dir}
	}
	cfg, _ := json.Marshal(map[string]string{"profiler": "torch", "torch_profiler_dir": dir})
	return []string{"--profiler-config", string(cfg)}, nil
}

// parseVersion reads major.minor from "0.12.0", "v0.11.1rc2.dev5+gabc".
func parseVersion(v string) (major, minor int, ok bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	digits := parts[1]
	if i := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		digits = digits[:i]
	}
	minor, err2 := strconv.Atoi(digits)
	return major, minor, err1 == nil && err2 == nil
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
