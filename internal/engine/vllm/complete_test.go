package vllm

import (
	"slices"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
)

func TestCompletion(t *testing.T) {
	b := CompleteBody("m", engine.CompleteRequest{Prompt: "hi", MaxTokens: 4})
	if b["temperature"] != 0 || b["return_token_ids"] != true || b["stream"] != false {
		t.Fatalf("body %v", b)
	}
	c, err := ParseCompletion([]byte(`{"choices":[{"text":" a b","token_ids":[5,6],"finish_reason":"length"}]}`))
	if err != nil || c.Text != " a b" || !slices.Equal(c.IDs, []int{5, 6}) || c.Finish != "length" {
		t.Fatalf("%+v %v", c, err)
	}
	if c, err := ParseCompletion([]byte(`{"choices":[{"text":"x"}]}`)); err != nil || c.IDs != nil {
		t.Fatalf("an older vLLM without token_ids: %+v %v", c, err)
	}
	if _, err := ParseCompletion([]byte(`{"error":"x"}`)); err == nil {
		t.Fatal("no choices must fail")
	}
}
