package sglang

import (
	"slices"
	"testing"
)

func TestParseCompletion(t *testing.T) {
	c, err := ParseCompletion([]byte(`{"text":" one two","output_ids":[11,12],"meta_info":{"finish_reason":{"type":"stop"}}}`))
	if err != nil || c.Text != " one two" || !slices.Equal(c.IDs, []int{11, 12}) || c.Finish != "stop" {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := ParseCompletion([]byte(`{"error":{"message":"bad"}}`)); err == nil {
		t.Fatal("an answer without text must fail")
	}
}
