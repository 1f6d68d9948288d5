package engine

import (
	"context"
	"time"
)

// Completer is implemented by clients that can run one greedy completion of a
// text prompt and return what it generated: the quality guard compares those
// outputs across configurations. Greedy means temperature 0 (and whatever
// else the engine needs to decode deterministically); the request stops at
// MaxTokens or at the model's end of sequence, and is not an error when the
// model stops early.
type Completer interface {
	Complete(ctx context.Context, req CompleteRequest) (Completion, error)
}

// CompleteRequest is one greedy completion.
type CompleteRequest struct {
	Prompt    string // raw text: no chat template
	MaxTokens int
	// Timeout bounds the request (0: five minutes).
	Timeout time.Duration
}

// Completion is what a greedy completion generated.
type Completion struct {
	Text string
	// IDs are the generated token ids, when the engine returns them.
	IDs []int
	// Pieces are the text pieces the engine streamed, one per update, when it
	// streams text (Ollama sends one token's text per update).
	Pieces []string
	Finish string
}

// CompleteTimeout is req's bound.
func (req CompleteRequest) CompleteTimeout() time.Duration {
	if req.Timeout > 0 {
		return req.Timeout
	}
	return 5 * time.Minute
}
