package trtllm

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/servesweep/servesweep/internal/engine"
)

// CompleteBody is the /v1/completions body of a greedy completion, with only
// fields CompletionRequest declares: temperature 0 and top_k 1 (greedy), no
// streaming. trtllm-serve answers text, not token ids: the quality guard
// tokenizes it.
func CompleteBody(model string, req engine.CompleteRequest) map[string]any {
	return map[string]any{"model": model, "prompt": req.Prompt, "max_tokens": req.MaxTokens, "temperature": 0, "top_k": 1, "stream": false}
}

// Complete implements engine.Completer with one /v1/completions request.
func (c *Client) Complete(ctx context.Context, req engine.CompleteRequest) (engine.Completion, error) {
	model, err := c.modelName(ctx)
	if err != nil {
		return engine.Completion{}, err
	}
	b, _ := json.Marshal(CompleteBody(model, req))
	code, ans, err := engine.Call(ctx, c.HTTP, "POST", c.Base, "/v1/completions", b, req.CompleteTimeout())
	if err != nil {
		return engine.Completion{}, err
	}
	if code != 200 {
		return engine.Completion{}, fmt.Errorf("/v1/completions answered %d: %s", code, engine.Snippet(ans))
	}
	var out struct {
		Choices []struct {
			Text         string  `json:"text"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(ans, &out); err != nil || len(out.Choices) == 0 {
		return engine.Completion{}, fmt.Errorf("/v1/completions answer has no choices: %s", engine.Snippet(ans))
	}
	comp := engine.Completion{Text: out.Choices[0].Text}
	if f := out.Choices[0].FinishReason; f != nil {
		comp.Finish = *f
	}
	return comp, nil
}
