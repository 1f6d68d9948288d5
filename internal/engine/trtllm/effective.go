package trtllm

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	"github.com/servesweep/servesweep/internal/engine"
)

// ParseModels reads a /v1/models answer: ModelList of ModelCard{id, object,
// created, owned_by} (openai_protocol.py); the id is the served model's name.
func ParseModels(b []byte) (map[string]any, error) {
	var m struct {
		Data []struct {
			ID      string `json:"id"`
			OwnedBy string `json:"owned_by"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("/v1/models is not JSON: %v", err)
	}
	if len(m.Data) == 0 || m.Data[0].ID == "" {
		return nil, fmt.Errorf("/v1/models lists no model")
	}
	return map[string]any{"served_model_name": m.Data[0].ID}, nil
}

// ParseMetrics reads GET /metrics: the JSON iteration stats the server has
// queued since the last read (OpenAIServer.get_iteration_stats; [] unless
// the LLM API option enable_iter_perf_stats is on). The newest entry's KV
// cache says how many tokens the pool holds (kvCacheStats.maxNumBlocks ×
// tokensPerBlock), what the memory fit estimated.
func ParseMetrics(b []byte) (map[string]any, error) {
	var stats []struct {
		Iter                 *int   `json:"iter"`
		GPUMemUsage          *int64 `json:"gpuMemUsage"`
		MaxNumActiveRequests *int   `json:"maxNumActiveRequests"`
		KV                   *struct {
			MaxNumBlocks   int `json:"maxNumBlocks"`
			TokensPerBlock int `json:"tokensPerBlock"`
		} `json:"kvCacheStats"`
	}
	if err := json.Unmarshal(b, &stats); err != nil {
		return nil, fmt.Errorf("/metrics is not a JSON list of iteration stats: %v", err)
	}
	out := map[string]any{}
	for _, st := range stats {
		if st.KV != nil && st.KV.MaxNumBlocks > 0 && st.KV.TokensPerBlock > 0 {
			out["kv_cache_max_tokens"] = st.KV.MaxNumBlocks * st.KV.TokensPerBlock
			out["kv_cache_tokens_per_block"] = st.KV.TokensPerBlock
		}
		if st.GPUMemUsage != nil && *st.GPUMemUsage > 0 {
			out["gpu_mem_usage_gib"] = float64(int(float64(*st.GPUMemUsage)/(1<<30)*100+0.5)) / 100
		}
		if st.MaxNumActiveRequests != nil && *st.MaxNumActiveRequests > 0 {
			out["max_num_active_requests"] = *st.MaxNumActiveRequests
		}
	}
	return out, nil
}

// Effective implements engine.EffectiveReader with GET /v1/models, /version
// and /metrics; what the server resolved beyond that (the MoE backend it fell
// back to) is in its log (LogPatterns).
func (c *Client) Effective(ctx context.Context) (map[string]any, error) {
	code, b, err := c.do(ctx, "GET", "/v1/models", nil)
	if err != nil || code != 200 {
		return nil, fmt.Errorf("/v1/models: %d %v", code, err)
	}
	out, err := ParseModels(b)
	if err != nil {
		return nil, err
	}
	if info, err := c.ServerInfo(ctx); err == nil && info.Version != "" {
		out["version"] = info.Version
	}
	if code, b, err := c.do(ctx, "GET", "/metrics", nil); err == nil && code == 200 {
		if m, err := ParseMetrics(b); err == nil {
			for k, v := range m {
				out[k] = v
			}
		}
	}
	return out, nil
}

// LogPatterns are TensorRT-LLM's lines that tell what it ran. Its logger
// prints "[TRT-LLM] [W] message" (tensorrt_llm/logger.py); the patterns match
// the message wherever it stands.
var LogPatterns = []engine.LogPattern{
	// tensorrt_llm/_torch/modules/fused_moe/create_moe.py get_moe_cls: TRTLLM,
	// CUTEDSL and DENSEGEMM fall back to CUTLASS for a quantization they lack:
	// "TRTLLMGenFusedMoE only supports fp8_block_scales, nvfp4, ... Check out
	// details in quant_config: ... Using CutlassFusedMoE instead."
	{Re: regexp.MustCompile(`(?P<msg>(?P<asked>TRTLLMGen|CuteDsl|DenseGEMM)FusedMoE only supports .*Using CutlassFusedMoE instead\.?)`),
		Extract: func(map[string]string) (map[string]any, bool) {
			return map[string]any{"moe_backend": "CUTLASS"}, true
		}},
	// fused_moe_triton.py TritonFusedMoE.__init__ and the backends'
	// can_implement: "TRTLLMGenFusedMoE requires SM100 or SM103, got SM90".
	{Re: regexp.MustCompile(`(?P<msg>\w+FusedMoE (?:requires SM|is only supported on|does not support )[^\n]*)`), Warn: true},
	// fused_moe_wide_ep.py: "WideEPMoE selects alltoall_method_type <AlltoallMethodType.NVLinkTwoSided: 2>".
	{Re: regexp.MustCompile(`WideEPMoE selects alltoall_method_type <?(?:AlltoallMethodType\.)?(?P<ran>\w+)`), Key: "moe_alltoall"},
	// tensorrt_llm/__init__.py prints "[TensorRT-LLM] TensorRT LLM version: 1.1.0" on import.
	{Re: regexp.MustCompile(`TensorRT[- ]LLM version: v?(?P<ran>\d+\.\d+[0-9A-Za-z.+\-]*)`), Key: "version"},
}

// LogPatterns implements engine.LogScanner.
func (Engine) LogPatterns() []engine.LogPattern { return LogPatterns }

// Asked implements engine.Asker.
func (Engine) Asked(spec engine.LaunchSpec) map[string]string { return AskedOf(spec) }

// AskedOf is what a TensorRT-LLM launch asks, keyed like its effective
// settings: the MoE backend, TP and the flags named after LLM API fields.
func AskedOf(spec engine.LaunchSpec) map[string]string {
	args, _ := SplitOptions(spec.Args)
	out := map[string]string{"tensor_parallel_size": strconv.Itoa(max(1, spec.TP))}
	if b := backendName(spec.MoEBackend); b != "" {
		out["moe_backend"] = b
	}
	for key, flags := range map[string][]string{
		"pipeline_parallel_size":            {"--pp_size", "--pipeline_parallel_size"},
		"moe_expert_parallel_size":          {"--ep_size", "--moe_expert_parallel_size"},
		"max_batch_size":                    {"--max_batch_size"},
		"max_num_tokens":                    {"--max_num_tokens"},
		"max_seq_len":                       {"--max_seq_len"},
		"kv_cache_free_gpu_memory_fraction": memFlags,
	} {
		for _, f := range flags {
			if v, ok := engine.FlagValue(args, f); ok {
				out[key] = v
				break
			}
		}
	}
	return out
}
