package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTRTLLMExamplesDryRun dry-runs every examples/trtllm-*.yaml through the
// CLI: the sim stands in for trtllm-serve, speaking its protocol to the
// TensorRT-LLM client; each configuration's extra options YAML is written
// into its folder before launch and read by the sim; pre-flight skips what
// TensorRT-LLM would refuse and predicts its CUTLASS fallback, which the run
// confirms from the log; profile: true collects the launch window's traces.
func TestTRTLLMExamplesDryRun(t *testing.T) {
	examples, _ := filepath.Glob("../../examples/trtllm-*.yaml")
	if len(examples) < 2 {
		t.Fatalf("examples %v", examples)
	}
	for _, ex := range examples {
		t.Run(filepath.Base(ex), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			b, err := exec.Command(bin(), "run", "--dry-run", "--time-scale", "0.002", "--engine-version", "1.1.0", ex, "--out", out).CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			rs := readResults(t, out)
			ok, skipped := 0, 0
			for _, r := range rs {
				switch r.Status {
				case "ok":
					ok++
					if r.CompletionTokens[0] != r.OutputLen || !slices.Contains(r.Command, "--sim-protocol") || !slices.Contains(r.Command, "trtllm") {
						t.Fatalf("%+v", r)
					}
					opts, err := os.ReadFile(filepath.Join(out, r.ConfigID, "extra_llm_api_options.yaml"))
					if err != nil || !strings.Contains(string(opts), "enable_block_reuse: false") {
						t.Fatalf("%s: launch file %s %v", r.ConfigID, opts, err)
					}
					if be := r.ConfigID[strings.LastIndex(r.ConfigID, "_")+1:]; strings.Contains(r.ConfigID, "TRTLLM") && !strings.Contains(string(opts), "backend: TRTLLM") {
						t.Fatalf("%s (%s): %s", r.ConfigID, be, opts)
					}
				case "skipped":
					skipped++
				default:
					t.Fatalf("%+v", r)
				}
			}
			if ok == 0 || skipped == 0 {
				t.Fatalf("%d ok, %d skipped: each example shows both", ok, skipped)
			}
			checkServers(t, out, filepath.Base(ex))
		})
	}
}

// checkServers: the BF16 Qwen3 configuration asked for TRTLLM ran CUTLASS,
// as pre-flight said, and the first case of a profiled configuration carries
// every rank's window trace.
func checkServers(t *testing.T, out, example string) {
	t.Helper()
	if example != "trtllm-moe-backends.yaml" {
		return
	}
	found := false
	for _, s := range readServers(t, out) {
		if s.ConfigID == "qwen-235b--TP8_TRTLLM" {
			found = true
			if !slices.Contains(s.EffectiveWarnings, "moe_backend: asked TRTLLM, ran CUTLASS") {
				t.Fatalf("%+v", s)
			}
		}
	}
	if !found {
		t.Fatal("no qwen-235b--TP8_TRTLLM server record")
	}
	traced := 0
	for _, r := range readResults(t, out) {
		if r.Status == "ok" && r.BatchSize == 1 && strings.HasPrefix(r.ConfigID, "deepseek-v3--TP8") {
			if r.TraceDecode == nil || len(r.Traces) != 8 || !strings.Contains(*r.TraceDecode, "bs-1-il-4096-TP-0.trace.json.gz") {
				t.Fatalf("%s: %v %v (%s)", r.ConfigID, r.TraceDecode, r.Traces, r.ProfileError)
			}
			traced++
		}
		if r.Status == "ok" && r.BatchSize == 8 && !strings.Contains(r.ProfileError, "one iteration window per launch") {
			t.Fatalf("%s bs 8: %q", r.ConfigID, r.ProfileError)
		}
	}
	if traced != 3 {
		t.Fatalf("%d profiled TP8 configurations", traced)
	}
}
