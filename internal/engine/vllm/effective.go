package vllm

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
)

// ParseModels reads a /v1/models answer: the first model's id, root and
// max_model_len (vllm/entrypoints/openai/protocol.py, ModelCard).
func ParseModels(b []byte) (map[string]any, error) {
	var m struct {
		Data []struct {
			ID          string `json:"id"`
			Root        string `json:"root"`
			MaxModelLen *int   `json:"max_model_len"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("/v1/models is not JSON: %v", err)
	}
	if len(m.Data) == 0 {
		return nil, fmt.Errorf("/v1/models lists no model")
	}
	d := m.Data[0]
	out := map[string]any{"served_model_name": d.ID}
	if d.Root != "" {
		out["model"] = d.Root
	}
	if d.MaxModelLen != nil {
		out["max_model_len"] = *d.MaxModelLen
	}
	return out, nil
}

// Effective implements engine.EffectiveReader with GET /version and GET
// /v1/models; the rest of what vLLM resolved is in its startup log (LogPatterns).
func (c *Client) Effective(ctx context.Context) (map[string]any, error) {
	code, b, err := c.do(ctx, "GET", "/v1/models", nil, engine.InfoTimeout)
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
	return out, nil
}

// configKeys are the settings kept from the engine's config line, as
// VllmConfig.__str__ (vllm/config/vllm.py) names them.
var configKeys = map[string]string{
	"tensor_parallel_size": "tensor_parallel_size", "pipeline_parallel_size": "pipeline_parallel_size",
	"data_parallel_size": "data_parallel_size", "quantization": "quantization", "kv_cache_dtype": "kv_cache_dtype",
	"dtype": "dtype", "max_seq_len": "max_model_len", "enforce_eager": "enforce_eager",
	"enable_prefix_caching": "enable_prefix_caching", "chunked_prefill_enabled": "chunked_prefill_enabled",
	"speculative_config": "speculative_config",
}

// ParseConfigLine reads the "key=value, key=value" list VllmConfig.__str__
// prints, keeping configKeys (values nested in (), [] or {} stay whole).
func ParseConfigLine(s string) map[string]any {
	out := map[string]any{}
	for _, part := range splitTop(s) {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		name, keep := configKeys[k]
		v = strings.Trim(v, "'")
		if !ok || !keep || v == "None" || v == "" {
			continue
		}
		if n, err := strconv.Atoi(v); err == nil {
			out[name] = n
		} else {
			out[name] = v
		}
	}
	return out
}

// splitTop splits s at the commas outside brackets and quotes.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	var quote rune
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '(' || r == '[' || r == '{':
			depth++
		case (r == ')' || r == ']' || r == '}') && depth > 0:
			depth--
		case r == ',' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// moeNames maps the backend names vLLM logs (Fp8MoeBackend, NvFp4MoeBackend
// values in vllm/model_executor/layers/fused_moe/oracle/) to --moe-backend values.
var moeNames = map[string]string{
	"TRITON": "triton", "BATCHED_TRITON": "triton", "DEEPGEMM": "deep_gemm", "BATCHED_DEEPGEMM": "deep_gemm",
	"VLLM_CUTLASS": "cutlass", "BATCHED_VLLM_CUTLASS": "cutlass", "FLASHINFER_TRTLLM": "flashinfer_trtllm",
	"FLASHINFER_CUTLASS": "flashinfer_cutlass", "FLASHINFER_CUTEDSL": "flashinfer_cutedsl", "MARLIN": "marlin", "AITER": "aiter",
}

// moeName is the --moe-backend value of a backend name vLLM logs.
func moeName(logged string) string {
	if name, ok := moeNames[strings.ToUpper(logged)]; ok {
		return name
	}
	return strings.ToLower(logged)
}

// LogPatterns are vLLM's startup lines that tell what it resolved. vLLM's
// format is "LEVEL MM-DD HH:MM:SS [file.py:line] message".
var LogPatterns = []engine.LogPattern{
	// vllm/v1/engine/core.py: "Initializing a V1 LLM engine (v%s) with config: %s".
	{Re: regexp.MustCompile(`Initializing a (?:V1 )?LLM engine \(v(?P<version>[^)]*)\) with config: (?P<config>.*)$`),
		Extract: func(sub map[string]string) (map[string]any, bool) {
			m := ParseConfigLine(sub["config"])
			m["version"] = sub["version"]
			return m, false
		}},
	// vllm/platforms/cuda.py get_attn_backend_cls: the chosen or the asked backend.
	{Re: regexp.MustCompile(`Using (?P<ran>[A-Z0-9_]+) attention backend out of potential backends`), Key: "attention_backend"},
	{Re: regexp.MustCompile(`Using AttentionBackendEnum\.(?P<ran>[A-Z0-9_]+) backend`), Key: "attention_backend"},
	// vllm/model_executor/layers/fused_moe/oracle/fp8.py select_fp8_moe_backend:
	// "Using {backend.value} Fp8 MoE backend out of potential backends: [...]".
	{Re: regexp.MustCompile(`Using (?P<ran>[A-Z0-9_]+) (?P<kind>\w+) MoE backend out of potential backends`),
		Extract: func(sub map[string]string) (map[string]any, bool) {
			return map[string]any{"moe_backend": moeName(sub["ran"])}, false
		}},
	// vllm/model_executor/layers/quantization/compressed_tensors/compressed_tensors_moe.py:
	// "Using CompressedTensorsWNA16MarlinMoEMethod", then "Using Marlin backend
	// for WNA16 MoE (...)" or "Using 'MARLIN' WNA16 MoE backend".
	{Re: regexp.MustCompile(`Using CompressedTensorsWNA16MarlinMoEMethod`),
		Extract: func(map[string]string) (map[string]any, bool) { return map[string]any{"moe_backend": "marlin"}, false }},
	{Re: regexp.MustCompile(`Using '?(?P<ran>\w+)'? (?:backend for WNA16 MoE|WNA16 MoE backend)`),
		Extract: func(sub map[string]string) (map[string]any, bool) {
			return map[string]any{"moe_backend": moeName(sub["ran"])}, false
		}},
	// vllm/platforms/cuda.py: "Overriding cudagraph_mode to PIECEWISE." and
	// any other announced fallback.
	{Re: regexp.MustCompile(`(?i)(?:^|\] )(?P<msg>[^\[\]]*\b(?:overriding cudagraph_mode|fall(?:ing|s)? ?back to)\b.*)$`), Warn: true},
}

// LogPatterns implements engine.LogScanner.
func (Engine) LogPatterns() []engine.LogPattern { return LogPatterns }

// effectiveFlags are the effective settings a --flag of the same name asks for.
var effectiveFlags = []string{"pipeline_parallel_size", "data_parallel_size", "quantization", "kv_cache_dtype",
	"dtype", "max_model_len", "attention_backend", "enforce_eager"}

// Asked implements engine.Asker: TP size, --moe-backend, and the flags of effectiveFlags.
func (Engine) Asked(spec engine.LaunchSpec) map[string]string { return AskedOf(spec) }

// AskedOf is vLLM's engine.Asker rule, shared with the sim standing in for vLLM.
func AskedOf(spec engine.LaunchSpec) map[string]string {
	asked := engine.AskedFlags(spec.Args, effectiveFlags)
	if spec.TP > 0 {
		asked["tensor_parallel_size"] = strconv.Itoa(spec.TP)
	}
	if spec.MoEBackend != "" {
		asked["moe_backend"] = spec.MoEBackend
	}
	return asked
}
