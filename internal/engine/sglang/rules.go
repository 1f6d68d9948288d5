package sglang

import (
	"fmt"
	"github.com/servesweep/servesweep/internal/engine/rules"
	"slices"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
)

// SGLang's startup rules. Sources are SGLang's own files (sgl-project/sglang,
// python/sglang/...), FlashInfer's (flashinfer-ai/flashinfer) and, where the
// rule is only known from a failure report, that report; version boundaries
// marked "≈" are the release era the source copy was read from, not a tag
// checked line by line.
const (
	srcMoEHook       = "sglang python/sglang/srt/arg_groups/moe_hook.py handle_moe_kernel_config (2026); earlier python/sglang/srt/server_args.py ServerArgs._handle_moe_kernel_config"
	srcMoEHookOld    = "sglang python/sglang/srt/server_args.py ServerArgs._handle_moe_kernel_config (≈ v0.5.0–v0.5.3: assert quantization == \"modelopt_fp4\")"
	srcFP8Fallback   = "sglang python/sglang/srt/layers/quantization/fp8.py Fp8MoEMethod.create_moe_runner (\"Fp8MoEMethod has no %s path; using triton for its fp8 experts.\")"
	srcFP8NoRunner   = "failure report against SGLang 0.5.10: AttributeError 'Fp8MoEMethod' object has no attribute 'runner' (fp8.py created no runner for flashinfer_cutlass)"
	srcTRTLLMGen     = "flashinfer flashinfer/jit/fused_moe.py gen_trtllm_gen_fused_moe_sm100_module (supported_major_versions=[10], later [10, 12]); flashinfer/compilation_context.py get_nvcc_flags_list"
	srcDeepSeekSM100 = "sglang python/sglang/srt/arg_groups/overrides.py _deepseek_moe_quant_resolution (earlier server_args.py _handle_model_specific_adjustments): on SM100 the checkpoint's quant_method becomes --quantization for the DeepSeek family"
	srcDeepGEMM      = "sglang python/sglang/srt/layers/deep_gemm_wrapper/configurer.py _compute_enable_deep_gemm (sm_version < 90 → off)"
	srcCuteDSL       = "sglang python/sglang/srt/arg_groups/moe_hook.py handle_moe_kernel_config (flashinfer_cutedsl: modelopt_fp4/modelopt_mixed/nvfp4_online); FlashInfer CuTe-DSL kernels are built for SM100"
	srcMXFP4         = "sglang python/sglang/srt/layers/quantization/mxfp4.py Mxfp4MoEMethod.__init__ (\"moe_runner_backend=flashinfer_mxfp4 requires SM90 or SM100.\")"
	srcNVFP4         = "sglang python/sglang/srt/layers/quantization/modelopt_quant.py ModelOptNvFp4FusedMoEMethod (\"Current platform does not support NVFP4 quantization ...\")"
	srcQuantMatch    = "sglang python/sglang/srt/configs/model_config.py ModelConfig._verify_quantization (\"Quantization method specified in the model config ... does not match\")"
	srcTPEP          = "sglang python/sglang/srt/distributed/parallel_state.py initialize_model_parallel; python/sglang/srt/layers/moe/fused_moe_triton/layer.py FusedMoE.__init__ (shared/reference/traces-and-memory.md §4)"
	srcHeads         = "sglang python/sglang/srt/models/*.py attention __init__ (assert num_heads % tp_size == 0; kv heads split or replicated)"
	srcFP8Block      = "sglang python/sglang/srt/layers/quantization/fp8.py Fp8MoEMethod.create_weights (\"... is not divisible by weight quantization block_n = 128\")"
)

// CompExpertsName is modelinfo's name of the routed experts.
const CompExpertsName = modelinfo.CompExperts

// deepSeekFamily are the architectures whose checkpoint quantization SGLang
// copies into --quantization on SM100 (overrides.py _DEEPSEEK_FAMILY_ARCHS).
var deepSeekFamily = []string{"DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM", "KimiK25ForConditionalGeneration",
	"MistralLarge3ForCausalLM", "PixtralForConditionalGeneration", "GlmMoeDsaForCausalLM"}

// sglangQuant resolves SGLang's --quantization for c: the flag, else on SM100
// the checkpoint's method for the DeepSeek family.
func sglangQuant(c *rules.Ctx) {
	if c.Info.Quantization != nil {
		c.CkptQuant = c.Info.Quantization.Method
	}
	if q, ok := engine.FlagValue(c.Cfg.Args, "--quantization"); ok {
		c.Quant = q
		return
	}
	if c.CkptQuant != "" && slices.Contains(deepSeekFamily, c.Info.Architecture) && isSM100(c.HW) {
		c.Quant = c.CkptQuant
		c.QuantNote = fmt.Sprintf("on SM100 SGLang sets --quantization %s from the checkpoint for %s", c.CkptQuant, c.Info.Architecture)
	}
}

func isSM100(hw *hardware.Target) bool {
	major, _, ok := hardware.ParseCompute(hwCompute(hw))
	return ok && major == 10
}

func hwCompute(hw *hardware.Target) string {
	if hw == nil {
		return ""
	}
	return hw.Compute
}

func quantName(q string) string {
	if q == "" {
		return "none (bf16)"
	}
	return q
}

// backendIs limits a rule to one MoE runner backend on MoE models.
func backendIs(c *rules.Ctx, names ...string) bool {
	return c.Info.IsMoE() && slices.Contains(names, c.Cfg.MoEBackend)
}

// hopperFix is the advice for a Blackwell-only MoE backend on another GPU.
func hopperFix(c *rules.Ctx) string {
	switch c.Family() {
	case hardware.FamilyAMD:
		return "on AMD GPUs use aiter or triton"
	case hardware.FamilyHopper:
		return "on Hopper use flashinfer_cutlass, triton or deep_gemm"
	}
	return "use triton"
}

// fp8Experts reports whether the checkpoint's routed experts are FP8.
func fp8Experts(c *rules.Ctx) bool {
	q := c.Info.Quantization
	return q != nil && (q.Method == "fp8" || q.Method == "compressed-tensors" && q.Bits == 8 && q.Float) && q.Covers(CompExpertsName)
}

// sglangRules is SGLang's rule set, in the order the server checks them.
var sglangRules = []rules.Rule{
	{Name: "resolved --quantization", Versions: "all", Arch: "all (Blackwell SM100: the DeepSeek family's checkpoint method)", Source: srcDeepSeekSM100, Check: ruleResolveQuant},
	{Name: "tp divisible by ep", Versions: "all", Arch: "all", Source: srcTPEP, Check: ruleTPEP},
	{Name: "attention heads split over TP", Versions: "all", Arch: "all", Source: srcHeads, Check: ruleHeads},
	{Name: "--quantization matches the checkpoint", Versions: "all", Arch: "all", Source: srcQuantMatch, Check: ruleQuantMatch},
	{Name: "experts split over EP", Versions: "all", Arch: "all", Source: srcTPEP, Check: ruleExpertsEP},
	{Name: "MoE intermediate size split (FP8 block)", Versions: "all", Arch: "all", Source: srcFP8Block, Check: ruleMoESplit},
	{Name: "flashinfer_trtllm needs Blackwell", Versions: "all", Arch: "Blackwell (compute 10.x; 12.x with newer FlashInfer)", Source: srcTRTLLMGen, Check: ruleTRTLLMArch},
	{Name: "flashinfer_trtllm quantization", Versions: ">= 0.5.4 (≈)", Arch: "all", Source: srcMoEHook, ForVersion: rules.Since("0.5.4"), Check: ruleTRTLLMQuant(trtllmQuantNew)},
	{Name: "flashinfer_trtllm quantization (old)", Versions: "< 0.5.4 (≈)", Arch: "all", Source: srcMoEHookOld, ForVersion: rules.Before("0.5.4"), Check: ruleTRTLLMQuant(trtllmQuantOld)},
	{Name: "flashinfer_cutlass quantization flag", Versions: ">= 0.5.4 (≈)", Arch: "all", Source: srcMoEHook, ForVersion: rules.Since("0.5.4"), Check: ruleCutlassQuant(cutlassQuantNew)},
	{Name: "flashinfer_cutlass quantization flag (old)", Versions: "< 0.5.4 (≈)", Arch: "all", Source: srcMoEHookOld, ForVersion: rules.Before("0.5.4"), Check: ruleCutlassQuant(cutlassQuantOld)},
	{Name: "flashinfer_cutlass expert parallel size", Versions: "all", Arch: "all", Source: srcMoEHook, Check: ruleCutlassEP},
	{Name: "flashinfer_cutlass on FP8 experts runs Triton", Versions: ">= 0.5.11 (≈)", Arch: "all", Source: srcFP8Fallback, ForVersion: rules.Since("0.5.11"), Check: ruleFP8Fallback},
	{Name: "flashinfer_cutlass on FP8 experts crashes", Versions: "0.5.4 – 0.5.10 (≈)", Arch: "all", Source: srcFP8NoRunner, ForVersion: rules.Between("0.5.4", "0.5.11"), Check: ruleFP8NoRunner},
	{Name: "compressed-tensors INT experts run Marlin", Versions: "all (≈ 2025–2026 sources)", Arch: "all but SM100 with flashinfer_trtllm", Source: srcWNA16, Check: ruleWNA16},
	{Name: "flashinfer_cutedsl needs Blackwell and NVFP4", Versions: "all", Arch: "Blackwell SM100", Source: srcCuteDSL, Check: ruleCuteDSL},
	{Name: "deep_gemm needs SM90+", Versions: "all", Arch: "Hopper, Blackwell", Source: srcDeepGEMM, Check: ruleDeepGEMM},
	{Name: "flashinfer_mxfp4 needs SM90/SM100", Versions: "all", Arch: "Hopper, Blackwell", Source: srcMXFP4, Check: ruleMXFP4},
	{Name: "NVFP4 checkpoint needs Blackwell", Versions: "all", Arch: "Blackwell (Marlin on SM80+)", Source: srcNVFP4, Check: ruleNVFP4},
	{Name: "FP8 checkpoint without FP8 tensor cores", Versions: "all", Arch: "compute < 8.9", Source: "NVIDIA compute capability tables: FP8 tensor cores from Ada (8.9) and Hopper (9.0)", Check: ruleFP8Cores},
}

func ruleTPEP(c *rules.Ctx) rules.Outcome {
	if c.TP%c.EP != 0 {
		return rules.Skipf("TP%d is not divisible by --ep-size %d: use an EP size that divides %d", c.TP, c.EP, c.TP)
	}
	return rules.OK(fmt.Sprintf("TP%d, EP%d", c.TP, c.EP))
}

func ruleHeads(c *rules.Ctx) rules.Outcome {
	info, tp := c.Info, c.TP
	if info.Heads%tp != 0 {
		return rules.Skipf("%d attention heads do not split over TP%d: use a TP size that divides %d", info.Heads, tp, info.Heads)
	}
	if info.Attention == "GQA" {
		nkv := info.KVHeads
		if nkv >= tp && nkv%tp != 0 || nkv < tp && tp%nkv != 0 {
			return rules.Skipf("%d KV heads and TP%d: SGLang needs kv_heads %% tp == 0 (or tp %% kv_heads == 0 when tp > kv_heads)", nkv, tp)
		}
	}
	return rules.OK(fmt.Sprintf("%d heads (%d KV) over TP%d", info.Heads, info.KVHeads, tp))
}

func ruleQuantMatch(c *rules.Ctx) rules.Outcome {
	q, ok := engine.FlagValue(c.Cfg.Args, "--quantization")
	if !ok {
		return rules.NotApplicable("no --quantization flag")
	}
	if c.CkptQuant != "" && q != c.CkptQuant {
		return rules.Skipf("--quantization %s does not match the checkpoint's own method %s: remove the flag", q, c.CkptQuant)
	}
	return rules.OK("--quantization " + q)
}

// ruleResolveQuant resolves --quantization as SGLang does (the rules after it
// judge the resolved value) and says how.
func ruleResolveQuant(c *rules.Ctx) rules.Outcome {
	sglangQuant(c)
	switch {
	case c.QuantNote != "":
		return rules.OK(c.QuantNote)
	case c.Quant != "":
		return rules.OK("--quantization " + c.Quant + " (flag)")
	}
	return rules.OK(fmt.Sprintf("no --quantization: %s", checkpointNote(c)))
}

// Rules implements rules.Provider: SGLang's rule set, in the order the server
// checks them.
func (Engine) Rules() []rules.Rule { return sglangRules }

func ruleExpertsEP(c *rules.Ctx) rules.Outcome {
	if !c.Info.IsMoE() {
		return rules.NotApplicable("dense model")
	}
	if c.Info.Experts%c.EP != 0 {
		return rules.Skipf("%d experts do not split over --ep-size %d", c.Info.Experts, c.EP)
	}
	return rules.OK(fmt.Sprintf("%d experts over EP%d", c.Info.Experts, c.EP))
}

// checkpointNote names the checkpoint for messages: "fp8 checkpoint" or "bf16 checkpoint".
func checkpointNote(c *rules.Ctx) string {
	return strings.TrimSuffix(quantName(c.CkptQuant), " (bf16)") + " checkpoint"
}
