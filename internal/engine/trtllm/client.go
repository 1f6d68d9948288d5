package trtllm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// Client speaks TensorRT-LLM's OpenAI-compatible protocol
// (tensorrt_llm/serve/openai_server.py OpenAIServer.register_routes).
type Client struct {
	Base  string
	HTTP  *http.Client
	model string
	prof  *launchProfiler
}

// NewClient returns a client for the server at base.
func NewClient(base string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: engine.NewHTTPClient()}
}

func (c *Client) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, b, nil
}

// Ready implements engine.Client: GET /health answers 200 once the LLM is up
// (OpenAIServer.health; 503 "LLM is unavailable" when its health check fails).
func (c *Client) Ready(ctx context.Context) error {
	code, _, err := c.do(ctx, "GET", "/health", nil)
	if err != nil || code != 200 {
		return fmt.Errorf("%w: /health %d %v", engine.ErrNotReady, code, err)
	}
	return nil
}

// Flush implements engine.Client. trtllm-serve has no route that empties its
// KV cache; servesweep launches it with kv_cache_config.enable_block_reuse:
// false (Options), so every prompt is cold without one.
func (c *Client) Flush(context.Context) error { return nil }

// ServerInfo implements engine.Client with GET /version ({"version": VERSION}).
func (c *Client) ServerInfo(ctx context.Context) (engine.ServerInfo, error) {
	code, b, err := c.do(ctx, "GET", "/version", nil)
	if err != nil || code != 200 {
		return engine.ServerInfo{}, fmt.Errorf("/version: %d %v", code, err)
	}
	var v struct {
		Version   string  `json:"version"`
		TimeScale float64 `json:"sim_time_scale"` // servesweep's sim standing in for TensorRT-LLM
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return engine.ServerInfo{}, fmt.Errorf("/version is not JSON: %v", err)
	}
	return engine.ServerInfo{Version: v.Version, TimeScale: v.TimeScale}, nil
}

// modelName is the served model's id from GET /v1/models: CompletionRequest
// requires "model" (the directory's name when the model is a local path).
func (c *Client) modelName(ctx context.Context) (string, error) {
	if c.model != "" {
		return c.model, nil
	}
	code, b, err := c.do(ctx, "GET", "/v1/models", nil)
	if err != nil || code != 200 {
		return "", fmt.Errorf("/v1/models: %d %v", code, err)
	}
	m, err := ParseModels(b)
	if err != nil {
		return "", err
	}
	c.model = m["served_model_name"].(string)
	return c.model, nil
}

// CompletionBody is the /v1/completions body for a batch of token-id prompts.
// Every field is one CompletionRequest declares (its model_config forbids
// others): ignore_eos and min_tokens hold the output to its length, and
// stream_options.continuous_usage_stats puts the request's running
// completion_tokens on every chunk, so a chunk that carries several tokens
// is counted as such (tensorrt_llm/serve/postprocess_handlers.py
// completion_stream_post_processor).
func CompletionBody(model string, req engine.GenerateRequest) map[string]any {
	return map[string]any{
		"model":          model,
		"prompt":         req.InputIDs,
		"max_tokens":     req.OutputLen,
		"min_tokens":     req.OutputLen,
		"temperature":    req.Temperature,
		"ignore_eos":     true,
		"stream":         true,
		"stream_options": map[string]any{"include_usage": true, "continuous_usage_stats": true},
	}
}

// Generate implements engine.Client with one streamed /v1/completions request
// carrying the batch (the server runs one generation per prompt and merges
// their chunks, each choice indexed by its prompt).
func (c *Client) Generate(ctx context.Context, gr engine.GenerateRequest) (*engine.Stream, error) {
	model, err := c.modelName(ctx)
	if err != nil {
		return nil, &engine.RequestError{Kind: "connection", Msg: err.Error()}
	}
	body, _ := json.Marshal(CompletionBody(model, gr))
	if c.prof != nil {
		c.prof.iters.Add(int64(gr.OutputLen)) // the batch's prompts advance together
	}
	return engine.PostStream(ctx, c.HTTP, c.Base+"/v1/completions", body, func(r io.Reader, tic time.Time) (*engine.Stream, error) {
		return ReadStream(r, tic, len(gr.InputIDs), gr.OutputLen)
	})
}
