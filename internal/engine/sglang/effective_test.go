package sglang

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
)

// serverInfo is a trimmed /server_info answer of SGLang 0.5 (server_args,
// scheduler_info, internal_states, version).
const serverInfo = `{"model_path":"deepseek-ai/DeepSeek-V3","tp_size":8,"ep_size":1,"dp_size":1,"pp_size":1,
"moe_runner_backend":"flashinfer_cutlass","moe_a2a_backend":"none","attention_backend":"fa3","quantization":null,
"kv_cache_dtype":"auto","mem_fraction_static":0.835,"cuda_graph_max_bs":160,"chunked_prefill_size":8192,
"speculative_algorithm":null,"speculative_num_steps":3,"enable_dp_attention":false,"host":"127.0.0.1",
"max_total_num_tokens":512000,"internal_states":[{"avg_spec_accept_length":null}],"version":"0.5.6"}`

func TestParseEffectiveKeepsResolvedSettings(t *testing.T) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(serverInfo), &raw); err != nil {
		t.Fatal(err)
	}
	eff := ParseEffective(raw)
	for k, want := range map[string]any{"moe_runner_backend": "flashinfer_cutlass", "attention_backend": "fa3", "tp_size": 8.0,
		"mem_fraction_static": 0.835, "cuda_graph_max_bs": 160.0, "chunked_prefill_size": 8192.0, "version": "0.5.6",
		"speculative_num_steps": 3.0, "enable_dp_attention": false, "max_total_num_tokens": 512000.0} {
		if eff[k] != want {
			t.Fatalf("%s = %v, want %v (all %v)", k, eff[k], want, eff)
		}
	}
	for _, k := range []string{"quantization", "speculative_algorithm", "host", "model_path", "internal_states"} {
		if _, ok := eff[k]; ok {
			t.Fatalf("%s must be left out (unset or not a setting): %v", k, eff)
		}
	}
}

func TestEffectiveFromServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/server_info" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(serverInfo))
	}))
	defer srv.Close()
	eff, err := NewClient(srv.URL).Effective(context.Background())
	if err != nil || eff["moe_runner_backend"] != "flashinfer_cutlass" || eff["version"] != "0.5.6" {
		t.Fatalf("%v %v", eff, err)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	if _, err := NewClient(down.URL).Effective(context.Background()); err == nil {
		t.Fatal("a server without /server_info must give an error")
	}
}

func TestFallbackLineSetsTheBackendThatRan(t *testing.T) {
	// As python/sglang/srt/layers/quantization/fp8.py logs it, through configure_logger.
	line := "[2026-01-02 10:00:01 TP3] Fp8MoEMethod has no FLASHINFER_CUTLASS path; using triton for its fp8 experts."
	f, ok := engine.MatchLine(line, LogPatterns)
	if !ok || !f.Warn || f.Settings["moe_runner_backend"] != "triton" || !strings.HasPrefix(f.Text, "Fp8MoEMethod has no FLASHINFER_CUTLASS") {
		t.Fatalf("%+v %v", f, ok)
	}
	f, ok = engine.MatchLine("[2026-01-02 10:00:09 TP0] Using default MoE kernel config. Performance might be sub-optimal! Config file not found at /x/E=256,N=256.json", LogPatterns)
	if !ok || !f.Warn || len(f.Settings) != 0 {
		t.Fatalf("%+v", f)
	}
	f, ok = engine.MatchLine("[2026-01-02 10:00:02 TP0] DeepGEMM is not available, falling back to triton kernels", LogPatterns)
	if !ok || f.Text != "DeepGEMM is not available, falling back to triton kernels" {
		t.Fatalf("%+v", f)
	}
	f, ok = engine.MatchLine("[2026-01-02 10:00:02 TP0] Using CompressedTensorsWNA16MarlinMoEMethod", LogPatterns)
	if !ok || f.Settings["moe_runner_backend"] != "marlin" || f.Warn {
		t.Fatalf("Marlin experts: %+v", f)
	}
	if _, ok := engine.MatchLine("[2026-01-02 10:00:03 TP0] Load weight end. type=DeepseekV3ForCausalLM", LogPatterns); ok {
		t.Fatal("an ordinary line is no finding")
	}
}

func TestAskedFollowsTheLaunch(t *testing.T) {
	a := Engine{}.Asked(engine.LaunchSpec{TP: 8, MoEBackend: "flashinfer_cutlass", Args: []string{"--trust-remote-code", "--kv-cache-dtype", "fp8_e4m3", "--enable-dp-attention"}})
	want := map[string]string{"tp_size": "8", "moe_runner_backend": "flashinfer_cutlass", "kv_cache_dtype": "fp8_e4m3", "enable_dp_attention": "true"}
	if len(a) != len(want) {
		t.Fatalf("%v", a)
	}
	for k, v := range want {
		if a[k] != v {
			t.Fatalf("%s: %q", k, a[k])
		}
	}
}

func FuzzParseEffective(f *testing.F) {
	f.Add([]byte(serverInfo))
	f.Add([]byte(`{"speculative_x":[1,{"a":null}],"tp_size":"8","version":7}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var raw map[string]any
		if json.Unmarshal(b, &raw) != nil {
			return
		}
		eff := ParseEffective(raw)
		for k, v := range eff {
			if v == nil || raw[k] == nil {
				t.Fatalf("%s: unset settings are left out", k)
			}
			engine.ValueString(v) // any JSON value has a text form
		}
		if _, err := json.Marshal(eff); err != nil {
			t.Fatalf("the effective configuration must stay JSON: %v", err)
		}
	})
}
