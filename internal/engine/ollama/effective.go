package ollama

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
)

// ParseShow reads an /api/show answer (api/types.go ShowResponse): the
// details (format, family, parameter_size, quantization_level) and, from
// model_info, the architecture and its trained context length.
func ParseShow(b []byte) (map[string]any, error) {
	var s struct {
		Details      map[string]any `json:"details"`
		ModelInfo    map[string]any `json:"model_info"`
		Capabilities []any          `json:"capabilities"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("/api/show is not JSON: %v", err)
	}
	out := map[string]any{}
	for _, k := range []string{"format", "family", "parameter_size", "quantization_level"} {
		if v, ok := s.Details[k]; ok && v != nil && v != "" {
			out[k] = v
		}
	}
	if arch, ok := s.ModelInfo["general.architecture"].(string); ok && arch != "" {
		out["architecture"] = arch
		if n, ok := s.ModelInfo[arch+".context_length"]; ok && n != nil {
			out["trained_context_length"] = n
		}
	}
	if c := engine.ValueString(s.Capabilities); strings.Trim(c, ",") != "" {
		out["capabilities"] = c
	}
	return out, nil
}

// ParsePS reads an /api/ps answer (ProcessResponse): for the model named
// model, its size, the part of it in GPU memory and its context length.
func ParsePS(b []byte, model string) map[string]any {
	var ps struct {
		Models []struct {
			Name          string `json:"name"`
			Model         string `json:"model"`
			Size          int64  `json:"size"`
			SizeVRAM      int64  `json:"size_vram"`
			ContextLength int    `json:"context_length"`
		} `json:"models"`
	}
	if json.Unmarshal(b, &ps) != nil {
		return nil
	}
	for _, m := range ps.Models {
		if model != "" && m.Name != model && m.Model != model && strings.TrimSuffix(m.Name, ":latest") != model {
			continue
		}
		out := map[string]any{"size_bytes": m.Size, "size_vram_bytes": m.SizeVRAM}
		if m.ContextLength > 0 {
			out["context_length"] = m.ContextLength
		}
		return out
	}
	return nil
}

// Effective implements engine.EffectiveReader: POST /api/show for the created
// model, GET /api/ps while it is loaded, and the server version.
func (c *Client) Effective(ctx context.Context) (map[string]any, error) {
	body, _ := json.Marshal(map[string]string{"model": c.model})
	b, err := c.call(ctx, "POST", "/api/show", body)
	if err != nil {
		return nil, err
	}
	out, err := ParseShow(b)
	if err != nil {
		return nil, err
	}
	if b, err := c.call(ctx, "GET", "/api/ps", nil); err == nil {
		for k, v := range ParsePS(b, c.model) {
			out[k] = v
		}
	}
	if info, err := c.ServerInfo(ctx); err == nil && info.Version != "" {
		out["version"] = info.Version
	}
	return out, nil
}

// call makes one control call within engine.InfoTimeout.
func (c *Client) call(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	code, b, err := engine.Call(ctx, c.HTTP, method, c.Base, path, body, engine.InfoTimeout)
	if err != nil {
		return nil, err
	}
	if code != 200 {
		return nil, fmt.Errorf("%s %s answered %d: %s", method, path, code, lastLine(b))
	}
	return b, nil
}

// LogPatterns are Ollama's server log lines (log/slog text: time=... level=...
// source=... msg="...") that tell how a model really runs.
var LogPatterns = []engine.LogPattern{
	// ml/backend/ggml/ggml.go Backend.Load and llama.cpp's load_tensors:
	// "offloaded %d/%d layers to GPU"; a partial offload is a fallback.
	{Re: regexp.MustCompile(`(?P<msg>offloaded (?P<gpu>\d+)/(?P<all>\d+) layers to GPU)`),
		Extract: func(sub map[string]string) (map[string]any, bool) {
			g, _ := strconv.Atoi(sub["gpu"])
			n, _ := strconv.Atoi(sub["all"])
			return map[string]any{"gpu_layers": sub["gpu"] + "/" + sub["all"]}, g > 0 && g < n
		}},
	// llm/server.go: the flash attention switch, and its silent refusals.
	{Re: regexp.MustCompile(`(?P<msg>flash attention enabled but not supported by (?:gpu|model))`),
		Extract: func(map[string]string) (map[string]any, bool) {
			return map[string]any{"flash_attention": false, "ignored:OLLAMA_FLASH_ATTENTION": "1"}, true
		}},
	// llm/server.go NewLlamaServer: a quantized OLLAMA_KV_CACHE_TYPE needs flash
	// attention; without it (or unsupported by the model) the cache stays f16.
	{Re: regexp.MustCompile(`(?P<msg>quantized kv cache requested but flash attention disabled|OLLAMA_FLASH_ATTENTION must be enabled to use a quantized OLLAMA_KV_CACHE_TYPE|kv cache type not supported by model|unsupported OLLAMA_KV_CACHE_TYPE)"?(?:\s+type=(?P<kv>\S+))?`),
		Extract: func(sub map[string]string) (map[string]any, bool) {
			out := map[string]any{"kv_cache_type": "f16"}
			if kv := strings.Trim(sub["kv"], `"`); kv != "" {
				out["ignored:OLLAMA_KV_CACHE_TYPE"] = kv // the report's "no effect" (report.IgnoredPrefix)
			}
			return out, true
		}},
	{Re: regexp.MustCompile(`(?P<msg>enabling flash attention)`),
		Extract: func(map[string]string) (map[string]any, bool) { return map[string]any{"flash_attention": true}, false }},
	// discover: slog.Info("inference compute", "id", ..., "library", ...): CUDA, ROCm, Metal or cpu.
	{Re: regexp.MustCompile(`msg="inference compute".*?\blibrary=(?P<ran>"[^"]*"|\S+)`),
		Extract: func(sub map[string]string) (map[string]any, bool) {
			return map[string]any{"library": strings.Trim(sub["ran"], `"`)}, false
		}},
}

// LogPatterns implements engine.LogScanner.
func (Engine) LogPatterns() []engine.LogPattern { return LogPatterns }

// Asked implements engine.Asker: the quantization a --quantization asks of `ollama create`.
func (Engine) Asked(spec engine.LaunchSpec) map[string]string {
	o, err := ParseOptions(spec.Args)
	if err != nil || o.Quantization == "" {
		return map[string]string{}
	}
	return map[string]string{"quantization_level": o.Quantization}
}
