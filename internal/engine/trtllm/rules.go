package trtllm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/rules"
	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
)

// TensorRT-LLM's startup rules, from NVIDIA/TensorRT-LLM's own files (the
// PyTorch backend, tensorrt_llm/_torch/...). Version boundaries marked "≈"
// are the era the source copy was read from, not a tag checked line by line.
const (
	srcMapping   = "tensorrt_llm/mapping.py Mapping.__init__ (\"moe_tp_size * moe_ep_size * moe_cluster_size must equal to moe_world_size\"; neither given: moe_tp = tp, moe_ep = 1)"
	srcMoESplit  = "tensorrt_llm/_torch/modules/fused_moe/interface.py MoE.__init__ (expert_size_per_partition = num_slots // ep_size; intermediate_size_per_partition = intermediate_size // tp_size)"
	srcGetMoECls = "tensorrt_llm/_torch/modules/fused_moe/create_moe.py get_moe_cls (else: ValueError(\"Unsupported moe backend\"))"
	srcHeads     = "tensor-parallel attention splits heads evenly over TP ranks (tensorrt_llm/_torch/modules/attention.py: num_heads // tp_size); attention DP (enable_attention_dp) keeps every head on every rank"
	srcOptions   = "tensorrt_llm/commands/serve.py serve (--extra_llm_api_options/--config: one YAML file, yaml.safe_load) and llmapi/llm_utils.py update_llm_args_with_extra_dict"
)

// Backends are the moe_config.backend values get_moe_cls knows.
var Backends = []string{"CUTLASS", "TRTLLM", "DEEPGEMM", "TRITON", "CUTEDSL", "WIDEEP", "VANILLA", "DENSEGEMM"}

// QuantAlgo is TensorRT-LLM's name for a checkpoint's quantization
// (tensorrt_llm/quantization/mode.py QuantAlgo; read from config.json's
// quantization_config or hf_quant_config.json): "" for 16-bit weights.
func QuantAlgo(info *modelinfo.Info) string {
	q := info.Quantization
	switch {
	case q == nil:
		return ""
	case q.NVFP4:
		return "NVFP4"
	case q.MXFP4:
		return "W4A16_MXFP4"
	case q.Bits == 8 && (q.Method == "fp8" || q.Float) && len(q.BlockSize) > 0:
		return "FP8_BLOCK_SCALES"
	case q.Bits == 8 && (q.Method == "fp8" || q.Float):
		return "FP8"
	case q.Bits == 4:
		return "W4A16 (" + q.Method + ")"
	}
	return strings.ToUpper(q.Method)
}

// resolve fills the context as TensorRT-LLM resolves it: the quantization
// algorithm from the checkpoint, EP from --ep_size (default 1).
func resolve(c *rules.Ctx) {
	c.Quant = QuantAlgo(c.Info)
	c.CkptQuant = c.Quant
	args, _ := SplitOptions(c.Cfg.Args)
	c.EP = max(1, engine.IntFlag(args, 1, "--ep_size", "--moe_expert_parallel_size"))
}

func quantName(q string) string {
	if q == "" {
		return "BF16 (unquantized)"
	}
	return q
}

// backendIs limits a rule to MoE models run with one of the named backends.
func backendIs(c *rules.Ctx, names ...string) bool {
	return c.Info.IsMoE() && slices.Contains(names, backendName(c.Cfg.MoEBackend))
}

// sm is the target's compute capability as TensorRT-LLM's get_sm_version
// gives it (major × 10 + minor); ok is false when the GPU is unknown or not NVIDIA.
func sm(c *rules.Ctx) (int, bool) {
	if c.HW == nil || c.Family() == hardware.FamilyAMD {
		return 0, false
	}
	major, minor, ok := hardware.ParseCompute(c.HW.Compute)
	return major*10 + minor, ok
}

// trtllmRules is TensorRT-LLM's rule set, in the order the server meets them.
var trtllmRules = []rules.Rule{
	{Name: "resolved quantization and parallelism", Versions: "all", Arch: "all", Source: srcMapping, Check: ruleResolve},
	{Name: "--llm_api_option is KEY=VALUE", Versions: "all", Arch: "all", Source: srcOptions, Check: ruleOptions},
	{Name: "own extra options file", Versions: "all", Arch: "all", Source: srcOptions, Check: ruleOwnFile},
	{Name: "NVIDIA GPU", Versions: "all", Arch: "NVIDIA (CUDA)", Source: "TensorRT-LLM is built for CUDA GPUs only (tensorrt_llm/_utils.py get_sm_version: torch.cuda.get_device_capability)", Check: ruleNVIDIA},
	{Name: "attention heads split over TP", Versions: "all", Arch: "all", Source: srcHeads, Check: ruleHeads},
	{Name: "TP divisible by EP", Versions: "all", Arch: "all", Source: srcMapping, Check: ruleTPEP},
	{Name: "experts and MoE intermediate split", Versions: "all", Arch: "all", Source: srcMoESplit, Check: ruleMoESplit},
	{Name: "known MoE backend", Versions: "all (≈ 2025–2026 sources)", Arch: "all", Source: srcGetMoECls, Check: ruleBackendName},
	{Name: "TRTLLM MoE backend needs SM100/SM103", Versions: "all", Arch: "Blackwell SM100, SM103", Source: srcTRTLLMGenSM, Check: ruleTRTLLMArch},
	{Name: "TRTLLM MoE backend quantization", Versions: "all (newest set; ≈ early 2025 releases: fp8_block_scales, nvfp4 only)", Arch: "all", Source: srcTRTLLMFallback, Check: ruleTRTLLMQuant},
	{Name: "CUTEDSL MoE backend quantization and arch", Versions: "all (≈ 2025–2026 sources)", Arch: "SM90+; NVFP4 on SM100/SM103", Source: srcCuteDSL, Check: ruleCuteDSL},
	{Name: "DEEPGEMM MoE backend needs FP8 block scales on Blackwell", Versions: "all (≈ 2025–2026 sources)", Arch: "Blackwell SM100, SM103", Source: srcDeepGEMM, Check: ruleDeepGEMM},
	{Name: "WIDEEP MoE backend needs attention DP and TP > 1", Versions: "all (≈ 2025–2026 sources)", Arch: "all", Source: srcWideEP, Check: ruleWideEP},
	{Name: "TRITON MoE backend: Hopper for EP > 1, Renormalize routing", Versions: "all (≈ 2025–2026 sources)", Arch: "Hopper for EP > 1", Source: srcTriton, Check: ruleTriton},
}

// Rules implements rules.Provider: TensorRT-LLM's rule set.
func (Engine) Rules() []rules.Rule { return trtllmRules }

func ruleResolve(c *rules.Ctx) rules.Outcome {
	resolve(c)
	return rules.OK(fmt.Sprintf("checkpoint quantization %s, TP%d, EP%d (MoE TP %d)", quantName(c.Quant), c.TP, c.EP, max(1, c.TP/c.EP)))
}

func ruleOptions(c *rules.Ctx) rules.Outcome {
	if _, opts := SplitOptions(c.Cfg.Args); len(opts) == 0 {
		return rules.NotApplicable("no " + OptionFlag)
	}
	if err := CheckOptions(c.Cfg.Args); err != nil {
		return rules.Skipf("%v", err)
	}
	return rules.OK("options go into " + OptionsFile)
}

func ruleOwnFile(c *rules.Ctx) rules.Outcome {
	args, opts := SplitOptions(c.Cfg.Args)
	if !OwnOptionsFile(args) {
		return rules.NotApplicable("servesweep writes " + OptionsFile)
	}
	if c.Cfg.MoEBackend != "" || len(opts) > 0 {
		return rules.Skipf("the sweep passes its own --extra_llm_api_options file, so moe_backends and %s cannot reach the server (trtllm-serve reads one file): put moe_config.backend in your file, or drop the flag", OptionFlag)
	}
	return rules.Warnf("the sweep passes its own --extra_llm_api_options file: servesweep's kv_cache_config.enable_block_reuse: false is not applied, so repeated prompts may hit the KV cache (set it in your file)")
}

func ruleNVIDIA(c *rules.Ctx) rules.Outcome {
	if c.Family() == hardware.FamilyAMD {
		return rules.Skipf("TensorRT-LLM runs on NVIDIA GPUs; %s is AMD: use the sglang or vllm engine", c.HW.Name)
	}
	return rules.OK("")
}

func ruleHeads(c *rules.Ctx) rules.Outcome {
	if attentionDP(c.Cfg.Args) {
		return rules.NotApplicable("attention DP: every rank runs all heads")
	}
	return rules.HeadsSplit.Check(c)
}

// attentionDP reports whether the launch enables attention data parallelism
// (the LLM API option enable_attention_dp, or the flag newer releases add).
func attentionDP(args []string) bool {
	doc, err := Options(engine.LaunchSpec{Args: args})
	if err == nil && doc["enable_attention_dp"] == true {
		return true
	}
	if v, ok := engine.FlagValue(args, "--enable_attention_dp"); ok && strings.EqualFold(v, "false") {
		return false
	}
	return engine.HasFlag(args, "--enable_attention_dp")
}

func ruleTPEP(c *rules.Ctx) rules.Outcome {
	if c.TP%c.EP != 0 {
		return rules.Skipf("TP%d is not divisible by --ep_size %d (MoE TP × EP must equal TP): use an EP size that divides %d", c.TP, c.EP, c.TP)
	}
	return rules.OK(fmt.Sprintf("MoE TP %d × EP %d = TP%d", c.TP/c.EP, c.EP, c.TP))
}

func ruleMoESplit(c *rules.Ctx) rules.Outcome {
	info := c.Info
	if !info.IsMoE() || c.TP%c.EP != 0 {
		return rules.NotApplicable("no experts to split")
	}
	moeTP := c.TP / c.EP
	if info.Experts%c.EP != 0 {
		return rules.Skipf("%d experts do not split over EP%d (each rank holds num_experts // ep_size): use an EP size that divides %d", info.Experts, c.EP, info.Experts)
	}
	if info.MoEIntermediate > 0 && info.MoEIntermediate%moeTP != 0 {
		return rules.Skipf("moe_intermediate_size %d does not split over MoE TP %d: add --ep_size so that TP / EP divides %d", info.MoEIntermediate, moeTP, info.MoEIntermediate)
	}
	return rules.OK(fmt.Sprintf("%d experts per rank, %d intermediate per MoE TP rank", info.Experts/c.EP, info.MoEIntermediate/moeTP))
}

func ruleBackendName(c *rules.Ctx) rules.Outcome {
	b := backendName(c.Cfg.MoEBackend)
	if b == "" || !c.Info.IsMoE() {
		return rules.NotApplicable("no MoE backend asked (TensorRT-LLM's default: CUTLASS)")
	}
	if !slices.Contains(Backends, b) {
		return rules.Skipf("moe_config.backend %s is not one TensorRT-LLM knows (\"Unsupported moe backend\"): use one of %s", b, strings.Join(Backends, ", "))
	}
	return rules.OK("moe_config.backend: " + b)
}
