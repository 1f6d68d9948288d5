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

// planSeed plans the seed sweep (its hardware: section says 8×H200) with extra flags.
func planSeed(t *testing.T, flags ...string) map[string]plannedConfig {
	t.Helper()
	args := append([]string{"plan", "../../examples/neurips-tp-moe.yaml", "--json"}, flags...)
	cmd := exec.Command(bin(), args...)
	cmd.Env = append(os.Environ(), "HF_HUB_OFFLINE=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("plan %v: %v", flags, err)
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

// TestPreflightVerdictsOnH200AndH100 checks the seed sweep's verdicts on the
// hardware its file names (8×H200), with --gpu B200 and --gpu H100: what
// SGLang would do there (shared/reference/traces-and-memory.md §4, corrected).
func TestPreflightVerdictsOnH200AndH100(t *testing.T) {
	h200 := planSeed(t)
	want200 := []string{
		"deepseek-v3--TP4_flashinfer_cutlass", // 673 GB / 4 = 157 GiB > 0.900 × 140.4
		"deepseek-v3--TP4_flashinfer_trtllm",  // TRT-LLM-gen MoE is Blackwell-only, and memory
		"deepseek-v3--TP8_flashinfer_trtllm",
		"glm-4.6--TP4",                             // 706 GB / 4 = 164 GiB
		"kimi-k2-thinking--TP4_flashinfer_cutlass", // 594 GB / 4 = 138 GiB
		"kimi-k2-thinking--TP4_flashinfer_trtllm",
		"kimi-k2-thinking--TP8_flashinfer_trtllm",
		"minimax-m2--TP4_flashinfer_trtllm",
		"minimax-m2--TP8_flashinfer_cutlass", // 1536/8 = 192 per rank
		"minimax-m2--TP8_flashinfer_trtllm",
		"qwen-235b--TP4_flashinfer_trtllm",
		"qwen-235b--TP8_flashinfer_trtllm",
		"qwen-480b-coder--TP4_flashinfer_cutlass", // 960 GB / 4 = 224 GiB
		"qwen-480b-coder--TP4_flashinfer_trtllm",
		"qwen-480b-coder--TP8_flashinfer_trtllm",
	}
	if got := skipped(h200); strings.Join(got, " ") != strings.Join(want200, " ") {
		t.Fatalf("8×H200 skips\n got %v\nwant %v", got, want200)
	}
	for id, c := range h200 {
		if strings.HasSuffix(id, "flashinfer_trtllm") && !strings.Contains(strings.Join(c.Reasons, " "), "on Hopper use flashinfer_cutlass, triton or deep_gemm") {
			t.Fatalf("%s: the TRT-LLM-gen skip must give the Hopper fix: %v", id, c.Reasons)
		}
	}
	for _, id := range []string{"deepseek-v3--TP8_flashinfer_cutlass", "minimax-m2--TP4_flashinfer_cutlass"} {
		if c := h200[id]; c.Verdict != "warn" || !strings.Contains(c.Reasons[0], "runs Triton MoE for FP8 experts, not cutlass") {
			t.Fatalf("%s starts on current SGLang and runs Triton: %+v", id, c)
		}
	}
	if r := h200["minimax-m2--TP8_flashinfer_trtllm"].Reasons; len(r) == 0 || !strings.Contains(r[0], "TP8 gives 192 per rank, not a multiple of 128 (FP8 block): add `--ep-size 2`") {
		t.Fatalf("MiniMax TP8 reason: %v", r)
	}
	if c := h200["qwen-235b--TP8_flashinfer_cutlass"]; c.Verdict != "ok" || c.Memory == nil || c.Memory.Verdict != "fits" {
		t.Fatalf("Qwen 235B BF16 at TP8 on H200 fits: %+v", c)
	}

	b200 := planSeed(t, "--gpu", "B200")
	for _, id := range []string{"deepseek-v3--TP8_flashinfer_trtllm", "qwen-235b--TP4_flashinfer_trtllm", "kimi-k2-thinking--TP8_flashinfer_trtllm", "minimax-m2--TP4_flashinfer_trtllm"} {
		if c := b200[id]; c.Verdict == "skip" {
			t.Fatalf("%s runs on B200: %+v", id, c)
		}
	}
	if c := b200["deepseek-v3--TP8_flashinfer_cutlass"]; c.Verdict != "skip" || !strings.Contains(c.Reasons[0], "on SM100 SGLang sets --quantization fp8") {
		t.Fatalf("on SM100 SGLang copies fp8 into --quantization and flashinfer_cutlass asserts: %+v", c)
	}

	h100 := planSeed(t, "--gpu", "H100")
	for _, id := range []string{"qwen-480b-coder--TP8_flashinfer_cutlass", "qwen-235b--TP4_flashinfer_cutlass", "deepseek-v3--TP8_flashinfer_cutlass"} {
		if c := h100[id]; c.Verdict != "skip" || !strings.Contains(strings.Join(c.Reasons, " "), "does not fit") {
			t.Fatalf("%s on 8×H100 does not fit: %+v", id, c)
		}
	}
	if c := h100["qwen-235b--TP8_flashinfer_cutlass"]; c.Verdict == "skip" {
		t.Fatalf("Qwen 235B at TP8 fits 8×H100 (470 GB / 8 = 55 GiB < 66.5): %+v", c)
	}
	if c := h100["llama-3.2-90b-vision--TP4"]; c.Verdict != "ok" {
		t.Fatalf("Llama 90B BF16 at TP4 fits 8×H100 (177 GB / 4 = 41 GiB): %+v", c)
	}
	four := planSeed(t, "--gpus", "4")
	if c := four["llama-3.2-90b-vision--TP8"]; c.Verdict != "skip" || !strings.Contains(c.Reasons[0], "needs 8 GPUs, the host has 4") {
		t.Fatalf("not enough GPUs: %+v", c)
	}
}

func TestPlanHardwareErrors(t *testing.T) {
	out, err := exec.Command(bin(), "plan", "../../examples/neurips-tp-moe.yaml", "--gpu", "RTX-9090").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "unknown GPU \"RTX-9090\": known GPUs are A100-80GB, L40S, H100, H200, B200, B300, MI300X, MI325X, MI355X") {
		t.Fatalf("unknown --gpu: %v\n%s", err, out)
	}
	out, err = exec.Command(bin(), "plan", "../../examples/neurips-tp-moe.yaml", "--explain", "deepseek-v3--TP8_flashinxxx").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "did you mean deepseek-v3--TP8_flashinfer_cutlass, deepseek-v3--TP8_flashinfer_trtllm") {
		t.Fatalf("unknown --explain id: %v\n%s", err, out)
	}
	out, err = exec.Command(bin(), "plan", "../../examples/neurips-tp-moe.yaml", "--explain", "deepseek-v3--TP8_flashinfer_cutlass", "--engine-version", "0.5.10").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SKIP  flashinfer_cutlass on FP8 experts crashes") || !strings.Contains(string(out), "sglang 0.5.10 (--engine-version) on 8× H200 (Hopper, compute 9.0, 140.4 GiB) from sweep file hardware:") {
		t.Fatalf("--explain with an older SGLang: %v\n%s", err, out)
	}
}

func TestDryRunHonoursPreflight(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	b, err := exec.Command(bin(), "run", "--dry-run", "../../examples/neurips-tp-moe.yaml", "--out", out).CombinedOutput()
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
	if n["skipped"] != 15 || n["ok"] != 9 {
		t.Fatalf("want 9 ok and 15 skipped on the file's 8×H200, got %v", n)
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

// TestDryRunForceRehearsesRefusals: with --force, the sim refuses to start what
// pre-flight skips on the file's 8×H200, as the real engine would, and the
// closing list never recommends such a configuration.
func TestDryRunForceRehearsesRefusals(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	b, err := exec.Command(bin(), "run", "--dry-run", "--force", "../../examples/neurips-tp-moe.yaml", "--out", out).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	failed := map[string]bool{}
	for _, s := range readServers(t, out) {
		if s.Status == "failed" {
			failed[s.ConfigID] = true
			if s.FailureKind != "launch_crash" || !strings.Contains(s.LogTail, "RuntimeError:") {
				t.Fatalf("%s: a refused start is a launch crash with the reason in the log: %+v", s.ConfigID, s)
			}
		}
	}
	if len(failed) != 15 || !failed["deepseek-v3--TP8_flashinfer_trtllm"] || failed["deepseek-v3--TP8_flashinfer_cutlass"] {
		t.Fatalf("want the 15 pre-flight skips to fail at start, got %v", failed)
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	report := string(md)
	closing := report[strings.LastIndex(report, "- DeepSeek V3:"):]
	if strings.Contains(closing, "flashinfer_trtllm") || !strings.Contains(closing, "- DeepSeek V3: TP8 + flashinfer_cutlass (ran as triton MoE)") {
		t.Fatalf("closing list recommends what cannot run on H200 or hides what ran:\n%s", closing)
	}
	if !strings.Contains(report, "is built only for Blackwell; H200 is Hopper") {
		t.Fatal("the report must show why the TRT-LLM-gen configurations failed")
	}
}
