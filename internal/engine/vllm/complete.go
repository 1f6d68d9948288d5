package vllm

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/servesweep/servesweep/internal/engine"
)

// CompleteBody is the /v1/completions body of a greedy completion:
// temperature 0 (vLLM then samples greedily), no streaming, and
// return_token_ids so the answer carries the generated ids (vLLM ≥ 0.10.2;
// older servers ignore the field and the text is compared instead).
func CompleteBody(model string, req engine.CompleteRequest) map[string]any {
	return map[string]any{"model": model, "prompt": req.Prompt, "max_tokens": req.MaxTokens, "temperature": 0, "stream": false, "return_token_ids": true}
}

// Complete implements engine.Completer with one /v1/completions request.
func (c *Client) Complete(ctx context.Context, req engine.CompleteRequest) (engine.Completion, error) {
	model, err := c.modelName(ctx)
	if err != nil {
		return engine.Completion{}, err
	}
	b, _ := json.Marshal(CompleteBody(model, req))
	code, ans, err := c.do(ctx, "POST", "/v1/completions", json.RawMessage(b), req.CompleteTimeout())
	if err != nil {
		return engine.Completion{}, err
	}
	if code != 200 {
		return engine.Completion{}, fmt.Errorf("/v1/completions answered %d: %s", code, engine.Snippet(ans))
	}
	return ParseCompletion(ans)
}

// ParseCompletion reads a non-streamed OpenAI completions answer.
func ParseCompletion(b []byte) (engine.Completion, error) {
	var out struct {
		Choices []struct {
			Text         string  `json:"text"`
			TokenIDs     []int   `json:"token_ids"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &out); err != nil || len(out.Choices) == 0 {
		return engine.Completion{}, fmt.Errorf("/v1/completions answer has no choices: %s", engine.Snippet(b))
	}
	ch := out.Choices[0]
	c := engine.Completion{Text: ch.Text, IDs: ch.TokenIDs}
	if ch.FinishReason != nil {
		c.Finish = *ch.FinishReason
	}
	return c, nil
}
