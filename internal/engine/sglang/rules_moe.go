package sglang

import (
	"fmt"
	"github.com/servesweep/servesweep/internal/engine/rules"
	"slices"
	"strings"

	"github.com/servesweep/servesweep/internal/hardware"
)

// Allowed --quantization values per MoE backend ("" = no flag, bf16).
var (
	trtllmQuantNew  = []string{"", "modelopt_fp4", "nvfp4_online", "fp8", "mxfp8", "modelopt_fp8", "modelopt_mixed", "compressed-tensors"}
	trtllmQuantOld  = []string{"modelopt_fp4", "modelopt_fp8", "fp8"}
	cutlassQuantNew = []string{"", "modelopt_fp4", "modelopt_fp8", "modelopt_mixed"}
	cutlassQuantOld = []string{"modelopt_fp4"}
)

func quantList(qs []string) string {
	names := make([]string, len(qs))
	for i, q := range qs {
		names[i] = quantName(q)
	}
	return strings.Join(names, ", ")
}

func ruleMoESplit(c *rules.Ctx) rules.Outcome {
	info, tp, ep := c.Info, c.TP, c.EP
	if !info.IsMoE() || info.MoEIntermediate == 0 || tp%ep != 0 {
		return rules.NotApplicable("no MoE intermediate size to split")
	}
	block := 0
	if q := info.Quantization; q != nil && len(q.BlockSize) > 0 && (c.Quant == "fp8" || c.Quant == "") {
		block = q.BlockSize[0]
	}
	inter := info.MoEIntermediate
	ok := func(e int) bool {
		m := tp / e
		return inter%m == 0 && info.Experts%e == 0 && (block == 0 || (inter/m)%block == 0)
	}
	moeTP := tp / ep
	if ok(ep) {
		return rules.OK(fmt.Sprintf("moe_intermediate_size %d / moe_tp %d = %d per rank", inter, moeTP, inter/moeTP))
	}
	fix := "use a smaller TP"
	for e := ep * 2; e <= tp; e *= 2 {
		if tp%e == 0 && ok(e) {
			fix = fmt.Sprintf("add `--ep-size %d`", e)
			if c.Cfg.MoEBackend == "flashinfer_cutlass" && e != tp {
				fix += " (flashinfer_cutlass needs --ep-size 1 or equal to TP)"
			}
			break
		}
	}
	if inter%moeTP != 0 {
		return rules.Skipf("TP%d: moe_intermediate_size %d does not split over moe_tp %d: %s", tp, inter, moeTP, fix)
	}
	return rules.Skipf("TP%d gives %d per rank, not a multiple of %d (FP8 block): %s", tp, inter/moeTP, block, fix)
}

func ruleTRTLLMArch(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "flashinfer_trtllm", "flashinfer_trtllm_routed", "experimental_sgl_trtllm") {
		return rules.NotApplicable("MoE backend is not FlashInfer TRT-LLM-gen")
	}
	if c.HW == nil || c.HW.Compute == "" {
		return rules.Warnf("%s runs only on Blackwell (compute 10.x) and the target GPU is unknown: pass --gpu or add hardware: {gpu: ...}", c.Cfg.MoEBackend)
	}
	major, _, _ := hardware.ParseCompute(c.HW.Compute)
	switch {
	case c.Family() == hardware.FamilyBlackwell && major == 10:
		return rules.OK(fmt.Sprintf("%s on %s", c.Cfg.MoEBackend, c.HW.Arch()))
	case c.Family() == hardware.FamilyBlackwell:
		return rules.Warnf("%s on %s: FlashInfer builds TRT-LLM-gen MoE for major 12 only in newer releases (older: major 10 only)", c.Cfg.MoEBackend, c.HW.Arch())
	}
	return rules.Skipf("%s (FlashInfer TRT-LLM-gen fused MoE) is built only for Blackwell; %s is %s: the server loads every weight, then dies at the first MoE call (\"No supported CUDA architectures found for major versions [10]\"): %s",
		c.Cfg.MoEBackend, c.HW.Name, c.HW.Arch(), hopperFix(c))
}

func ruleTRTLLMQuant(allowed []string) func(*rules.Ctx) rules.Outcome {
	return func(c *rules.Ctx) rules.Outcome {
		if !backendIs(c, "flashinfer_trtllm") {
			return rules.NotApplicable("MoE backend is not flashinfer_trtllm")
		}
		if !slices.Contains(allowed, c.Quant) {
			return rules.Skipf("flashinfer_trtllm accepts --quantization %s; this configuration resolves to %s: pass --quantization fp8 for an FP8 checkpoint, or use triton",
				quantList(allowed), quantName(c.Quant))
		}
		return rules.OK("--quantization " + quantName(c.Quant))
	}
}

func ruleCutlassQuant(allowed []string) func(*rules.Ctx) rules.Outcome {
	return func(c *rules.Ctx) rules.Outcome {
		if !backendIs(c, "flashinfer_cutlass") {
			return rules.NotApplicable("MoE backend is not flashinfer_cutlass")
		}
		if !slices.Contains(allowed, c.Quant) {
			why := ""
			if c.QuantNote != "" {
				why = " (" + c.QuantNote + ")"
			}
			return rules.Skipf("flashinfer_cutlass asserts --quantization in {%s}; this configuration resolves to %s%s: use triton or deep_gemm",
				quantList(allowed), quantName(c.Quant), why)
		}
		return rules.OK(fmt.Sprintf("--quantization %s (the check is on the flag, not the %s)", quantName(c.Quant), checkpointNote(c)))
	}
}

func ruleCutlassEP(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "flashinfer_cutlass", "flashinfer_cutedsl") {
		return rules.NotApplicable("MoE backend is not flashinfer_cutlass/cutedsl")
	}
	if c.EP != 1 && c.EP != c.TP {
		return rules.Skipf("%s needs --ep-size 1 or %d (TP), got %d", c.Cfg.MoEBackend, c.TP, c.EP)
	}
	return rules.OK(fmt.Sprintf("EP%d", c.EP))
}

// fp8FallbackApplies: flashinfer_cutlass/cutedsl on FP8 experts that the quant
// flag check let through.
func fp8FallbackApplies(c *rules.Ctx) bool {
	return backendIs(c, "flashinfer_cutlass", "flashinfer_cutedsl") && fp8Experts(c) && c.Quant == ""
}

func ruleFP8Fallback(c *rules.Ctx) rules.Outcome {
	if !fp8FallbackApplies(c) {
		return rules.NotApplicable("not flashinfer_cutlass/cutedsl on FP8 experts")
	}
	be := strings.ToUpper(c.Cfg.MoEBackend)
	o := rules.Warnf("runs Triton MoE for FP8 experts, not %s: SGLang starts, logs \"Fp8MoEMethod has no %s path; using triton for its fp8 experts.\" and this table measures Triton (use triton or deep_gemm to compare on purpose)",
		strings.TrimPrefix(c.Cfg.MoEBackend, "flashinfer_"), be)
	o.Expect = map[string]string{"moe_runner_backend": "triton"}
	o.ExpectLog = []string{fmt.Sprintf("Fp8MoEMethod has no %s path; using triton for its fp8 experts.", be)}
	return o
}

func ruleFP8NoRunner(c *rules.Ctx) rules.Outcome {
	if !fp8FallbackApplies(c) {
		return rules.NotApplicable("not flashinfer_cutlass/cutedsl on FP8 experts")
	}
	return rules.Skipf("%s on FP8 experts: this SGLang version creates no MoE runner for it and fails at the first forward ('Fp8MoEMethod' object has no attribute 'runner'): use triton or deep_gemm, or a newer SGLang (which falls back to Triton)", c.Cfg.MoEBackend)
}

func ruleCuteDSL(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "flashinfer_cutedsl") {
		return rules.NotApplicable("MoE backend is not flashinfer_cutedsl")
	}
	if c.HW != nil && c.HW.Compute != "" && !isSM100(c.HW) {
		return rules.Skipf("flashinfer_cutedsl (FlashInfer CuTe-DSL MoE) is built for SM100; %s is %s: %s", c.HW.Name, c.HW.Arch(), hopperFix(c))
	}
	if !slices.Contains([]string{"modelopt_fp4", "modelopt_mixed", "nvfp4_online"}, c.Quant) && !fp8Experts(c) {
		return rules.Skipf("flashinfer_cutedsl accepts only NVFP4 (--quantization modelopt_fp4, modelopt_mixed, nvfp4_online); this configuration resolves to %s", quantName(c.Quant))
	}
	return rules.OK("NVFP4 on SM100")
}

func ruleDeepGEMM(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "deep_gemm") {
		return rules.NotApplicable("MoE backend is not deep_gemm")
	}
	major, _, ok := hardware.ParseCompute(hwCompute(c.HW))
	switch {
	case c.Family() == hardware.FamilyAMD:
		return rules.Skipf("deep_gemm is CUDA-only; %s is AMD: use aiter or triton", c.HW.Name)
	case ok && major < 9:
		return rules.Skipf("deep_gemm needs SM90 or newer; %s is %s: use triton", c.HW.Name, c.HW.Arch())
	case ok && major == 12:
		return rules.Warnf("deep_gemm on SM120 needs a DeepGEMM build with m_grouped_fp8_fp4_gemm_nt_contiguous")
	case !ok:
		return rules.Warnf("deep_gemm needs SM90 or newer and the target GPU is unknown")
	}
	return rules.OK("SM" + strings.ReplaceAll(c.HW.Compute, ".", ""))
}

func ruleMXFP4(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "flashinfer_mxfp4") {
		return rules.NotApplicable("MoE backend is not flashinfer_mxfp4")
	}
	major, _, ok := hardware.ParseCompute(hwCompute(c.HW))
	if c.Family() == hardware.FamilyAMD || ok && major != 9 && major != 10 {
		return rules.Skipf("flashinfer_mxfp4 requires SM90 or SM100; %s is %s: use triton_kernel", c.HW.Name, c.HW.Arch())
	}
	if ok && major == 9 {
		return rules.Warnf("flashinfer_mxfp4 on Hopper needs a 2026 SGLang (SM90 CUTLASS path, sglang PR #24816); older releases are SM100-only")
	}
	return rules.OK("")
}

func ruleNVFP4(c *rules.Ctx) rules.Outcome {
	q := c.Info.Quantization
	if q == nil || !q.NVFP4 {
		return rules.NotApplicable("not an NVFP4 checkpoint")
	}
	major, _, ok := hardware.ParseCompute(hwCompute(c.HW))
	switch {
	case !ok:
		return rules.Warnf("NVFP4 checkpoint: needs Blackwell (or --moe-runner-backend marlin on SM80+) and the target GPU is unknown")
	case major >= 10:
		return rules.OK("NVFP4 on " + c.HW.Arch())
	case c.Cfg.MoEBackend == "marlin" && major >= 8:
		return rules.Warnf("NVFP4 through Marlin (weight-only) on %s: slower than native FP4", c.HW.Arch())
	}
	return rules.Skipf("NVFP4 checkpoint on %s: SGLang needs Blackwell (\"Current platform does not support NVFP4 quantization\"): use --moe-runner-backend marlin or an FP8/BF16 checkpoint", c.HW.Arch())
}

func ruleFP8Cores(c *rules.Ctx) rules.Outcome {
	q := c.Info.Quantization
	if q == nil || q.Bits != 8 || !(q.Method == "fp8" || q.Float) {
		return rules.NotApplicable("not an FP8 checkpoint")
	}
	major, minor, ok := hardware.ParseCompute(hwCompute(c.HW))
	if !ok || major > 8 || major == 8 && minor >= 9 {
		return rules.OK("FP8 tensor cores present or GPU unknown")
	}
	return rules.Warnf("FP8 checkpoint on %s, which has no FP8 tensor cores: SGLang runs weight-only FP8 (Marlin) kernels, slower than on Hopper", c.HW.Arch())
}

const srcWNA16 = "sglang python/sglang/srt/layers/quantization/compressed_tensors/compressed_tensors_moe.py CompressedTensorsMoEMethod.get_moe_method (\"Using CompressedTensorsWNA16MarlinMoEMethod\"; its apply() calls fused_marlin_moe whatever --moe-runner-backend says)"

// ruleWNA16 flags INT4/INT8 compressed-tensors experts (Kimi-K2 Thinking):
// SGLang runs them with Marlin MoE kernels, not the backend the variant names
// (on Blackwell current SGLang runs Kimi's INT4 recipe with flashinfer_trtllm).
func ruleWNA16(c *rules.Ctx) rules.Outcome {
	q := c.Info.Quantization
	if !c.Info.IsMoE() || c.Cfg.MoEBackend == "" || c.Cfg.MoEBackend == "auto" || q == nil || q.Method != "compressed-tensors" || q.Float || !q.Covers(CompExpertsName) {
		return rules.NotApplicable("not compressed-tensors INT experts with an explicit MoE backend")
	}
	if c.Cfg.MoEBackend == "flashinfer_trtllm" && isSM100(c.HW) {
		return rules.OK("INT4 group-32 experts with flashinfer_trtllm on SM100")
	}
	o := rules.Warnf("runs Marlin W%dA16 MoE kernels for compressed-tensors INT%d experts, not %s: SGLang picks CompressedTensorsWNA16MoEMethod whatever --moe-runner-backend says (the table measures Marlin)",
		q.Bits, q.Bits, c.Cfg.MoEBackend)
	o.ExpectLog = []string{"Using CompressedTensorsWNA16MarlinMoEMethod"}
	return o
}
