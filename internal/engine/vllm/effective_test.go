package vllm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
)

// configLine is the engine line of a vLLM 0.11 startup log (vllm/v1/engine/core.py
// with VllmConfig.__str__), shortened.
const configLine = `INFO 01-02 10:00:00 [core.py:77] Initializing a V1 LLM engine (v0.11.0) with config: model='deepseek-ai/DeepSeek-V3', ` +
	`speculative_config=SpeculativeConfig(method='mtp', model='deepseek-ai/DeepSeek-V3', num_spec_tokens=1), tokenizer='deepseek-ai/DeepSeek-V3', ` +
	`skip_tokenizer_init=False, dtype=torch.bfloat16, max_seq_len=163840, download_dir=None, load_format=auto, tensor_parallel_size=8, ` +
	`pipeline_parallel_size=1, data_parallel_size=1, disable_custom_all_reduce=False, quantization=fp8, enforce_eager=False, kv_cache_dtype=auto, ` +
	`device_config=cuda, structured_outputs_config=StructuredOutputsConfig(backend='auto', disable_fallback=False), seed=0, ` +
	`enable_prefix_caching=True, chunked_prefill_enabled=True, compilation_config={"level":3,"cudagraph_capture_sizes":[512,504]}`

func TestEngineConfigLine(t *testing.T) {
	f, ok := engine.MatchLine(configLine, LogPatterns)
	if !ok || f.Warn {
		t.Fatalf("%+v", f)
	}
	want := map[string]any{"version": "0.11.0", "tensor_parallel_size": 8, "pipeline_parallel_size": 1, "data_parallel_size": 1,
		"quantization": "fp8", "kv_cache_dtype": "auto", "dtype": "torch.bfloat16", "max_model_len": 163840, "enforce_eager": "False",
		"enable_prefix_caching": "True", "chunked_prefill_enabled": "True",
		"speculative_config": "SpeculativeConfig(method='mtp', model='deepseek-ai/DeepSeek-V3', num_spec_tokens=1)"}
	if len(f.Settings) != len(want) {
		t.Fatalf("%v", f.Settings)
	}
	for k, v := range want {
		if f.Settings[k] != v {
			t.Fatalf("%s = %#v, want %#v", k, f.Settings[k], v)
		}
	}
}

func TestBackendLines(t *testing.T) {
	for line, want := range map[string][2]string{
		"INFO 01-02 10:00:01 [cuda.py:403] Using FLASHINFER_MLA attention backend out of potential backends: ['FLASHINFER_MLA', 'TRITON_MLA'].": {"attention_backend", "FLASHINFER_MLA"},
		"INFO 01-02 10:00:01 [cuda.py:366] Using AttentionBackendEnum.FLASH_ATTN backend.":                                                      {"attention_backend", "FLASH_ATTN"},
		"INFO 01-02 10:00:02 [fp8.py:181] Using TRITON Fp8 MoE backend out of potential backends: ['AITER', 'TRITON'].":                         {"moe_backend", "triton"},
		"INFO 01-02 10:00:02 [fp8.py:181] Using VLLM_CUTLASS Fp8 MoE backend out of potential backends: ['VLLM_CUTLASS'].":                      {"moe_backend", "cutlass"},
		"INFO 03-01 11:11:32 [compressed_tensors_moe.py:199] Using CompressedTensorsWNA16MarlinMoEMethod":                                       {"moe_backend", "marlin"},
		"INFO 03-01 11:11:32 [compressed_tensors_moe.py:1266] Using Marlin backend for WNA16 MoE (group_size=32, num_bits=4)":                   {"moe_backend", "marlin"},
		"INFO 03-01 11:11:32 [oracle.py:1] Using 'MARLIN' WNA16 MoE backend":                                                                    {"moe_backend", "marlin"},
		"INFO 01-02 10:00:02 [nvfp4.py:99] Using FLASHINFER_CUTLASS NvFp4 MoE backend out of potential backends: ['FLASHINFER_CUTLASS'].":       {"moe_backend", "flashinfer_cutlass"},
	} {
		f, ok := engine.MatchLine(line, LogPatterns)
		if !ok || f.Warn || f.Settings[want[0]] != want[1] {
			t.Fatalf("%s: %+v", line, f)
		}
	}
	f, ok := engine.MatchLine("WARNING 01-02 10:00:03 [cuda.py:219] Decode context parallel (DCP) is enabled, which is incompatible with full CUDA graphs. Overriding cudagraph_mode to PIECEWISE.", LogPatterns)
	if !ok || !f.Warn {
		t.Fatalf("%+v", f)
	}
}

func TestEffectiveFromServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/models":
			w.Write([]byte(`{"object":"list","data":[{"id":"dsv3","object":"model","root":"deepseek-ai/DeepSeek-V3","max_model_len":32768}]}`))
		case "/version":
			w.Write([]byte(`{"version":"0.11.0"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	eff, err := NewClient(srv.URL).Effective(context.Background())
	if err != nil || eff["served_model_name"] != "dsv3" || eff["model"] != "deepseek-ai/DeepSeek-V3" || eff["max_model_len"] != 32768 || eff["version"] != "0.11.0" {
		t.Fatalf("%v %v", eff, err)
	}
	if _, err := ParseModels([]byte(`{"data":[]}`)); err == nil {
		t.Fatal("no model must be an error")
	}
}

func TestAskedNamesVLLMSettings(t *testing.T) {
	a := Engine{}.Asked(engine.LaunchSpec{TP: 4, MoEBackend: "flashinfer_cutlass", Args: []string{"--enforce-eager", "--max-model-len", "8192"}})
	if a["tensor_parallel_size"] != "4" || a["moe_backend"] != "flashinfer_cutlass" || a["enforce_eager"] != "true" || a["max_model_len"] != "8192" || len(a) != 4 {
		t.Fatalf("%v", a)
	}
	// enforce_eager=False in the config line against an asked --enforce-eager is a difference.
	if m := engine.Compare(a, map[string]any{"enforce_eager": "False", "max_model_len": 8192, "moe_backend": "triton"}); len(m) != 2 {
		t.Fatalf("%+v", m)
	}
}

func FuzzParseConfigLine(f *testing.F) {
	f.Add(configLine[len("INFO 01-02 10:00:00 [core.py:77] Initializing a V1 LLM engine (v0.11.0) with config: "):])
	f.Add(`a=(,b=[,c={'x=1, y=2'}, quantization='fp8', tensor_parallel_size=x`)
	f.Fuzz(func(t *testing.T, s string) {
		for k, v := range ParseConfigLine(s) {
			if _, known := configKeys[k]; !known && k != "max_model_len" {
				t.Fatalf("unexpected key %q", k)
			}
			if v == nil || v == "" || v == "None" {
				t.Fatalf("%s: empty value %v", k, v)
			}
		}
	})
}

func FuzzParseModels(f *testing.F) {
	f.Add([]byte(`{"object":"list","data":[{"id":"m","root":"org/m","max_model_len":4096}]}`))
	f.Add([]byte(`{"data":[{"id":7}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseModels(b)
		if err != nil {
			return
		}
		if _, ok := m["served_model_name"]; !ok {
			t.Fatal("a listed model has a name")
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	})
}
