package sglang

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
)

// EffectiveKeys are the resolved settings kept from /server_info. SGLang's
// /server_info (python/sglang/srt/entrypoints/http_server.py, server_info) is
// dataclasses.asdict(server_args) merged with scheduler_info, plus
// internal_states and version; the keys are ServerArgs field names
// (python/sglang/srt/server_args.py), whose CLI flag is the name with dashes
// (tp_size ← --tp-size). Every speculative_* field is kept as well.
var EffectiveKeys = []string{
	"version", "moe_runner_backend", "moe_a2a_backend", "attention_backend",
	"prefill_attention_backend", "decode_attention_backend", "sampling_backend",
	"tp_size", "ep_size", "dp_size", "pp_size", "enable_dp_attention",
	"quantization", "kv_cache_dtype", "dtype", "mem_fraction_static",
	"cuda_graph_max_bs", "disable_cuda_graph", "chunked_prefill_size",
	"max_running_requests", "context_length", "page_size", "max_total_num_tokens",
}

// ParseEffective keeps the EffectiveKeys and speculative_* settings of a
// /server_info answer, leaving out unset (null) ones.
func ParseEffective(raw map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range EffectiveKeys {
		if v, ok := raw[k]; ok && v != nil {
			out[k] = v
		}
	}
	for k, v := range raw {
		if strings.HasPrefix(k, "speculative_") && v != nil {
			out[k] = v
		}
	}
	return out
}

// Effective implements engine.EffectiveReader with GET /server_info.
func (c *Client) Effective(ctx context.Context) (map[string]any, error) {
	info, err := c.ServerInfo(ctx)
	if err != nil {
		return nil, err
	}
	return ParseEffective(info.Raw), nil
}

// LogPatterns are SGLang's known fallback lines. SGLang's log format is
// "[%(asctime)s TP0] %(message)s" (configure_logger), without a level name.
var LogPatterns = []engine.LogPattern{
	// python/sglang/srt/layers/quantization/fp8.py, Fp8MoEMethod.create_moe_runner:
	// logger.info("Fp8MoEMethod has no %s path; using triton for its fp8
	// experts.", moe_runner_backend.name) for flashinfer_cutlass and
	// flashinfer_cutedsl: the fp8 experts of the configuration run on Triton.
	{Re: regexp.MustCompile(`(?i)\bFp8MoEMethod has no (?P<asked>\w+) path; using (?P<ran>\w+) for its fp8 experts\.?`),
		Key: "moe_runner_backend", Warn: true},
	// .../quantization/compressed_tensors/compressed_tensors_moe.py get_moe_method:
	// logger.info_once("Using CompressedTensorsWNA16MarlinMoEMethod"): INT4/INT8
	// compressed-tensors experts run Marlin kernels whatever the runner backend.
	{Re: regexp.MustCompile(`Using CompressedTensorsWNA16MarlinMoEMethod`),
		Extract: func(map[string]string) (map[string]any, bool) {
			return map[string]any{"moe_runner_backend": "marlin"}, false
		}},
	// .../moe/fused_moe_triton/fused_moe_triton_config.py get_moe_configs:
	// no tuned Triton MoE config for this GPU and shape.
	{Re: regexp.MustCompile(`Using default MoE kernel config\. Performance might be sub-optimal!`), Warn: true},
	// Any other announced fallback ("... falling back to ...").
	{Re: regexp.MustCompile(`(?i)(?:^|\] )(?P<msg>[^\[\]]*\bfall(?:ing|s)? ?back to\b.*)$`), Warn: true},
}

// LogPatterns implements engine.LogScanner.
func (Engine) LogPatterns() []engine.LogPattern { return LogPatterns }

// Asked implements engine.Asker: the MoE runner backend and TP size the launch
// sets, and every effective setting whose flag is in the args.
func (Engine) Asked(spec engine.LaunchSpec) map[string]string { return AskedOf(spec) }

// AskedOf is SGLang's engine.Asker rule, shared with the sim engine.
func AskedOf(spec engine.LaunchSpec) map[string]string {
	asked := engine.AskedFlags(spec.Args, EffectiveKeys)
	if spec.TP > 0 {
		asked["tp_size"] = strconv.Itoa(spec.TP)
	}
	if spec.MoEBackend != "" {
		asked["moe_runner_backend"] = spec.MoEBackend
	}
	return asked
}
