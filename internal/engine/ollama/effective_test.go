package ollama

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
)

const showAnswer = `{"modelfile":"FROM x","parameters":"","template":"{{ .Prompt }}",
"details":{"parent_model":"","format":"gguf","family":"deepseek2","families":["deepseek2"],"parameter_size":"20.3M","quantization_level":"Q8_0"},
"model_info":{"general.architecture":"deepseek2","deepseek2.context_length":4096,"deepseek2.block_count":2},
"capabilities":["completion"],"modified_at":"2026-01-02T10:00:00Z"}`

func TestEffectiveFromServer(t *testing.T) {
	var showed string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/show":
			b, _ := io.ReadAll(r.Body)
			showed = string(b)
			w.Write([]byte(showAnswer))
		case "/api/ps":
			w.Write([]byte(`{"models":[{"name":"other:latest","model":"other:latest","size":1,"size_vram":1},
				{"name":"ss-m:latest","model":"ss-m:latest","size":52428800,"size_vram":0,"context_length":2048}]}`))
		case "/api/version":
			w.Write([]byte(`{"version":"0.17.4"}`))
		}
	}))
	defer srv.Close()
	c := NewClient(srv.URL, engine.ClientConfig{ModelPath: "ss-m"})
	eff, err := c.Effective(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if showed != `{"model":"ss-m"}` {
		t.Fatalf("/api/show body %s", showed)
	}
	want := map[string]any{"format": "gguf", "family": "deepseek2", "parameter_size": "20.3M", "quantization_level": "Q8_0",
		"architecture": "deepseek2", "trained_context_length": 4096.0, "capabilities": "completion",
		"size_bytes": int64(52428800), "size_vram_bytes": int64(0), "context_length": 2048, "version": "0.17.4"}
	for k, v := range want {
		if eff[k] != v {
			t.Fatalf("%s = %#v, want %#v (all %v)", k, eff[k], v, eff)
		}
	}
	if len(eff) != len(want) {
		t.Fatalf("%v", eff)
	}
}

func TestLogLines(t *testing.T) {
	lines := strings.Join([]string{
		`time=2026-01-02T10:00:00.000Z level=INFO source=types.go:42 msg="inference compute" id=cpu library=cpu compute="" name=cpu description=cpu total="15.6 GiB" available="12.0 GiB"`,
		`time=2026-01-02T10:00:01.000Z level=WARN source=server.go:210 msg="flash attention enabled but not supported by model"`,
		`time=2026-01-02T10:00:02.000Z level=INFO source=ggml.go:487 msg="offloading 0 repeating layers to GPU"`,
		`time=2026-01-02T10:00:02.000Z level=INFO source=ggml.go:498 msg="offloaded 0/3 layers to GPU"`,
		`load_tensors: offloaded 17/29 layers to GPU`,
	}, "\n")
	got := engine.ScanLog(strings.NewReader(lines), LogPatterns, nil)
	if len(got) != 4 {
		t.Fatalf("%+v", got)
	}
	if got[0].Settings["library"] != "cpu" || got[0].Warn {
		t.Fatalf("%+v", got[0])
	}
	if got[1].Text != "flash attention enabled but not supported by model" || !got[1].Warn || got[1].Settings["flash_attention"] != false {
		t.Fatalf("%+v", got[1])
	}
	if got[2].Settings["gpu_layers"] != "0/3" || got[2].Warn {
		t.Fatalf("a CPU run offloads nothing, and that is no fallback: %+v", got[2])
	}
	if got[3].Settings["gpu_layers"] != "17/29" || !got[3].Warn {
		t.Fatalf("a partial offload is a fallback: %+v", got[3])
	}
}

func TestAskedQuantization(t *testing.T) {
	a := Engine{}.Asked(engine.LaunchSpec{Args: []string{"--num-thread", "2", "--quantization", "q4_K_M"}})
	if len(engine.Compare(a, map[string]any{"quantization_level": "Q4_K_M"})) != 0 ||
		len(engine.Compare(a, map[string]any{"quantization_level": "F16"})) != 1 {
		t.Fatalf("%v", a)
	}
	if len(Engine{}.Asked(engine.LaunchSpec{Args: []string{"--quantization", "f16"}})) != 0 {
		t.Fatal("f16 keeps the weights as they are: nothing asked")
	}
}

func FuzzParseShow(f *testing.F) {
	f.Add([]byte(showAnswer))
	f.Add([]byte(`{"details":null,"model_info":{"general.architecture":"x","x.context_length":[1]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseShow(b)
		if err != nil {
			return
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if v == nil || v == "" {
				t.Fatalf("%s is empty", k)
			}
		}
		ParsePS(b, "m")
	})
}
