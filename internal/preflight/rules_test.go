package preflight

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/plan"
)

func model(t *testing.T, dir string) *modelinfo.Info {
	t.Helper()
	info, err := modelinfo.Locator{Offline: true}.Load(context.Background(), filepath.Join("..", "..", "examples", "hf-configs", dir))
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func gpu(t *testing.T, name string) *Hardware {
	t.Helper()
	tg, err := hardware.Resolve(hardware.Spec{Source: "test", GPU: name, GPUs: 8})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func cfg(tp int, backend string, args ...string) plan.Config {
	c := plan.Config{ID: "x", TP: tp, GPUs: tp, MoEBackend: backend, Args: args, Cases: []plan.Case{{BatchSize: 1, InputLen: 4096, OutputLen: 512}}}
	return c
}

func sglang(v string) EngineVersion { return EngineVersion{Engine: "sglang", Raw: v, Source: "test"} }

// outcome finds one rule's outcome in a result.
func outcome(r Result, rule string) plan.RuleCheck {
	for _, c := range r.Checks {
		if c.Rule == rule {
			return c
		}
	}
	return plan.RuleCheck{Outcome: "missing"}
}

// TestRulesByArchitectureAndVersion covers every MoE-backend rule on every
// architecture family it distinguishes, for the versions it distinguishes.
func TestRulesByArchitectureAndVersion(t *testing.T) {
	ds := model(t, "deepseek-ai--DeepSeek-V3")
	qwen := model(t, "Qwen--Qwen3-235B-A22B-Instruct-2507")
	kimi := model(t, "moonshotai--Kimi-K2-Thinking")
	cases := []struct {
		name    string
		info    *modelinfo.Info
		c       plan.Config
		gpu     string
		version string
		rule    string
		want    string
		detail  string
	}{
		// flashinfer_trtllm is Blackwell-only (FlashInfer TRT-LLM-gen).
		{"trtllm on H200", qwen, cfg(8, "flashinfer_trtllm"), "H200", "", "flashinfer_trtllm needs Blackwell", Skip, "on Hopper use flashinfer_cutlass, triton or deep_gemm"},
		{"trtllm on H100", ds, cfg(8, "flashinfer_trtllm"), "H100", "0.5.4", "flashinfer_trtllm needs Blackwell", Skip, "No supported CUDA architectures"},
		{"trtllm on A100", qwen, cfg(8, "flashinfer_trtllm"), "A100", "", "flashinfer_trtllm needs Blackwell", Skip, "use triton"},
		{"trtllm on MI300X", qwen, cfg(8, "flashinfer_trtllm"), "MI300X", "", "flashinfer_trtllm needs Blackwell", Skip, "aiter"},
		{"trtllm on B200", ds, cfg(8, "flashinfer_trtllm"), "B200", "", "flashinfer_trtllm needs Blackwell", Pass, ""},
		{"trtllm on B300", ds, cfg(8, "flashinfer_trtllm"), "B300", "", "flashinfer_trtllm needs Blackwell", Pass, ""},
		// flashinfer_trtllm quantization: new versions accept bf16, old ones need a flag.
		{"trtllm bf16 new", qwen, cfg(8, "flashinfer_trtllm"), "B200", "0.5.6", "flashinfer_trtllm quantization", Pass, ""},
		{"trtllm bf16 old", qwen, cfg(8, "flashinfer_trtllm"), "B200", "0.5.2", "flashinfer_trtllm quantization (old)", Skip, "accepts --quantization modelopt_fp4, modelopt_fp8, fp8"},
		{"trtllm fp8 DeepSeek old on SM100", ds, cfg(8, "flashinfer_trtllm"), "B200", "0.5.2", "flashinfer_trtllm quantization (old)", Pass, ""},
		{"trtllm old rule off for new", qwen, cfg(8, "flashinfer_trtllm"), "B200", "0.5.6", "flashinfer_trtllm quantization (old)", NA, "does not hold"},
		// flashinfer_cutlass: the check is on the --quantization flag.
		{"cutlass fp8 ckpt Hopper new", ds, cfg(8, "flashinfer_cutlass"), "H200", "", "flashinfer_cutlass quantization flag", Pass, "on the flag"},
		{"cutlass fp8 ckpt SM100 copies quant", ds, cfg(8, "flashinfer_cutlass"), "B200", "", "flashinfer_cutlass quantization flag", Skip, "on SM100 SGLang sets --quantization fp8"},
		{"cutlass explicit fp8 flag", ds, cfg(8, "flashinfer_cutlass", "--quantization", "fp8"), "H200", "", "flashinfer_cutlass quantization flag", Skip, "resolves to fp8"},
		{"cutlass bf16 old", qwen, cfg(8, "flashinfer_cutlass"), "H200", "0.5.3", "flashinfer_cutlass quantization flag (old)", Skip, "{modelopt_fp4}"},
		{"cutlass bf16 new", qwen, cfg(8, "flashinfer_cutlass"), "H200", "0.5.4", "flashinfer_cutlass quantization flag", Pass, ""},
		{"cutlass ep", qwen, cfg(8, "flashinfer_cutlass", "--ep-size", "2"), "H200", "", "flashinfer_cutlass expert parallel size", Skip, "--ep-size 1 or 8"},
		// The silent fallback on FP8 experts, by version.
		{"fp8 fallback newest", ds, cfg(8, "flashinfer_cutlass"), "H200", "", "flashinfer_cutlass on FP8 experts runs Triton", Warn, "runs Triton MoE for FP8 experts, not cutlass"},
		{"fp8 fallback 0.5.12", ds, cfg(8, "flashinfer_cutlass"), "H100", "0.5.12", "flashinfer_cutlass on FP8 experts runs Triton", Warn, "Fp8MoEMethod has no FLASHINFER_CUTLASS path"},
		{"fp8 no runner 0.5.10", ds, cfg(8, "flashinfer_cutlass"), "H200", "0.5.10", "flashinfer_cutlass on FP8 experts crashes", Skip, "no attribute 'runner'"},
		{"fp8 fallback n/a bf16", qwen, cfg(8, "flashinfer_cutlass"), "H200", "", "flashinfer_cutlass on FP8 experts runs Triton", NA, ""},
		// Kimi's INT4 experts run Marlin unless trtllm on SM100.
		{"kimi cutlass Hopper", kimi, cfg(8, "flashinfer_cutlass"), "H200", "", "compressed-tensors INT experts run Marlin", Warn, "Marlin W4A16"},
		{"kimi trtllm SM100", kimi, cfg(8, "flashinfer_trtllm"), "B200", "", "compressed-tensors INT experts run Marlin", Pass, ""},
		// deep_gemm, cutedsl, mxfp4 architecture gates.
		{"deep_gemm A100", ds, cfg(8, "deep_gemm"), "A100", "", "deep_gemm needs SM90+", Skip, "SM90 or newer"},
		{"deep_gemm H200", ds, cfg(8, "deep_gemm"), "H200", "", "deep_gemm needs SM90+", Pass, ""},
		{"deep_gemm MI300X", ds, cfg(8, "deep_gemm"), "MI300X", "", "deep_gemm needs SM90+", Skip, "CUDA-only"},
		{"cutedsl H200", ds, cfg(8, "flashinfer_cutedsl"), "H200", "", "flashinfer_cutedsl needs Blackwell and NVFP4", Skip, "built for SM100"},
		{"mxfp4 A100", qwen, cfg(8, "flashinfer_mxfp4"), "A100", "", "flashinfer_mxfp4 needs SM90/SM100", Skip, "SM90 or SM100"},
		{"mxfp4 H200", qwen, cfg(8, "flashinfer_mxfp4"), "H200", "", "flashinfer_mxfp4 needs SM90/SM100", Warn, "PR #24816"},
		{"fp8 on A100", ds, cfg(8, "triton"), "A100", "", "FP8 checkpoint without FP8 tensor cores", Warn, "no FP8 tensor cores"},
		{"fp8 on L40S", ds, cfg(8, "triton"), "L40S", "", "FP8 checkpoint without FP8 tensor cores", Pass, ""},
		// Divisibility rules keep holding.
		{"fp8 block TP8", model(t, "MiniMaxAI--MiniMax-M2"), cfg(8, "triton"), "H200", "", "MoE intermediate size split (FP8 block)", Skip, "add `--ep-size 2`"},
		{"fp8 block TP8 EP2", model(t, "MiniMaxAI--MiniMax-M2"), cfg(8, "triton", "--ep-size", "2"), "H200", "", "MoE intermediate size split (FP8 block)", Pass, ""},
		{"kv heads", qwen, cfg(8, "triton"), "H200", "", "attention heads split over TP", Pass, ""},
		{"quant mismatch", ds, cfg(8, "triton", "--quantization", "awq"), "H200", "", "--quantization matches the checkpoint", Skip, "remove the flag"},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			r := Check(k.c, k.info, nil, gpu(t, k.gpu), sglang(k.version))
			got := outcome(r, k.rule)
			if got.Outcome != k.want || !strings.Contains(got.Detail, k.detail) {
				t.Fatalf("%s: got %s %q, want %s containing %q", k.rule, got.Outcome, got.Detail, k.want, k.detail)
			}
			if got.Source == "" || got.Versions == "" || got.Arch == "" || !strings.Contains(got.AppliedTo, "H") && !strings.Contains(got.AppliedTo, "MI") && !strings.Contains(got.AppliedTo, "A100") && !strings.Contains(got.AppliedTo, "L40S") && !strings.Contains(got.AppliedTo, "B") {
				t.Fatalf("rule without its provenance: %+v", got)
			}
		})
	}
}

func TestFallbackExpectation(t *testing.T) {
	r := Check(cfg(8, "flashinfer_cutlass"), model(t, "deepseek-ai--DeepSeek-V3"), nil, gpu(t, "H200"), sglang(""))
	if r.Verdict != plan.VerdictWarn || r.Expect["moe_runner_backend"] != "triton" || len(r.ExpectLog) != 1 || !strings.Contains(r.ExpectLog[0], "Fp8MoEMethod has no FLASHINFER_CUTLASS path") {
		t.Fatalf("%+v", r)
	}
	// An unknown version applies the newest rules and says so.
	if a := r.Checks[0].AppliedTo; !strings.Contains(a, "version unknown: newest rules") || !strings.Contains(a, "H200") {
		t.Fatalf("applied to %q", a)
	}
}

func TestMemoryFitOnResolvedHardware(t *testing.T) {
	ds := model(t, "deepseek-ai--DeepSeek-V3")
	for _, k := range []struct {
		gpu     string
		tp      int
		verdict string
	}{{"H200", 4, plan.VerdictSkip}, {"H200", 8, plan.VerdictOK}, {"H100", 8, plan.VerdictSkip}, {"B200", 4, plan.VerdictSkip}, {"B300", 4, plan.VerdictOK}, {"MI300X", 4, plan.VerdictSkip}, {"MI355X", 4, plan.VerdictOK}} {
		r := Check(cfg(k.tp, "triton"), ds, nil, gpu(t, k.gpu), sglang(""))
		if r.Verdict != k.verdict || r.Memory == nil {
			t.Errorf("DeepSeek-V3 TP%d on %s: %s %v", k.tp, k.gpu, r.Verdict, r.Reasons)
		}
	}
	// Unknown hardware: a warning, never a silent pass.
	r := Check(cfg(8, "triton"), ds, nil, nil, sglang(""))
	if r.Verdict != plan.VerdictWarn || !strings.Contains(strings.Join(r.Reasons, " "), "GPU memory unknown") {
		t.Fatalf("%+v", r)
	}
}
