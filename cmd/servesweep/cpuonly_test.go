package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"
)

// TestPlanCPUOnlyConfigurationsUseNoGPU is the contract of issue 14: in
// `plan --json` an Ollama configuration with --num-gpu 0 has gpus: 0, one
// that offloads layers on a named GPU has 1, and with no GPU named or found
// every configuration runs on the CPU.
func TestPlanCPUOnlyConfigurationsUseNoGPU(t *testing.T) {
	body := `name: cpu-only
engine: ollama
engine_command: [/nonexistent/ollama]
%s
input_lens: [16]
output_lens: [4]
server_params:
  --num-gpu: ["0", "99"]
models:
  m: {path: /nonexistent/model.gguf}
`
	plan := func(hw string) map[string]int {
		t.Helper()
		p := writeSweep(t, fmt.Sprintf(body, hw))
		cmd := exec.Command(bin(), "plan", p, "--json", "--no-preflight")
		cmd.Env = append(cmd.Environ(), "PATH=/nonexistent") // no nvidia-smi: nothing discovered
		js, err := cmd.Output()
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		var cfgs []struct {
			Params map[string]string `json:"server_params"`
			GPUs   *int              `json:"gpus"`
		}
		if err := json.Unmarshal(js, &cfgs); err != nil || len(cfgs) != 2 {
			t.Fatalf("plan --json: %v (%d configurations)", err, len(cfgs))
		}
		out := map[string]int{}
		for _, c := range cfgs {
			if c.GPUs == nil {
				t.Fatalf("gpus missing from %s", js)
			}
			out[c.Params["--num-gpu"]] = *c.GPUs
		}
		return out
	}
	if got := plan("hardware: {gpu: H200, gpus: 1}"); got["0"] != 0 || got["99"] != 1 {
		t.Fatalf("on an H200: num_gpu 0 must use 0 GPUs and num_gpu 99 one, got %v", got)
	}
	if exec.Command(bin(), "gpus").Run() == nil {
		t.Skip("this machine has a GPU: the no-GPU half needs one without")
	}
	if got := plan(""); got["0"] != 0 || got["99"] != 0 {
		t.Fatalf("with no GPU named or found every configuration is CPU-only, got %v", got)
	}
}
