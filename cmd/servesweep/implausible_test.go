package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSGLang serves /health, /server_info with the given time scale, and a
// /generate answer written by gen.
func fakeSGLangServer(timeScale string, gen func(w http.ResponseWriter)) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/health", "/flush_cache":
		case "/server_info":
			fmt.Fprintf(w, `{"version":"fake","sim_time_scale":%s}`, timeScale)
		case "/generate":
			gen(w)
		default:
			http.NotFound(w, r)
		}
	}))
}

// sseStream writes a 4-token SGLang stream for one request with prompt_tokens p.
func sseStream(p int) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/event-stream")
		for tok := 1; tok <= 4; tok++ {
			fin := "null"
			if tok == 4 {
				fin = `{"type":"length","length":4}`
			}
			fmt.Fprintf(w, "data: {\"text\":\"x\",\"meta_info\":{\"finish_reason\":%s,\"prompt_tokens\":%d,\"completion_tokens\":%d},\"index\":0}\n\n", fin, p, tok)
		}
		io.WriteString(w, "data: [DONE]\n\n")
	}
}

// TestImplausibleServersFailClearly: a server that reports a time scale of
// 5e-324, negative prompt_tokens, a 200 HTML page instead of a stream, or
// (Ollama) a zero TTFT of its own gets a case recorded with a clear reason;
// no ±Inf or NaN is printed or written, and no case is lost.
func TestImplausibleServersFailClearly(t *testing.T) {
	ollama := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/":
			io.WriteString(w, "Ollama is running")
		case "/api/version":
			io.WriteString(w, `{"version":"0.0.0-fake"}`)
		case "/api/generate":
			for i := 0; i < 3; i++ {
				io.WriteString(w, `{"model":"m","response":"x","done":false}`+"\n")
			}
			io.WriteString(w, `{"model":"m","response":"","done":true,"done_reason":"length","total_duration":5000000,"load_duration":0,"prompt_eval_count":8,"prompt_eval_duration":0,"eval_count":4,"eval_duration":4000000}`+"\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer ollama.Close()
	cases := []struct {
		name, engine, url, status, want string
	}{
		{"tiny time scale", "sglang", fakeSGLangServer("5e-324", sseStream(8)).URL, "failed", "sim_time_scale 5e-324"},
		{"negative prompt tokens", "sglang", fakeSGLangServer("0", sseStream(-5)).URL, "failed", "prompt_tokens -5"},
		{"html page", "sglang", fakeSGLangServer("0", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<html><body>Sign in to continue</body></html>")
		}).URL, "failed", "not an event stream (text/html)"},
		{"zero server TTFT", "ollama", ollama.URL, "ok", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bench")
			b, err := exec.Command(bin(), "bench", "--engine", c.engine, "--url", c.url, "--model", "m", "--input-len", "8",
				"--output-len", "4", "--warmup=false", "--out", out).CombinedOutput()
			if err != nil {
				t.Fatalf("bench: %v\n%s", err, b)
			}
			for _, bad := range []string{"Inf", "NaN"} {
				if strings.Contains(string(b), bad) {
					t.Fatalf("bench printed %s:\n%s", bad, b)
				}
			}
			rs := readResults(t, out)
			if len(rs) != 1 {
				t.Fatalf("want the case recorded, got %d results\n%s", len(rs), b)
			}
			r := rs[0]
			if r.Status != c.status || !strings.Contains(r.Error, c.want) {
				t.Fatalf("status %q error %q, want %q with %q", r.Status, r.Error, c.status, c.want)
			}
			if c.engine == "ollama" && (r.TimingCheck == "" || strings.Contains(r.TimingCheck, "Inf")) {
				t.Fatalf("timing check %q", r.TimingCheck)
			}
			for _, f := range []string{"results.jsonl", "report.json", "report.md"} {
				data, err := os.ReadFile(filepath.Join(out, f))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(data), "Inf") || strings.Contains(string(data), "NaN") {
					t.Fatalf("%s carries Inf or NaN", f)
				}
			}
		})
	}
}
