package trtllm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/servesweep/servesweep/internal/engine/rules"
	"github.com/servesweep/servesweep/internal/hardware"
)

const (
	srcTRTLLMGenSM      = "tensorrt_llm/_torch/modules/fused_moe/fused_moe_trtllm_gen.py TRTLLMGenFusedMoE.can_implement (\"TRTLLMGenFusedMoE requires SM100 or SM103, got SM{sm}\"); __init__: \"does not support SM120 and above\""
	srcTRTLLMFallback   = "tensorrt_llm/_torch/modules/fused_moe/create_moe.py get_moe_cls (TRTLLM: \"TRTLLMGenFusedMoE only supports fp8_block_scales, nvfp4, w4a16_mxfp4, w4a8_nvfp4_fp8, w4a8_mxfp4_fp8, and w4a8_mxfp4_mxfp8. ... Using CutlassFusedMoE instead.\")"
	srcCuteDSL          = "tensorrt_llm/_torch/modules/fused_moe/create_moe.py get_moe_cls (CUTEDSL: fp8_block_scales or nvfp4, else CutlassFusedMoE); fused_moe_cute_dsl.py CuteDslFusedMoE.can_implement (SM >= 90; NVFP4 needs SM100 or SM103)"
	srcDeepGEMM         = "tensorrt_llm/_torch/modules/fused_moe/fused_moe_deepgemm.py DeepGemmFusedMoE (\"unsupported quantization mode for DEEPGEMM backend\" unless FP8 block scales; per_token_cast_to_fp8_e8m0: Blackwell UE8M0 scales; newer can_implement: \"requires SM100 or SM103\")"
	srcWideEP           = "tensorrt_llm/_torch/modules/fused_moe/fused_moe_wide_ep.py WideEPMoE.__init__ (\"Attention DP should be used with WideEP.\", \"WideEP should only be enabled with parallel_size > 1\"); _check_configs (nvfp4, fp8 block scales, fp8 qdq, int4 per group)"
	srcTriton           = "tensorrt_llm/_torch/modules/fused_moe/fused_moe_triton.py TritonFusedMoE.__init__ (\"TritonFusedMoE is only supported on Hopper with EP size > 1.\"; routing_method must be RenormalizeMoeRoutingMethod)"
	trtllmFallbackLine  = "TRTLLMGenFusedMoE only supports fp8_block_scales, nvfp4, w4a16_mxfp4, w4a8_nvfp4_fp8, w4a8_mxfp4_fp8, and w4a8_mxfp4_mxfp8. Check out details in quant_config: quant_algo=%s. Using CutlassFusedMoE instead."
	cuteDSLFallbackLine = "CuteDslFusedMoE only supports fp8_block_scales and nvfp4. Check out details in quant_config: quant_algo=%s. Using CutlassFusedMoE instead."
)

// trtllmGenQuant are the quantizations TRTLLMGenFusedMoE runs (create_moe.py).
var trtllmGenQuant = []string{"FP8_BLOCK_SCALES", "NVFP4", "W4A16_MXFP4", "W4A8_NVFP4_FP8", "W4A8_MXFP4_FP8", "W4A8_MXFP4_MXFP8"}

// renormalizeArchs route with plain softmax top-k renormalisation
// (RenormalizeMoeRoutingMethod); DeepSeek-style grouped routing is not one.
var groupedRoutingArchs = []string{"DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM", "KimiK25ForConditionalGeneration", "Glm4MoeForCausalLM", "GlmMoeDsaForCausalLM"}

// hopperFix is the advice for a Blackwell-only backend on another GPU.
func hopperFix(c *rules.Ctx) string {
	if c.Family() == hardware.FamilyHopper {
		return "on Hopper use CUTLASS (the default) or TRITON"
	}
	return "use CUTLASS (the default)"
}

func ruleTRTLLMArch(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "TRTLLM") {
		return rules.NotApplicable("MoE backend is not TRTLLM")
	}
	v, ok := sm(c)
	switch {
	case !ok:
		return rules.Warnf("the TRTLLM MoE backend runs only on SM100/SM103 and the target GPU is unknown: pass --gpu or add hardware: {gpu: ...}")
	case v == 100 || v == 103:
		return rules.OK(fmt.Sprintf("TRTLLM on %s", c.HW.Arch()))
	}
	return rules.Skipf("the TRTLLM MoE backend (TRTLLMGenFusedMoE) requires SM100 or SM103; %s is SM%d: %s", c.HW.Name, v, hopperFix(c))
}

func ruleTRTLLMQuant(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "TRTLLM") {
		return rules.NotApplicable("MoE backend is not TRTLLM")
	}
	if slices.Contains(trtllmGenQuant, c.Quant) {
		return rules.OK(c.Quant + " experts run on TRTLLMGenFusedMoE")
	}
	o := rules.Warnf("runs CUTLASS MoE, not TRTLLM: TRTLLMGenFusedMoE takes %s experts only and this checkpoint is %s; TensorRT-LLM starts, logs \"... Using CutlassFusedMoE instead.\" and this table measures CUTLASS (newest releases may run BF16 through FlashInfer)",
		strings.Join(trtllmGenQuant, ", "), quantName(c.Quant))
	o.Expect = map[string]string{"moe_backend": "CUTLASS"}
	o.ExpectLog = []string{fmt.Sprintf(trtllmFallbackLine, algoOrNone(c.Quant))}
	return o
}

func algoOrNone(q string) string {
	if q == "" {
		return "None"
	}
	return q
}

func ruleCuteDSL(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "CUTEDSL") {
		return rules.NotApplicable("MoE backend is not CUTEDSL")
	}
	v, ok := sm(c)
	if ok && v < 90 {
		return rules.Skipf("CuteDslFusedMoE requires SM >= 90; %s is SM%d: use CUTLASS", c.HW.Name, v)
	}
	if c.Quant == "NVFP4" && ok && v != 100 && v != 103 {
		return rules.Skipf("CUTEDSL runs NVFP4 experts on SM100/SM103 only; %s is SM%d: %s", c.HW.Name, v, hopperFix(c))
	}
	if c.Quant != "NVFP4" && c.Quant != "FP8_BLOCK_SCALES" {
		o := rules.Warnf("runs CUTLASS MoE, not CUTEDSL: CuteDslFusedMoE takes NVFP4 or FP8 block-scale experts and this checkpoint is %s; TensorRT-LLM logs \"... Using CutlassFusedMoE instead.\"", quantName(c.Quant))
		o.Expect = map[string]string{"moe_backend": "CUTLASS"}
		o.ExpectLog = []string{fmt.Sprintf(cuteDSLFallbackLine, algoOrNone(c.Quant))}
		return o
	}
	return rules.OK(c.Quant + " on CuTe DSL")
}

func ruleDeepGEMM(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "DEEPGEMM") {
		return rules.NotApplicable("MoE backend is not DEEPGEMM")
	}
	if c.Quant != "FP8_BLOCK_SCALES" {
		return rules.Skipf("DEEPGEMM runs FP8 block-scale experts only and this checkpoint is %s: use CUTLASS", quantName(c.Quant))
	}
	v, ok := sm(c)
	switch {
	case !ok:
		return rules.Warnf("DEEPGEMM needs SM100/SM103 and the target GPU is unknown")
	case v != 100 && v != 103:
		return rules.Skipf("TensorRT-LLM's DEEPGEMM MoE (UE8M0-scaled DeepGEMM) requires SM100 or SM103; %s is SM%d: %s", c.HW.Name, v, hopperFix(c))
	}
	return rules.OK("FP8 block scales on " + c.HW.Arch())
}

func ruleWideEP(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "WIDEEP") {
		return rules.NotApplicable("MoE backend is not WIDEEP")
	}
	if c.TP < 2 {
		return rules.Skipf("WIDEEP needs more than one rank (\"WideEP should only be enabled with parallel_size > 1\"): use TP ≥ 2")
	}
	if !attentionDP(c.Cfg.Args) {
		return rules.Skipf("WIDEEP asserts attention DP (\"Attention DP should be used with WideEP.\"): add `%s enable_attention_dp=true`", OptionFlag)
	}
	if q := c.Quant; q != "" && q != "NVFP4" && q != "FP8_BLOCK_SCALES" && q != "FP8" && !strings.HasPrefix(q, "W4A16") {
		return rules.Skipf("WIDEEP takes NVFP4, FP8 (block scales or per-tensor), INT4 per-group or BF16 experts; this checkpoint is %s: use CUTLASS", q)
	}
	if c.EP <= c.Info.ExpertsPerToken {
		return rules.Warnf("EP%d ≤ top-k %d: WideEPMoE selects no all-to-all (alltoall_method_type NotEnabled) and falls back to allgather/reducescatter", c.EP, c.Info.ExpertsPerToken)
	}
	return rules.OK(fmt.Sprintf("attention DP, EP%d", c.EP))
}

func ruleTriton(c *rules.Ctx) rules.Outcome {
	if !backendIs(c, "TRITON") {
		return rules.NotApplicable("MoE backend is not TRITON")
	}
	if slices.Contains(groupedRoutingArchs, c.Info.Architecture) {
		return rules.Skipf("TritonFusedMoE asserts RenormalizeMoeRoutingMethod; %s routes by expert groups: use CUTLASS", c.Info.Architecture)
	}
	if v, ok := sm(c); ok && v/10 != 9 && c.EP > 1 {
		return rules.Skipf("TritonFusedMoE is only supported on Hopper with EP size > 1; %s is SM%d with EP%d: use --ep_size 1 or CUTLASS", c.HW.Name, v, c.EP)
	}
	return rules.OK("Triton MoE kernels")
}
