package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVLLMAdapterAgainstSim dry-runs an engine: vllm sweep: the sim speaks
// vLLM's OpenAI-style protocol to the vLLM client (batched token-id prompts,
// usage chunk, /reset_prefix_cache, the profiler routes and vLLM's trace names).
func TestVLLMAdapterAgainstSim(t *testing.T) {
	p := writeSweep(t, `name: vllm-dry
engine: vllm
tp_sizes: [2]
moe_backends: [flashinfer_cutlass]
batch_sizes: [1, 2]
input_lens: [64]
output_lens: [16]
profile: true
models:
  m: {path: org/m, is_moe: true, extra_args: [--sim-itl-ms, "12"]}
`)
	out := filepath.Join(t.TempDir(), "run")
	if b, err := exec.Command(bin(), "run", "--dry-run", p, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	rs := readResults(t, out)
	if len(rs) != 2 {
		t.Fatalf("results %+v", rs)
	}
	for _, r := range rs {
		if r.Status != "ok" || r.CompletionTokens[0] != 16 || r.TraceDecode == nil || !strings.Contains(*r.TraceDecode, ".pt.trace.json.gz") {
			t.Fatalf("%+v", r)
		}
		if *r.ITLMs < 10 || *r.ITLMs > 20 {
			t.Fatalf("ITL %.2f ms must be the modelled ~12 ms (time scale converted back)", *r.ITLMs)
		}
		if !strings.Contains(strings.Join(r.Command, " "), "--tensor-parallel-size 2 --moe-backend flashinfer_cutlass") && !strings.Contains(strings.Join(r.Command, " "), "--tp-size 2") {
			t.Fatalf("command %v", r.Command)
		}
	}
}
