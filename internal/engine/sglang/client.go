package sglang

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// Client speaks SGLang's HTTP protocol.
type Client struct {
	Base string
	HTTP *http.Client
}

// NewClient returns a client for the server at base (http://host:port).
func NewClient(base string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: engine.NewHTTPClient()}
}

// Ready implements engine.Client: GET /health answers 200 only after warmup.
func (c *Client) Ready(ctx context.Context) error {
	code, _, err := engine.Call(ctx, c.HTTP, "GET", c.Base, "/health", nil, engine.ReadyTimeout)
	if err != nil {
		return fmt.Errorf("%w: %v", engine.ErrNotReady, err)
	}
	if code != 200 {
		return fmt.Errorf("%w: /health answered %d", engine.ErrNotReady, code)
	}
	return nil
}

// Flush implements engine.Client with POST /flush_cache, within engine.FlushTimeout.
func (c *Client) Flush(ctx context.Context) error {
	_, err := c.post(ctx, "/flush_cache", nil, engine.FlushTimeout)
	return err
}

// StartProfile implements engine.Client with POST /start_profile, the body
// sglang.profiler.run_profile sends.
func (c *Client) StartProfile(ctx context.Context, p engine.ProfileRequest) error {
	body := map[string]any{
		"output_dir":       p.OutputDir,
		"num_steps":        strconv.Itoa(p.NumSteps),
		"activities":       []string{"CPU", "GPU"},
		"profile_by_stage": p.ProfileByStage,
		"merge_profiles":   false,
	}
	if p.Prefix != "" {
		body["profile_prefix"] = p.Prefix
	}
	_, err := c.post(ctx, "/start_profile", body, engine.ProfileTimeout)
	return err
}

// ServerInfo implements engine.Client with GET /server_info (falling back to
// the older /get_server_info).
func (c *Client) ServerInfo(ctx context.Context) (engine.ServerInfo, error) {
	var raw map[string]any
	var err error
	for _, path := range []string{"/server_info", "/get_server_info"} {
		raw, err = c.getJSON(ctx, path)
		var te *engine.TimeoutError
		if err == nil || errors.As(err, &te) || ctx.Err() != nil {
			break // a server that does not answer is not asked twice
		}
	}
	if err != nil {
		return engine.ServerInfo{}, err
	}
	return ParseServerInfo(raw), nil
}

// ParseServerInfo extracts version, accept length and sim time scale from /server_info.
func ParseServerInfo(raw map[string]any) engine.ServerInfo {
	info := engine.ServerInfo{Raw: raw}
	if v, ok := raw["version"].(string); ok {
		info.Version = v
	}
	if states, ok := raw["internal_states"].([]any); ok && len(states) > 0 {
		if s0, ok := states[0].(map[string]any); ok {
			if a, ok := s0["avg_spec_accept_length"].(float64); ok {
				info.SpecAcceptLength = &a
			}
		}
	}
	if ts, ok := raw["sim_time_scale"].(float64); ok {
		info.TimeScale = ts
	}
	return info
}

// getJSON reads a JSON object from path within engine.InfoTimeout.
func (c *Client) getJSON(ctx context.Context, path string) (map[string]any, error) {
	code, b, err := engine.Call(ctx, c.HTTP, "GET", c.Base, path, nil, engine.InfoTimeout)
	if err != nil {
		return nil, err
	}
	if code != 200 {
		return nil, fmt.Errorf("GET %s answered %d", path, code)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("GET %s: %v", path, err)
	}
	return out, nil
}

// post sends body (nil: none) as JSON to path within d.
func (c *Client) post(ctx context.Context, path string, body any, d time.Duration) ([]byte, error) {
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	code, ans, err := engine.Call(ctx, c.HTTP, "POST", c.Base, path, b, d)
	if err != nil {
		return nil, err
	}
	if code != 200 {
		return ans, fmt.Errorf("POST %s answered %d: %s", path, code, engine.Snippet(ans))
	}
	return ans, nil
}

// GenerateBody is the JSON body of SGLang's /generate request as
// bench_one_batch_server sends it.
func GenerateBody(req engine.GenerateRequest) map[string]any {
	return map[string]any{
		"input_ids": req.InputIDs,
		"sampling_params": map[string]any{
			"temperature":    req.Temperature,
			"max_new_tokens": req.OutputLen,
			"ignore_eos":     true,
		},
		"return_logprob": false,
		"stream":         true,
	}
}

// Generate implements engine.Client: one streamed POST /generate carrying the batch.
func (c *Client) Generate(ctx context.Context, gr engine.GenerateRequest) (*engine.Stream, error) {
	body, _ := json.Marshal(GenerateBody(gr))
	return engine.PostStream(ctx, c.HTTP, c.Base+"/generate", body, func(r io.Reader, tic time.Time) (*engine.Stream, error) {
		return ReadStream(r, tic, len(gr.InputIDs), gr.OutputLen)
	})
}

// useFastPath is switched off only by benchmarks that measure the decoder baseline.
var useFastPath = true

// event is the part of a /generate stream event servesweep reads.
type event struct {
	Index    int             `json:"index"`
	Error    json.RawMessage `json:"error"`
	MetaInfo *struct {
		SentNs       int64 `json:"sent_ns"`
		FinishReason *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"finish_reason"`
		PromptTokens     int      `json:"prompt_tokens"`
		CompletionTokens int      `json:"completion_tokens"`
		SpecAcceptLength *float64 `json:"spec_accept_length"`
	} `json:"meta_info"`
}

// ReadStream parses a /generate SSE stream of n requests each asked for outLen
// tokens, stamping each update's arrival relative to tic.
func ReadStream(r io.Reader, tic time.Time, n, outLen int) (*engine.Stream, error) {
	return readStream(r, tic, n, outLen, useFastPath)
}

// readStream is ReadStream, with or without the fast path (FuzzFastPath compares the two).
func readStream(r io.Reader, tic time.Time, n, outLen int, fast bool) (*engine.Stream, error) {
	s := &engine.Stream{Tic: tic, Arrivals: make([][]engine.Arrival, n), Prompt: make([]int, n), Output: make([]int, n), Finish: make([]string, n)}
	for i := range s.Arrivals {
		s.Arrivals[i] = make([]engine.Arrival, 0, outLen)
	}
	done, end, err := engine.ForEachEvent(r, tic, func(data []byte, at time.Time) error {
		// Hot path: most updates are read without decoding or allocating.
		if f, ok := fastEvent(data); fast && ok && f.index < n {
			if f.completion > s.Output[f.index] {
				if err := engine.CheckOutput(f.index, f.completion, outLen); err != nil {
					return err
				}
				s.Arrivals[f.index] = append(s.Arrivals[f.index], engine.Arrival{At: at.Sub(tic), Tokens: f.completion, Sent: time.Duration(f.sentNs)})
				s.Output[f.index] = f.completion
			}
			s.Prompt[f.index] = f.prompt
			if f.hasSpec {
				spec := f.spec
				s.Spec = &spec
			}
			return nil
		}
		var ev event
		if err := json.Unmarshal(data, &ev); err != nil {
			return &engine.RequestError{Kind: "malformed", Msg: fmt.Sprintf("event is not JSON (%v): %.120q", err, data)}
		}
		if len(ev.Error) > 0 && string(ev.Error) != "null" {
			return &engine.RequestError{Kind: "error_event", Msg: fmt.Sprintf("server sent an error: %.300s", ev.Error)}
		}
		if ev.MetaInfo == nil {
			return &engine.RequestError{Kind: "malformed", Msg: fmt.Sprintf("event has no meta_info: %.120q", data)}
		}
		if ev.Index < 0 || ev.Index >= n {
			return &engine.RequestError{Kind: "malformed", Msg: fmt.Sprintf("event index %d outside the batch of %d", ev.Index, n)}
		}
		m := ev.MetaInfo
		if m.PromptTokens < 0 || m.CompletionTokens < 0 || m.SentNs < 0 {
			return &engine.RequestError{Kind: "malformed", Msg: fmt.Sprintf("implausible meta_info: prompt_tokens %d, completion_tokens %d, sent_ns %d (negative)", m.PromptTokens, m.CompletionTokens, m.SentNs)}
		}
		i := ev.Index
		if m.CompletionTokens > s.Output[i] {
			if err := engine.CheckOutput(i, m.CompletionTokens, outLen); err != nil {
				return err
			}
			s.Arrivals[i] = append(s.Arrivals[i], engine.Arrival{At: at.Sub(tic), Tokens: m.CompletionTokens, Sent: time.Duration(m.SentNs)})
			s.Output[i] = m.CompletionTokens
		}
		s.Prompt[i] = m.PromptTokens
		if m.SpecAcceptLength != nil {
			s.Spec = m.SpecAcceptLength
		}
		if m.FinishReason != nil {
			s.Finish[i] = m.FinishReason.Type
			if m.FinishReason.Type == "abort" {
				return &engine.RequestError{Kind: "error_event", Msg: "request aborted by the server: " + m.FinishReason.Message}
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
	for i := 0; i < n; i++ {
		if s.Output[i] != outLen {
			return s, &engine.RequestError{Kind: "incomplete", Msg: fmt.Sprintf("request %d produced %d of %d tokens (finish reason %q)", i, s.Output[i], outLen, s.Finish[i])}
		}
	}
	return s, nil
}

// StopProfile implements engine.Client. SGLang stops by itself after num_steps
// forward steps per stage, so nothing is sent.
func (c *Client) StopProfile(ctx context.Context) error { return nil }
