package sglang

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/servesweep/servesweep/internal/engine"
)

// CompleteBody is the /generate body of a greedy completion: temperature 0
// (SGLang then samples by argmax), no streaming, stopping at EOS.
func CompleteBody(req engine.CompleteRequest) map[string]any {
	return map[string]any{
		"text":            req.Prompt,
		"sampling_params": map[string]any{"temperature": 0, "max_new_tokens": req.MaxTokens},
		"stream":          false,
	}
}

// Complete implements engine.Completer with one non-streamed POST /generate;
// its answer carries the text and the generated token ids ("output_ids").
func (c *Client) Complete(ctx context.Context, req engine.CompleteRequest) (engine.Completion, error) {
	b, _ := json.Marshal(CompleteBody(req))
	code, ans, err := engine.Call(ctx, c.HTTP, "POST", c.Base, "/generate", b, req.CompleteTimeout())
	if err != nil {
		return engine.Completion{}, err
	}
	if code != 200 {
		return engine.Completion{}, fmt.Errorf("/generate answered %d: %s", code, engine.Snippet(ans))
	}
	return ParseCompletion(ans)
}

// ParseCompletion reads a non-streamed /generate answer.
func ParseCompletion(b []byte) (engine.Completion, error) {
	var out struct {
		Text      *string `json:"text"`
		OutputIDs []int   `json:"output_ids"`
		MetaInfo  struct {
			FinishReason *struct {
				Type string `json:"type"`
			} `json:"finish_reason"`
		} `json:"meta_info"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Text == nil {
		return engine.Completion{}, fmt.Errorf("/generate answer has no text: %s", engine.Snippet(b))
	}
	c := engine.Completion{Text: *out.Text, IDs: out.OutputIDs}
	if out.MetaInfo.FinishReason != nil {
		c.Finish = out.MetaInfo.FinishReason.Type
	}
	return c, nil
}
