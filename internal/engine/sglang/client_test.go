package sglang

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

func readFixture(t testing.TB, name string, n, out int) (*engine.Stream, error) {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return ReadStream(bytes.NewReader(b), time.Now(), n, out)
}

func TestReadStreamBatch(t *testing.T) {
	s, err := readFixture(t, "stream_bs2.sse", 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if len(s.Arrivals[i]) != 4 || s.Output[i] != 4 || s.Prompt[i] != 8 || s.Finish[i] != "length" {
			t.Fatalf("request %d: arrivals %d output %d prompt %d finish %q", i, len(s.Arrivals[i]), s.Output[i], s.Prompt[i], s.Finish[i])
		}
		for j, a := range s.Arrivals[i] {
			if a.Tokens != j+1 {
				t.Fatalf("arrival %d carries %d tokens", j, a.Tokens)
			}
		}
	}
}

func TestReadStreamFailures(t *testing.T) {
	cases := []struct {
		file, kind, msg string
		n, out          int
	}{
		{"stream_error.sse", "error_event", "longer than the model's context length", 1, 4},
		{"stream_abort.sse", "error_event", "Abort before prefill", 1, 4},
		{"stream_no_done.sse", "incomplete", "without data: [DONE]", 1, 4},
		{"stream_short.sse", "incomplete", "produced 2 of 4 tokens", 1, 4},
		{"stream_bs2.sse", "malformed", "index 1 outside the batch of 1", 1, 4},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			_, err := readFixture(t, c.file, c.n, c.out)
			var re *engine.RequestError
			if !errors.As(err, &re) || re.Kind != c.kind || !strings.Contains(re.Msg, c.msg) {
				t.Fatalf("got %v, want %s containing %q", err, c.kind, c.msg)
			}
		})
	}
	_, err := ReadStream(strings.NewReader("data: {\"text\": \"x\", \"meta_info\": {\"compl\n\n"), time.Now(), 1, 4)
	var re *engine.RequestError
	if !errors.As(err, &re) || re.Kind != "malformed" {
		t.Fatalf("truncated JSON: %v", err)
	}
}

// TestRequestBodies pins the bodies bench_one_batch_server and sglang.profiler send.
func TestRequestBodies(t *testing.T) {
	var gotGen, gotProf map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/generate":
			json.Unmarshal(b, &gotGen)
			f, _ := os.ReadFile("testdata/stream_bs2.sse")
			w.Write(f)
		case "/start_profile":
			json.Unmarshal(b, &gotProf)
			io.WriteString(w, "Start profiling.\n")
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	c := NewClient(srv.URL)
	if _, err := c.Generate(context.Background(), engine.GenerateRequest{InputIDs: [][]int{{1, 2}, {3, 4}}, OutputLen: 4}); err != nil {
		t.Fatal(err)
	}
	sp := gotGen["sampling_params"].(map[string]any)
	if gotGen["stream"] != true || sp["ignore_eos"] != true || sp["temperature"].(float64) != 0 || sp["max_new_tokens"].(float64) != 4 {
		t.Fatalf("generate body %v", gotGen)
	}
	if ids := gotGen["input_ids"].([]any); len(ids) != 2 {
		t.Fatalf("input_ids must carry the whole batch: %v", ids)
	}
	if err := c.StartProfile(context.Background(), engine.ProfileRequest{OutputDir: "/x", NumSteps: 3, ProfileByStage: true, Prefix: "p"}); err != nil {
		t.Fatal(err)
	}
	if gotProf["num_steps"] != "3" || gotProf["profile_by_stage"] != true || gotProf["output_dir"] != "/x" || gotProf["profile_prefix"] != "p" {
		t.Fatalf("start_profile body %v", gotProf)
	}
	if acts := gotProf["activities"].([]any); len(acts) != 2 || acts[0] != "CPU" || acts[1] != "GPU" {
		t.Fatalf("activities %v", acts)
	}
}

func TestReadyAndServerInfo(t *testing.T) {
	ready := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			if !ready {
				w.WriteHeader(503)
			}
		case "/get_server_info": // an older server: /server_info is missing
			io.WriteString(w, `{"version":"0.5.5","tp_size":8,"internal_states":[{"avg_spec_accept_length":2.5,"last_gen_throughput":100}]}`)
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	c := NewClient(srv.URL)
	if err := c.Ready(context.Background()); !errors.Is(err, engine.ErrNotReady) {
		t.Fatalf("503 must be not ready, got %v", err)
	}
	ready = true
	if err := c.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	info, err := c.ServerInfo(context.Background())
	if err != nil || info.Version != "0.5.5" || info.SpecAcceptLength == nil || *info.SpecAcceptLength != 2.5 {
		t.Fatalf("info %+v err %v", info, err)
	}
}

func FuzzReadStream(f *testing.F) {
	for _, n := range []string{"stream_bs2.sse", "stream_error.sse", "stream_abort.sse", "stream_short.sse"} {
		b, _ := os.ReadFile("testdata/" + n)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadStream(bytes.NewReader(data), time.Now(), 2, 4)
		if err == nil {
			for i := 0; i < 2; i++ {
				if s.Output[i] != 4 || len(s.Arrivals[i]) == 0 {
					t.Fatalf("accepted a stream with %d tokens for request %d", s.Output[i], i)
				}
			}
			return
		}
		var re *engine.RequestError
		if !errors.As(err, &re) {
			t.Fatalf("error of unexpected type %T: %v", err, err)
		}
	})
}

func TestFastPathAgreesWithDecoder(t *testing.T) {
	b, _ := os.ReadFile("testdata/stream_bs2.sse")
	for _, line := range strings.Split(string(b), "\n\n") {
		data := []byte(strings.TrimPrefix(line, "data: "))
		if len(data) == 0 || string(data) == "[DONE]" {
			continue
		}
		var ev event
		json.Unmarshal(data, &ev)
		f, ok := fastEvent(data)
		if ev.MetaInfo.FinishReason != nil {
			if ok {
				t.Fatalf("final events take the full decoder: %s", data)
			}
			continue
		}
		if !ok || f.index != ev.Index || f.completion != ev.MetaInfo.CompletionTokens || f.prompt != ev.MetaInfo.PromptTokens {
			t.Fatalf("fast %+v ok=%v, decoder %+v", f, ok, ev)
		}
	}
	if _, ok := fastEvent([]byte(`{"text":"\"finish_reason\": null","meta_info":{"finish_reason":{"type":"length"},"completion_tokens":3}}`)); ok {
		t.Fatal("a quoted key inside a string must not fool the fast path")
	}
}

// BenchmarkReadStream measures the client's per-token cost on a 512-token
// stream; the Decoder variant is the baseline without the fast path.
func BenchmarkReadStream(b *testing.B) { benchReadStream(b) }

func BenchmarkReadStreamDecoder(b *testing.B) {
	useFastPath = false
	defer func() { useFastPath = true }()
	benchReadStream(b)
}

func benchReadStream(b *testing.B) {
	var buf bytes.Buffer
	for tok := 1; tok <= 512; tok++ {
		fin := "null"
		if tok == 512 {
			fin = `{"type":"length","length":512}`
		}
		fmt.Fprintf(&buf, `data: {"text":"%s","output_ids":[%d],"meta_info":{"id":"a","finish_reason":%s,"prompt_tokens":4096,"completion_tokens":%d,"cached_tokens":0},"index":0}`+"\n\n", strings.Repeat("x", tok%64), tok, fin, tok)
	}
	buf.WriteString("data: [DONE]\n\n")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadStream(bytes.NewReader(data), time.Now(), 1, 512); err != nil {
			b.Fatal(err)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	e := Engine{}
	if got := e.VersionCommand([]string{"/opt/venv/bin/python3.11", "-m", "sglang.launch_server"}); got[0] != "/opt/venv/bin/python3.11" || got[2] != "import sglang; print(sglang.__version__)" {
		t.Fatalf("the launcher's interpreter imports sglang: %v", got)
	}
	if got := e.VersionCommand(nil); got[0] != "python3" {
		t.Fatalf("default interpreter: %v", got)
	}
	if v, ok := e.ParseVersion("some warning\n0.5.4.post1\n"); !ok || v != "0.5.4.post1" {
		t.Fatalf("%q %v", v, ok)
	}
	if _, ok := e.ParseVersion("ModuleNotFoundError: No module named 'sglang'"); ok {
		t.Fatal("an import error is no version")
	}
}
