package vllm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// Client speaks vLLM's OpenAI-compatible protocol.
type Client struct {
	Base  string
	HTTP  *http.Client
	model string
}

// NewClient returns a client for the server at base.
func NewClient(base string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: engine.NewHTTPClient()}
}

// do makes one control call within d (see engine.Call).
func (c *Client) do(ctx context.Context, method, path string, body any, d time.Duration) (int, []byte, error) {
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	return engine.Call(ctx, c.HTTP, method, c.Base, path, b, d)
}

// Ready implements engine.Client: GET /health answers 200 when the engine is up.
func (c *Client) Ready(ctx context.Context) error {
	code, _, err := c.do(ctx, "GET", "/health", nil, engine.ReadyTimeout)
	if err != nil || code != 200 {
		return fmt.Errorf("%w: /health %d %v", engine.ErrNotReady, code, err)
	}
	return nil
}

// Flush implements engine.Client with POST /reset_prefix_cache (dev mode only;
// a 404 means the route is off and is not an error).
func (c *Client) Flush(ctx context.Context) error {
	code, b, err := c.do(ctx, "POST", "/reset_prefix_cache", nil, engine.FlushTimeout)
	if err != nil {
		return err
	}
	if code != 200 && code != 404 {
		return fmt.Errorf("/reset_prefix_cache answered %d: %s", code, engine.Snippet(b))
	}
	return nil
}

// StartProfile implements engine.Client; 404 means profiling is not configured.
func (c *Client) StartProfile(ctx context.Context, _ engine.ProfileRequest) error {
	code, b, err := c.do(ctx, "POST", "/start_profile", nil, engine.ProfileTimeout)
	if err != nil {
		return err
	}
	if code == 404 {
		return engine.ErrNoProfiler
	}
	if code != 200 {
		return fmt.Errorf("/start_profile answered %d: %s", code, engine.Snippet(b))
	}
	return nil
}

// StopProfile implements engine.Client.
func (c *Client) StopProfile(ctx context.Context) error {
	code, b, err := c.do(ctx, "POST", "/stop_profile", nil, engine.ProfileTimeout)
	if err == nil && code != 200 {
		err = fmt.Errorf("/stop_profile answered %d: %s", code, engine.Snippet(b))
	}
	return err
}

// ServerInfo implements engine.Client with GET /version.
func (c *Client) ServerInfo(ctx context.Context) (engine.ServerInfo, error) {
	code, b, err := c.do(ctx, "GET", "/version", nil, engine.InfoTimeout)
	if err != nil {
		return engine.ServerInfo{}, err
	}
	if code != 200 {
		return engine.ServerInfo{}, fmt.Errorf("GET /version answered %d: %s", code, engine.Snippet(b))
	}
	var v struct {
		Version   string  `json:"version"`
		TimeScale float64 `json:"sim_time_scale"` // servesweep's sim standing in for vLLM
	}
	json.Unmarshal(b, &v)
	return engine.ServerInfo{Version: v.Version, TimeScale: v.TimeScale}, nil
}

func (c *Client) modelName(ctx context.Context) (string, error) {
	if c.model != "" {
		return c.model, nil
	}
	code, b, err := c.do(ctx, "GET", "/v1/models", nil, engine.InfoTimeout)
	if err != nil {
		return "", err
	}
	if code != 200 {
		return "", fmt.Errorf("GET /v1/models answered %d: %s", code, engine.Snippet(b))
	}
	var m struct{ Data []struct{ ID string } }
	if json.Unmarshal(b, &m) != nil || len(m.Data) == 0 {
		return "", fmt.Errorf("/v1/models lists no model: %.200s", b)
	}
	c.model = m.Data[0].ID
	return c.model, nil
}

// CompletionBody is the /v1/completions body for a batch of token-id prompts.
func CompletionBody(model string, req engine.GenerateRequest) map[string]any {
	return map[string]any{
		"model":          model,
		"prompt":         req.InputIDs,
		"max_tokens":     req.OutputLen,
		"min_tokens":     req.OutputLen,
		"temperature":    req.Temperature,
		"ignore_eos":     true,
		"stream":         true,
		"stream_options": map[string]any{"include_usage": true},
	}
}

// Generate implements engine.Client with one streamed /v1/completions request.
func (c *Client) Generate(ctx context.Context, gr engine.GenerateRequest) (*engine.Stream, error) {
	model, err := c.modelName(ctx)
	if err != nil {
		return nil, &engine.RequestError{Kind: "connection", Msg: err.Error()}
	}
	body, _ := json.Marshal(CompletionBody(model, gr))
	return engine.PostStream(ctx, c.HTTP, c.Base+"/v1/completions", body, func(r io.Reader, tic time.Time) (*engine.Stream, error) {
		return ReadStream(r, tic, len(gr.InputIDs), gr.OutputLen)
	})
}

type chunk struct {
	Error   json.RawMessage `json:"error"`
	Choices []struct {
		Index        int     `json:"index"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

// ReadStream parses an OpenAI-style completions stream of n prompts.
func ReadStream(r io.Reader, tic time.Time, n, outLen int) (*engine.Stream, error) {
	s := &engine.Stream{Tic: tic, Arrivals: make([][]engine.Arrival, n), Prompt: make([]int, n), Output: make([]int, n), Finish: make([]string, n)}
	usageTotal := -1
	done, end, err := engine.ForEachEvent(r, tic, func(data []byte, at time.Time) error {
		var ch chunk
		if err := json.Unmarshal(data, &ch); err != nil {
			return &engine.RequestError{Kind: "malformed", Msg: fmt.Sprintf("chunk is not JSON (%v): %.120q", err, data)}
		}
		if len(ch.Error) > 0 && string(ch.Error) != "null" {
			return &engine.RequestError{Kind: "error_event", Msg: fmt.Sprintf("server sent an error: %.300s", ch.Error)}
		}
		for _, c := range ch.Choices {
			if c.Index < 0 || c.Index >= n {
				return &engine.RequestError{Kind: "malformed", Msg: fmt.Sprintf("choice index %d outside the batch of %d", c.Index, n)}
			}
			s.Output[c.Index]++
			if err := engine.CheckOutput(c.Index, s.Output[c.Index], outLen); err != nil {
				return err
			}
			s.Arrivals[c.Index] = append(s.Arrivals[c.Index], engine.Arrival{At: at.Sub(tic), Tokens: s.Output[c.Index]})
			if c.FinishReason != nil {
				s.Finish[c.Index] = *c.FinishReason
			}
		}
		if ch.Usage != nil {
			usageTotal = ch.Usage.CompletionTokens
			for i := range s.Prompt {
				s.Prompt[i] = ch.Usage.PromptTokens / n
			}
		}
		return nil
	})
	s.End = end
	if err != nil {
		return s, err
	}
	if !done {
		return s, &engine.RequestError{Kind: "incomplete", Msg: "stream ended without data: [DONE]"}
	}
	if usageTotal >= 0 && usageTotal != n*outLen {
		return s, &engine.RequestError{Kind: "incomplete", Msg: fmt.Sprintf("usage reports %d completion tokens, want %d", usageTotal, n*outLen)}
	}
	for i := range s.Finish {
		if s.Finish[i] != "length" {
			return s, &engine.RequestError{Kind: "incomplete", Msg: fmt.Sprintf("request %d finished with %q after %d chunks, want \"length\"", i, s.Finish[i], s.Output[i])}
		}
		if usageTotal >= 0 {
			s.Output[i] = outLen
		} else if s.Output[i] != outLen {
			return s, &engine.RequestError{Kind: "incomplete", Msg: fmt.Sprintf("request %d streamed %d chunks and no usage, want %d tokens", i, s.Output[i], outLen)}
		}
	}
	return s, nil
}
