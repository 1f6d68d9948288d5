package ollama

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

func newStream(n int) *engine.Stream {
	return &engine.Stream{Tic: time.Now(), Arrivals: make([][]engine.Arrival, n), Prompt: make([]int, n), Output: make([]int, n), Finish: make([]string, n), Server: make([]engine.ServerTimings, n)}
}

func TestReadStream(t *testing.T) {
	b, _ := os.ReadFile("testdata/generate.ndjson")
	s := newStream(1)
	if err := ReadStream(bytes.NewReader(b), s, 0, 4); err != nil {
		t.Fatal(err)
	}
	st := s.Server[0]
	if s.Output[0] != 4 || len(s.Arrivals[0]) != 4 || s.Prompt[0] != 8 || s.Finish[0] != "length" ||
		st.EvalCount != 4 || st.Eval != 50*time.Millisecond || st.PromptEval != 40*time.Millisecond || st.Load != 1200*time.Microsecond {
		t.Fatalf("stream %+v server %+v", s, st)
	}
	s = newStream(1)
	if err := ReadStream(bytes.NewReader(b), s, 0, 5); err == nil || !strings.Contains(err.Error(), "produced 4 of 5 tokens") {
		t.Fatalf("fewer tokens than asked must fail: %v", err)
	}
}

func TestReadStreamFailures(t *testing.T) {
	cases := map[string]string{
		"silent_abort.ndjson": "stream ended without done: true",
		"error.ndjson":        "requires more system memory",
	}
	for f, want := range cases {
		b, _ := os.ReadFile("testdata/" + f)
		err := ReadStream(bytes.NewReader(b), newStream(1), 0, 4)
		var re *engine.RequestError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: got %v, want %q", f, err, want)
		}
	}
	if err := ReadStream(strings.NewReader(`{"response":"x","done":false}`+"\n"+`{"done":tr`), newStream(1), 0, 1); err == nil {
		t.Fatal("a stream cut mid-line must fail")
	}
}

func TestPromptIsExactLetters(t *testing.T) {
	p := Prompt([]int{0, 1, 51, 52, 16383})
	if p != "abZaB" && len(p) != 5 {
		t.Fatalf("prompt %q", p)
	}
	for _, c := range []byte(Prompt([]int{10, 2000, 9999, 12345})) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			t.Fatalf("prompt byte %q is not a letter", c)
		}
	}
}

func TestOptionsAndBody(t *testing.T) {
	o, err := ParseOptions([]string{"--num-thread", "2", "--quantization", "q8_0", "--num-batch=256"})
	if err != nil || o.NumThread != 2 || o.Quantization != "q8_0" || o.NumBatch != 256 || o.NumGPU != -1 {
		t.Fatalf("%+v %v", o, err)
	}
	if _, err := ParseOptions([]string{"--quantization", "int3"}); err == nil {
		t.Fatal("unknown quantization must fail")
	}
	if _, err := ParseOptions([]string{"--num-thread", "two"}); err == nil {
		t.Fatal("non-integer thread count must fail")
	}
	b := GenerateBody("m", "abc", 16, 512, o)
	opts := b["options"].(map[string]any)
	if b["raw"] != true || b["stream"] != true || opts["num_predict"] != 16 || opts["temperature"] != 0 || opts["num_ctx"] != 512 || opts["num_thread"] != 2 {
		t.Fatalf("body %v", b)
	}
	if _, ok := opts["num_gpu"]; ok {
		t.Fatal("num_gpu must be left to Ollama unless set")
	}
	if ModelName("deepseek-v3-tiny", o) != "servesweep-deepseek-v3-tiny-q8-0" {
		t.Fatal(ModelName("deepseek-v3-tiny", o))
	}
}

func FuzzReadStream(f *testing.F) {
	for _, n := range []string{"generate.ndjson", "silent_abort.ndjson", "error.ndjson"} {
		b, _ := os.ReadFile("testdata/" + n)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newStream(1)
		if err := ReadStream(bytes.NewReader(data), s, 0, 4); err == nil && s.Output[0] < 4 {
			t.Fatalf("accepted %d tokens", s.Output[0])
		}
	})
}

// TestGenerateSendsText: a request's text, when given, is the prompt sent;
// without it the ids become letters.
func TestGenerateSendsText(t *testing.T) {
	var mu sync.Mutex
	var prompts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Prompt string `json:"prompt"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		prompts = append(prompts, body.Prompt)
		mu.Unlock()
		w.Write([]byte(`{"response":"x","done":false}` + "\n" + `{"response":"","done":true,"done_reason":"length","eval_count":1}` + "\n"))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, engine.ClientConfig{ModelPath: "m"})
	_, err := c.Generate(context.Background(), engine.GenerateRequest{InputIDs: [][]int{{0, 1, 2}, {3, 4}}, Text: []string{"Call me Ishmael."}, OutputLen: 1})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(prompts)
	if len(prompts) != 2 || prompts[0] != "Call me Ishmael." || prompts[1] != "de" {
		t.Fatalf("prompts sent: %q", prompts)
	}
}
