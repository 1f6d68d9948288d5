package trtllm

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

func fixture(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadStream: continuous usage gives each chunk's token count (prompt 1
// streams a two-token chunk), the per-prompt usage chunks their total.
func TestReadStream(t *testing.T) {
	s, err := ReadStream(bytes.NewReader(fixture(t, "completions_bs2.sse")), time.Now(), 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 2, 3, 4}, {1, 3, 4}}
	for i := range want {
		var got []int
		for _, a := range s.Arrivals[i] {
			got = append(got, a.Tokens)
		}
		if len(got) != len(want[i]) || s.Output[i] != 4 || s.Prompt[i] != 8 || s.Finish[i] != "length" {
			t.Fatalf("request %d: arrivals %v output %d prompt %d", i, got, s.Output[i], s.Prompt[i])
		}
		for j := range got {
			if got[j] != want[i][j] {
				t.Fatalf("request %d: arrivals %v, want %v", i, got, want[i])
			}
		}
	}
	// Chunks without usage are counted; the final usage chunk checks the total.
	s, err = ReadStream(bytes.NewReader(fixture(t, "completions_nousage.sse")), time.Now(), 1, 3)
	if err != nil || s.Output[0] != 3 || s.Prompt[0] != 5 {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestReadStreamFailures(t *testing.T) {
	cases := []struct {
		file, kind, msg string
		n, out          int
	}{
		{"completions_bs2.sse", "incomplete", "usage reports 8 completion tokens, want 10", 2, 5},
		{"completions_bs2.sse", "malformed", "choice index 1 outside the batch of 1", 1, 4},
		{"completions_nousage.sse", "incomplete", "usage reports 3 completion tokens, want 4", 1, 4},
		{"completions_error.sse", "error_event", "illegal memory access", 1, 4},
		{"completions_no_done.sse", "incomplete", "without data: [DONE]", 1, 4},
	}
	for _, c := range cases {
		_, err := ReadStream(bytes.NewReader(fixture(t, c.file)), time.Now(), c.n, c.out)
		var re *engine.RequestError
		if !errors.As(err, &re) || re.Kind != c.kind || !strings.Contains(re.Msg, c.msg) {
			t.Fatalf("%s: %v", c.file, err)
		}
	}
	// A request that stops before its length (an EOS the server did not ignore).
	short := strings.Replace(string(fixture(t, "completions_bs2.sse")), `" d", "token_ids": null, "logprobs": null, "finish_reason": "length"`, `" d", "token_ids": null, "logprobs": null, "finish_reason": "stop"`, 1)
	if _, err := ReadStream(strings.NewReader(short), time.Now(), 2, 4); err == nil || !strings.Contains(err.Error(), `finished with "stop"`) {
		t.Fatalf("%v", err)
	}
}

func TestCompletionBodyFields(t *testing.T) {
	b, _ := json.Marshal(CompletionBody("m", engine.GenerateRequest{InputIDs: [][]int{{1, 2}}, OutputLen: 3}))
	var body map[string]any
	json.Unmarshal(b, &body)
	// Every field is one CompletionRequest declares (its model_config forbids others).
	declared := "model prompt max_tokens min_tokens temperature ignore_eos stream stream_options"
	for k := range body {
		if !strings.Contains(" "+declared+" ", " "+k+" ") {
			t.Fatalf("field %q is not CompletionRequest's", k)
		}
	}
	so := body["stream_options"].(map[string]any)
	if body["ignore_eos"] != true || body["min_tokens"].(float64) != 3 || so["continuous_usage_stats"] != true || so["include_usage"] != true {
		t.Fatalf("%s", b)
	}
}

func TestParseMetricsAndModels(t *testing.T) {
	m, err := ParseMetrics([]byte(`[{"iter":1},{"gpuMemUsage":76665782272,"iter":154,"iterLatencyMS":7.0,"maxNumActiveRequests":64,
		"kvCacheStats":{"freeNumBlocks":101253,"maxNumBlocks":101256,"tokensPerBlock":32,"usedNumBlocks":3}}]`))
	if err != nil || m["kv_cache_max_tokens"] != 101256*32 || m["kv_cache_tokens_per_block"] != 32 || m["gpu_mem_usage_gib"] != 71.4 || m["max_num_active_requests"] != 64 {
		t.Fatalf("%v %v", m, err)
	}
	if m, err := ParseMetrics([]byte(`[]`)); err != nil || len(m) != 0 {
		t.Fatalf("no stats (enable_iter_perf_stats off): %v %v", m, err)
	}
	if _, err := ParseMetrics([]byte(`{"detail":"Not Found"}`)); err == nil {
		t.Fatal("an object is not a list of stats")
	}
	if _, err := ParseModels([]byte(`{"object":"list","data":[]}`)); err == nil {
		t.Fatal("no model is an error")
	}
}

func FuzzReadStream(f *testing.F) {
	for _, name := range []string{"completions_bs2.sse", "completions_nousage.sse", "completions_error.sse", "completions_no_done.sse"} {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadStream(bytes.NewReader(data), time.Now(), 2, 4)
		if err != nil {
			return
		}
		for i := 0; i < 2; i++ {
			if s.Output[i] != 4 || s.Finish[i] != "length" {
				t.Fatalf("accepted request %d with %d tokens, finish %q", i, s.Output[i], s.Finish[i])
			}
			for j := 1; j < len(s.Arrivals[i]); j++ {
				if s.Arrivals[i][j].Tokens <= s.Arrivals[i][j-1].Tokens {
					t.Fatalf("token counts must grow: %+v", s.Arrivals[i])
				}
			}
		}
	})
}

func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte(`[{"iter":154,"gpuMemUsage":76665782272,"kvCacheStats":{"maxNumBlocks":101256,"tokensPerBlock":32}}]`))
	f.Add([]byte(`[{"kvCacheStats":null},{"maxNumActiveRequests":-1}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMetrics(b)
		if err != nil {
			return
		}
		if v, ok := m["kv_cache_max_tokens"].(int); ok && v <= 0 {
			t.Fatalf("non-positive pool %d", v)
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzOptions(f *testing.F) {
	f.Add("moe_config.max_num_tokens=8192", "enable_attention_dp=true")
	f.Add("a=1", "a.b=2")
	f.Add("cuda_graph_config.batch_sizes=[1, 2]", "x={y: 1}")
	f.Fuzz(func(t *testing.T, a, b string) {
		spec := engine.LaunchSpec{MoEBackend: "TRTLLM", Args: []string{OptionFlag, a, OptionFlag, b}}
		doc, err := Options(spec)
		if err != nil {
			if !strings.Contains(err.Error(), OptionFlag) {
				t.Fatalf("error must name the flag: %v", err)
			}
			return
		}
		out, err := OptionsYAML(spec)
		if err != nil || len(out) == 0 || doc["kv_cache_config"] == nil {
			t.Fatalf("%v %s", err, out)
		}
	})
}
