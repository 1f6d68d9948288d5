package vllm

import (
	"encoding/json"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
)

// TestProfilerByVersion: vLLM before 0.13 takes VLLM_TORCH_PROFILER_DIR; 0.13
// and later (and an unknown version) take --profiler-config; a sweep's own
// --profiler-config is left alone.
func TestProfilerByVersion(t *testing.T) {
	cases := []struct {
		version string
		envDir  bool
	}{
		{"0.11.0", true}, {"v0.12.2rc1.dev3+gabc", true}, {"0.13.0", false}, {"0.16.1", false}, {"1.0.0", false}, {"", false}, {"nightly", false},
	}
	for _, c := range cases {
		argv, env := Engine{}.Command(engine.LaunchSpec{ModelPath: "m", TP: 2, EngineVersion: c.version})
		cfg, hasFlag := engine.FlagValue(argv, "--profiler-config")
		_, hasEnv := env["VLLM_TORCH_PROFILER_DIR"]
		if hasEnv != c.envDir || hasFlag == c.envDir || env["VLLM_SERVER_DEV_MODE"] != "1" {
			t.Fatalf("%q: argv %v env %v", c.version, argv, env)
		}
		if hasFlag {
			var pc map[string]string
			if err := json.Unmarshal([]byte(cfg), &pc); err != nil || pc["profiler"] != "torch" || pc["torch_profiler_dir"] != engine.TraceDirPlaceholder {
				t.Fatalf("%q: --profiler-config %s", c.version, cfg)
			}
		}
	}
	own := []string{"--profiler-config", `{"profiler":"cuda"}`}
	argv, env := Engine{}.Command(engine.LaunchSpec{ModelPath: "m", TP: 1, Args: own})
	if n := len(argv); argv[n-1] != own[1] || env["VLLM_TORCH_PROFILER_DIR"] != "" {
		t.Fatalf("argv %v env %v", argv, env)
	}
}
