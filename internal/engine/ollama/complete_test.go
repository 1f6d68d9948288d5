package ollama

import (
	"strings"
	"testing"
)

func TestCompleteBodyIsGreedy(t *testing.T) {
	b := CompleteBody("m", "hi", 32, 512, Options{NumThread: 2})
	o := b["options"].(map[string]any)
	if o["temperature"] != 0 || o["top_k"] != 1 || o["seed"] != 0 || o["num_predict"] != 32 || o["num_thread"] != 2 || b["raw"] != true {
		t.Fatalf("body %v", b)
	}
}

func TestReadCompletion(t *testing.T) {
	stream := `{"response":"a","done":false}
{"response":"bc","done":false}
{"response":"","done":true,"done_reason":"stop","eval_count":2}
`
	c, err := ReadCompletion(strings.NewReader(stream), 8)
	if err != nil || c.Text != "abc" || len(c.Pieces) != 2 || c.Pieces[1] != "bc" || c.Finish != "stop" {
		t.Fatalf("%+v %v", c, err)
	}
	// Ollama's silent stop after 30 identical tokens: what came is kept.
	c, err = ReadCompletion(strings.NewReader(`{"response":"x","done":false}`+"\n"), 8)
	if err != nil || c.Text != "x" || c.Finish != "incomplete" {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := ReadCompletion(strings.NewReader(`{"error":"model not found"}`+"\n"), 8); err == nil || !strings.Contains(err.Error(), "model not found") {
		t.Fatalf("error line: %v", err)
	}
	if _, err := ReadCompletion(strings.NewReader(strings.Repeat(`{"response":"y","done":false}`+"\n", 100)), 8); err == nil {
		t.Fatal("a server that ignores num_predict must be cut off")
	}
}
