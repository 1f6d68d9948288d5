package vllm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

func TestReadStream(t *testing.T) {
	b, _ := os.ReadFile("testdata/completions_bs2.sse")
	s, err := ReadStream(bytes.NewReader(b), time.Now(), 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if len(s.Arrivals[i]) != 3 || s.Output[i] != 3 || s.Prompt[i] != 8 {
			t.Fatalf("request %d: %d arrivals, %d output, %d prompt", i, len(s.Arrivals[i]), s.Output[i], s.Prompt[i])
		}
	}
	if _, err := ReadStream(bytes.NewReader(b), time.Now(), 2, 4); err == nil || !strings.Contains(err.Error(), "usage reports 6 completion tokens, want 8") {
		t.Fatalf("short output must fail, got %v", err)
	}
	e, _ := os.ReadFile("testdata/completions_error.sse")
	_, err = ReadStream(bytes.NewReader(e), time.Now(), 1, 3)
	var re *engine.RequestError
	if !errors.As(err, &re) || re.Kind != "error_event" {
		t.Fatalf("error chunk: %v", err)
	}
}

func TestCompletionBody(t *testing.T) {
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/models":
			io.WriteString(w, `{"object":"list","data":[{"id":"org/model","object":"model"}]}`)
		case "/v1/completions":
			b, _ := io.ReadAll(r.Body)
			json.Unmarshal(b, &body)
			f, _ := os.ReadFile("testdata/completions_bs2.sse")
			w.Write(f)
		case "/start_profile":
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	c := NewClient(srv.URL)
	if _, err := c.Generate(context.Background(), engine.GenerateRequest{InputIDs: [][]int{{1}, {2}}, OutputLen: 3}); err != nil {
		t.Fatal(err)
	}
	if body["model"] != "org/model" || body["ignore_eos"] != true || body["stream"] != true || body["max_tokens"].(float64) != 3 {
		t.Fatalf("body %v", body)
	}
	if so := body["stream_options"].(map[string]any); so["include_usage"] != true {
		t.Fatalf("stream_options %v", so)
	}
	if err := c.StartProfile(context.Background(), engine.ProfileRequest{}); !errors.Is(err, engine.ErrNoProfiler) {
		t.Fatalf("404 on /start_profile means no profiler, got %v", err)
	}
}

func FuzzReadStream(f *testing.F) {
	b, _ := os.ReadFile("testdata/completions_bs2.sse")
	f.Add(b)
	e, _ := os.ReadFile("testdata/completions_error.sse")
	f.Add(e)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadStream(bytes.NewReader(data), time.Now(), 2, 3)
		if err == nil && (s.Output[0] != 3 || s.Output[1] != 3) {
			t.Fatalf("accepted %v tokens", s.Output)
		}
	})
}
