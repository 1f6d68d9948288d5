package trtllm

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// usage is UsageInfo (tensorrt_llm/serve/openai_protocol.py).
type usage struct {
	PromptTokens     int  `json:"prompt_tokens"`
	CompletionTokens *int `json:"completion_tokens"`
}

// chunk is a CompletionStreamResponse, a final usage chunk (choices [] and
// usage) or an ErrorResponse ({"object": "error", "message": ...}).
type chunk struct {
	Object  string          `json:"object"`
	Message string          `json:"message"`
	Error   json.RawMessage `json:"error"`
	Choices []struct {
		Index        int     `json:"index"`
		TokenIDs     []int   `json:"token_ids"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
}

// streamState is what ReadStream has counted so far.
type streamState struct {
	s      *engine.Stream
	n      int
	exact  []bool // the request's count comes from usage or token ids, not chunks
	finals []usage
}

// ReadStream parses TensorRT-LLM's completions stream of n prompts. The
// server runs one generation per prompt and merges their chunks
// (openai_server.py openai_completion merge_generators): each chunk carries
// one choice whose index is its prompt's, with continuous usage the
// request's completion_tokens so far, and each prompt's generation ends with a
// usage-only chunk (choices []) before the one data: [DONE].
func ReadStream(r io.Reader, tic time.Time, n, outLen int) (*engine.Stream, error) {
	st := &streamState{n: n, exact: make([]bool, n),
		s: &engine.Stream{Tic: tic, Arrivals: make([][]engine.Arrival, n), Prompt: make([]int, n), Output: make([]int, n), Finish: make([]string, n)}}
	done, end, err := engine.ForEachEvent(r, tic, func(data []byte, at time.Time) error {
		return st.event(data, at.Sub(tic))
	})
	st.s.End = end
	if err != nil {
		return st.s, err
	}
	if !done {
		return st.s, &engine.RequestError{Kind: "incomplete", Msg: "stream ended without data: [DONE]"}
	}
	return st.s, st.check(outLen)
}

func (st *streamState) event(data []byte, at time.Duration) error {
	var ch chunk
	if err := json.Unmarshal(data, &ch); err != nil {
		return &engine.RequestError{Kind: "malformed", Msg: fmt.Sprintf("chunk is not JSON (%v): %.120q", err, data)}
	}
	if ch.Object == "error" || len(ch.Error) > 0 && string(ch.Error) != "null" {
		return &engine.RequestError{Kind: "error_event", Msg: fmt.Sprintf("server sent an error: %.300s", data)}
	}
	if len(ch.Choices) == 0 && ch.Usage != nil && ch.Usage.CompletionTokens != nil {
		st.finals = append(st.finals, *ch.Usage)
		return nil
	}
	s := st.s
	for _, c := range ch.Choices {
		i := c.Index
		if i < 0 || i >= st.n {
			return &engine.RequestError{Kind: "malformed", Msg: fmt.Sprintf("choice index %d outside the batch of %d", i, st.n)}
		}
		tokens := s.Output[i] + 1
		switch {
		case ch.Usage != nil && ch.Usage.CompletionTokens != nil && len(ch.Choices) == 1:
			tokens, st.exact[i] = *ch.Usage.CompletionTokens, true
			s.Prompt[i] = ch.Usage.PromptTokens
		case c.TokenIDs != nil:
			tokens, st.exact[i] = s.Output[i]+len(c.TokenIDs), true
		}
		if tokens > s.Output[i] {
			s.Output[i] = tokens
			s.Arrivals[i] = append(s.Arrivals[i], engine.Arrival{At: at, Tokens: tokens})
		}
		if c.FinishReason != nil {
			s.Finish[i] = *c.FinishReason
		}
	}
	return nil
}

// check verifies that every request streamed outLen tokens and finished by
// length: exactly when the chunks said how many tokens they carried, else
// through the final usage chunks' total.
func (st *streamState) check(outLen int) error {
	s, total := st.s, -1
	if len(st.finals) > 0 {
		total = 0
		for _, u := range st.finals {
			total += *u.CompletionTokens
		}
		if total != st.n*outLen {
			return &engine.RequestError{Kind: "incomplete", Msg: fmt.Sprintf("usage reports %d completion tokens, want %d", total, st.n*outLen)}
		}
	}
	for i := range s.Finish {
		if s.Finish[i] != "length" {
			return &engine.RequestError{Kind: "incomplete", Msg: fmt.Sprintf("request %d finished with %q after %d tokens, want \"length\"", i, s.Finish[i], s.Output[i])}
		}
		switch {
		case st.exact[i] && s.Output[i] != outLen:
			return &engine.RequestError{Kind: "incomplete", Msg: fmt.Sprintf("request %d streamed %d tokens, want %d", i, s.Output[i], outLen)}
		case !st.exact[i] && total < 0 && s.Output[i] != outLen:
			return &engine.RequestError{Kind: "incomplete", Msg: fmt.Sprintf("request %d streamed %d chunks and no usage, want %d tokens", i, s.Output[i], outLen)}
		}
		s.Output[i] = outLen
		if s.Prompt[i] == 0 && len(st.finals) == st.n {
			s.Prompt[i] = st.finals[i].PromptTokens // prompts of one case have one length
		}
	}
	return nil
}
