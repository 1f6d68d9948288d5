package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

type plannedConfig struct {
	ID      string   `json:"id"`
	Verdict string   `json:"verdict"`
	Reasons []string `json:"reasons"`
	Memory  *struct {
		Verdict          string  `json:"verdict"`
		WeightsPerGPUGiB float64 `json:"weights_per_gpu_gib"`
	} `json:"memory"`
}

// planWithHardware plans the seed sweep with a hardware: section appended.
func planWithHardware(t *testing.T, hardware string) map[string]plannedConfig {
	t.Helper()
	src, _ := os.ReadFile("../../examples/neurips-tp-moe.yaml")
	dir := t.TempDir()
	os.Symlink(filepath.Join(mustAbs(t, "../../examples"), "hf-configs"), filepath.Join(dir, "hf-configs"))
	p := filepath.Join(dir, "sweep.yaml")
	os.WriteFile(p, append(src, []byte("\n"+hardware)...), 0o644)
	out, err := exec.Command(bin(), "plan", p, "--json").Output()
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	var cfgs []plannedConfig
	if err := json.Unmarshal(out, &cfgs); err != nil {
		t.Fatal(err)
	}
	m := map[string]plannedConfig{}
	for _, c := range cfgs {
		m[c.ID] = c
	}
	return m
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func skipped(m map[string]plannedConfig) []string {
	var out []string
	for id, c := range m {
		if c.Verdict == "skip" {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// TestPreflightVerdictsOnH200AndH100 checks verdicts a reviewer can redo by hand
// (weights from config.json sharded over TP against 0.85 × GPU memory; SGLang's rules).
func TestPreflightVerdictsOnH200AndH100(t *testing.T) {
	h200 := planWithHardware(t, "hardware: {gpus: 8, gpu_memory_gib: 139.8, gpu_name: H200}\n")
	want200 := []string{
		"deepseek-v3--TP4_flashinfer_cutlass",     // fp8 checkpoint + cutlass, and 157 GiB/GPU
		"deepseek-v3--TP4_flashinfer_trtllm",      // 673 GB / 4 = 157 GiB > 118.8
		"deepseek-v3--TP8_flashinfer_cutlass",     // cutlass needs bf16/modelopt weights
		"minimax-m2--TP4_flashinfer_cutlass",      // fp8 checkpoint + cutlass
		"minimax-m2--TP8_flashinfer_cutlass",      // 1536/8 = 192 per rank, and fp8 + cutlass
		"minimax-m2--TP8_flashinfer_trtllm",       // 1536/8 = 192 per rank, not a multiple of 128
		"qwen-480b-coder--TP4_flashinfer_cutlass", // 960 GB / 4 = 224 GiB
		"qwen-480b-coder--TP4_flashinfer_trtllm",
	}
	if got := skipped(h200); strings.Join(got, " ") != strings.Join(want200, " ") {
		t.Fatalf("8×H200 skips\n got %v\nwant %v", got, want200)
	}
	if r := h200["minimax-m2--TP8_flashinfer_trtllm"].Reasons; len(r) == 0 || !strings.Contains(r[0], "TP8 gives 192 per rank, not a multiple of 128 (FP8 block): add `--ep-size 2`") {
		t.Fatalf("MiniMax TP8 reason: %v", r)
	}
	if c := h200["qwen-235b--TP8_flashinfer_cutlass"]; c.Verdict != "ok" || c.Memory == nil || c.Memory.Verdict != "fits" {
		t.Fatalf("Qwen 235B BF16 at TP8 on H200 fits: %+v", c)
	}
	if c := h200["kimi-k2-thinking--TP8_flashinfer_trtllm"]; c.Verdict != "warn" || !strings.Contains(c.Reasons[0], "model config not read") {
		t.Fatalf("a model without config.json is a warning, not a crash: %+v", c)
	}

	h100 := planWithHardware(t, "hardware: {gpus: 8, gpu_memory_gib: 79.6, gpu_name: H100}\n")
	for _, id := range []string{"deepseek-v3--TP8_flashinfer_trtllm", "qwen-480b-coder--TP8_flashinfer_trtllm", "qwen-235b--TP4_flashinfer_trtllm"} {
		if c := h100[id]; c.Verdict != "skip" || !strings.Contains(strings.Join(c.Reasons, " "), "does not fit") {
			t.Fatalf("%s on 8×H100 does not fit: %+v", id, c)
		}
	}
	if c := h100["qwen-235b--TP8_flashinfer_trtllm"]; c.Verdict == "skip" {
		t.Fatalf("Qwen 235B at TP8 fits 8×H100 (470 GB / 8 = 55 GiB < 67.7): %+v", c)
	}
	if c := h100["llama-3.2-90b-vision--TP4"]; c.Verdict != "ok" {
		t.Fatalf("Llama 90B BF16 at TP4 fits 8×H100 (177 GB / 4 = 41 GiB < 67.7): %+v", c)
	}
	four := planWithHardware(t, "hardware: {gpus: 4, gpu_memory_gib: 139.8}\n")
	if c := four["llama-3.2-90b-vision--TP8"]; c.Verdict != "skip" || !strings.Contains(c.Reasons[0], "needs 8 GPUs, the host has 4") {
		t.Fatalf("not enough GPUs: %+v", c)
	}
}

func TestDryRunHonoursPreflight(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	b, err := exec.Command(bin(), "run", "--dry-run", "../../examples/neurips-tp-moe.yaml", "--out", out, "--gpus", "8", "--gpu-memory-gib", "139.8").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	rs := readResults(t, out)
	n := map[string]int{}
	for _, r := range rs {
		n[r.Status]++
		if r.Status == "skipped" && (r.FailureKind != "preflight" || !strings.Contains(r.Error, "skipped by pre-flight")) {
			t.Fatalf("skipped result without its reason: %+v", r)
		}
	}
	if n["skipped"] != 8 || n["ok"] != 16 {
		t.Fatalf("want 16 ok and 8 skipped, got %v", n)
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	if !strings.Contains(string(md), "skipped (preflight)") || !strings.Contains(string(md), "add `--ep-size 2`") {
		t.Fatal("report must show skipped configurations with their reasons")
	}
	for _, s := range readServers(t, out) {
		if s.Status == "skipped" && s.PID != 0 {
			t.Fatalf("%s was launched although skipped", s.ConfigID)
		}
	}
}
