package modelinfo

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func load(t *testing.T, dir string) *Info {
	t.Helper()
	info, err := Locator{Offline: true}.Load(context.Background(), filepath.Join("..", "..", "examples", "hf-configs", dir))
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func within(got int64, want float64, pct float64) bool {
	return math.Abs(float64(got)-want)/want <= pct/100
}

// TestPublishedParameterCounts pins total and active parameters of the seed's
// models against their published figures (testdata/*/ from shared/data/hf-configs;
// SOURCE.md there cites each figure).
func TestPublishedParameterCounts(t *testing.T) {
	cases := []struct {
		dir           string
		total, active float64
		// MiniMax publishes active parameters without the embedding and output head.
		nonEmbeddingActive bool
		attention          string
		experts, topk      int
	}{
		{"deepseek-ai--DeepSeek-V3", 671e9, 37e9, false, "MLA", 256, 8},
		{"Qwen--Qwen3-235B-A22B", 235e9, 22e9, false, "GQA", 128, 8},
		{"Qwen--Qwen3-235B-A22B-Instruct-2507", 235e9, 22e9, false, "GQA", 128, 8},
		{"Qwen--Qwen3-235B-A22B-Instruct-2507-FP8", 235e9, 22e9, false, "GQA", 128, 8},
		{"Qwen--Qwen3-Coder-480B-A35B-Instruct", 480e9, 35e9, false, "GQA", 160, 8},
		{"MiniMaxAI--MiniMax-M2", 230e9, 10e9, true, "GQA", 256, 8},
		{"meta-llama--Llama-3.2-90B-Vision-Instruct", 88.8e9, 88.8e9, false, "GQA", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			info := load(t, c.dir)
			active := info.ActiveParams
			if c.nonEmbeddingActive {
				active = info.ActiveNonEmbedding
			}
			if !within(info.TotalParams, c.total, 3) || !within(active, c.active, 3) {
				t.Fatalf("total %.1fB (published %.1fB), active %.2fB (published %.1fB)", float64(info.TotalParams)/1e9, c.total/1e9, float64(active)/1e9, c.active/1e9)
			}
			if info.Attention != c.attention || info.Experts != c.experts || info.ExpertsPerToken != c.topk {
				t.Fatalf("attention %s experts %d top-k %d", info.Attention, info.Experts, info.ExpertsPerToken)
			}
			t.Logf("total %.1fB (%+.1f%%), active %.2fB (%+.1f%%), weights %.0f GB, KV %d B/token",
				float64(info.TotalParams)/1e9, 100*(float64(info.TotalParams)/c.total-1), float64(active)/1e9, 100*(float64(active)/c.active-1),
				float64(info.WeightBytes)/1e9, info.KVBytesPerToken)
		})
	}
}

func TestKVAndQuantization(t *testing.T) {
	ds := load(t, "deepseek-ai--DeepSeek-V3")
	if ds.KVBytesPerToken != 61*(512+64)*2 || ds.KVBytesPerTokenPerGPU(8, 2) != ds.KVBytesPerToken {
		t.Fatalf("MLA KV %d, not split by TP", ds.KVBytesPerToken)
	}
	if ds.Quantization == nil || ds.Quantization.Method != "fp8" || ds.Quantization.BlockSize[0] != 128 {
		t.Fatalf("quant %+v", ds.Quantization)
	}
	if gb := float64(ds.WeightBytes) / 1e9; gb < 650 || gb > 720 {
		t.Fatalf("DeepSeek-V3 FP8 checkpoint ~690 GB, got %.0f", gb)
	}
	q := load(t, "Qwen--Qwen3-235B-A22B-Instruct-2507")
	if q.KVBytesPerToken != 2*94*4*128*2 || q.KVBytesPerTokenPerGPU(8, 2) != 2*94*1*128*2 || q.Quantization != nil {
		t.Fatalf("GQA KV %d per GPU at TP8 %d", q.KVBytesPerToken, q.KVBytesPerTokenPerGPU(8, 2))
	}
	if gb := float64(q.WeightBytes) / 1e9; gb < 460 || gb > 480 {
		t.Fatalf("Qwen3-235B BF16 ~470 GB, got %.0f", gb)
	}
	fp8 := load(t, "Qwen--Qwen3-235B-A22B-Instruct-2507-FP8")
	if fp8.WeightBytes >= q.WeightBytes*6/10 {
		t.Fatalf("FP8 checkpoint %d not about half of BF16 %d", fp8.WeightBytes, q.WeightBytes)
	}
}

func TestCompressedTensorsInt4(t *testing.T) {
	cfg := `{"architectures":["DeepseekV3ForCausalLM"],"model_type":"kimi_k2","hidden_size":7168,"num_hidden_layers":61,
	"vocab_size":163840,"num_attention_heads":64,"num_key_value_heads":64,"intermediate_size":18432,"q_lora_rank":1536,
	"kv_lora_rank":512,"qk_nope_head_dim":128,"qk_rope_head_dim":64,"v_head_dim":128,"n_routed_experts":384,"n_shared_experts":1,
	"first_k_dense_replace":1,"moe_intermediate_size":2048,"num_experts_per_tok":8,"torch_dtype":"bfloat16",
	"quantization_config":{"quant_method":"compressed-tensors","config_groups":{"group_0":{"weights":{"num_bits":4,"group_size":32},"targets":["Linear"]}},
	"ignore":["lm_head","re:.*self_attn.*","re:.*shared_experts.*","re:.*mlp\\.(gate|up|gate_up|down)_proj.*"]}}`
	info, err := Parse([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if !within(info.TotalParams, 1.03e12, 3) || !within(info.ActiveParams, 32e9, 3.5) {
		t.Fatalf("Kimi K2: total %.0fB active %.1fB", float64(info.TotalParams)/1e9, float64(info.ActiveParams)/1e9)
	}
	if info.Quantization.Bits != 4 || info.Quantization.Targets != "experts" {
		t.Fatalf("quant %+v", info.Quantization)
	}
	if gb := float64(info.WeightBytes) / 1e9; gb < 560 || gb > 640 {
		t.Fatalf("Kimi K2 INT4 checkpoint ~594 GB, got %.0f", gb)
	}
}

func TestLocate(t *testing.T) {
	home := t.TempDir()
	snap := filepath.Join(home, "hub", "models--org--cached", "snapshots", "abc123")
	os.MkdirAll(snap, 0o755)
	b, _ := os.ReadFile("../../examples/hf-configs/Qwen--Qwen3-235B-A22B/config.json")
	os.WriteFile(filepath.Join(snap, "config.json"), b, 0o644)
	os.MkdirAll(filepath.Join(home, "hub", "models--org--cached", "refs"), 0o755)
	os.WriteFile(filepath.Join(home, "hub", "models--org--cached", "refs", "main"), []byte("abc123"), 0o644)

	var gotAuth string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		if r.URL.Path == "/org/remote/resolve/main/config.json" {
			w.Write(b)
			return
		}
		w.WriteHeader(401)
	}))
	defer hub.Close()
	l := Locator{HFHome: home, Endpoint: hub.URL, Token: "hf_secret", ConfigDirs: []string{"../../examples/hf-configs"}}
	ctx := context.Background()
	if info, err := l.Load(ctx, "org/cached"); err != nil || info.Source != filepath.Join(snap, "config.json") {
		t.Fatalf("cache: %v %v", info, err)
	}
	if info, err := l.Load(ctx, "deepseek-ai/DeepSeek-V3"); err != nil || info.Experts != 256 {
		t.Fatalf("config dir: %v", err)
	}
	if info, err := l.Load(ctx, "org/remote"); err != nil || gotAuth != "Bearer hf_secret" || info.Experts != 128 {
		t.Fatalf("hub: %v auth %q", err, gotAuth)
	}
	_, err := l.Load(ctx, "org/gated")
	if err == nil || !contains(err.Error(), "HF_TOKEN is set but not accepted") || contains(err.Error(), "hf_secret") {
		t.Fatalf("gated: %v", err)
	}
	l.Offline = true
	if _, err := l.Load(ctx, "org/remote"); err == nil || !contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Fatalf("offline: %v", err)
	}
}

func contains(s, sub string) bool {
	return len(s) >= len(sub) && (s == sub || len(sub) == 0 || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func FuzzParse(f *testing.F) {
	for _, d := range []string{"deepseek-ai--DeepSeek-V3", "MiniMaxAI--MiniMax-M2", "meta-llama--Llama-3.2-90B-Vision-Instruct"} {
		b, _ := os.ReadFile(filepath.Join("..", "..", "examples", "hf-configs", d, "config.json"))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Parse(data)
		if err == nil && (info.Layers <= 0 || info.Hidden <= 0) {
			t.Fatalf("accepted a config without layers or hidden size")
		}
	})
}

func TestImplausibleConfig(t *testing.T) {
	_, err := Parse([]byte(`{"hidden_size":4096,"num_hidden_layers":2147483647,"vocab_size":1000,"num_attention_heads":32}`))
	if err == nil || !contains(err.Error(), "num_hidden_layers = 2147483647 is not a plausible value") {
		t.Fatalf("got %v", err)
	}
}

// TestFindTokenizer: tokenizer.json is found where config.json is (the HF
// cache snapshot, a model folder, beside a config file, a config dir), and a
// miss names what it tried in one line.
func TestFindTokenizer(t *testing.T) {
	home := t.TempDir()
	snap := filepath.Join(home, "hub", "models--org--cached", "snapshots", "abc123")
	os.MkdirAll(snap, 0o755)
	os.WriteFile(filepath.Join(snap, "tokenizer.json"), []byte(`{"cached":1}`), 0o644)
	local := filepath.Join(home, "local")
	os.MkdirAll(local, 0o755)
	for _, f := range []string{"tokenizer.json", "config.json", "model.gguf"} {
		os.WriteFile(filepath.Join(local, f), []byte(`{}`), 0o644)
	}
	cfgDir := filepath.Join(home, "configs")
	os.MkdirAll(filepath.Join(cfgDir, "org--dir"), 0o755)
	os.WriteFile(filepath.Join(cfgDir, "org--dir", "tokenizer.json"), []byte(`{"dir":1}`), 0o644)
	l := Locator{HFHome: home, Offline: true, ConfigDirs: []string{cfgDir}}
	ctx := context.Background()
	for model, want := range map[string]string{
		"org/cached":                        filepath.Join(snap, "tokenizer.json"),
		local:                               filepath.Join(local, "tokenizer.json"),
		filepath.Join(local, "config.json"): filepath.Join(local, "tokenizer.json"),
		filepath.Join(local, "model.gguf"):  filepath.Join(local, "tokenizer.json"),
		"org/dir":                           filepath.Join(cfgDir, "org--dir", "tokenizer.json"),
	} {
		if _, src, err := l.FindFile(ctx, model, "tokenizer.json"); err != nil || src != want {
			t.Errorf("%s: %s %v, want %s", model, src, err, want)
		}
	}
	_, _, err := l.FindFile(ctx, "org/none", "tokenizer.json")
	if err == nil || !contains(err.Error(), "tokenizer.json not found for org/none") || contains(err.Error(), "\n") {
		t.Fatalf("miss: %v", err)
	}
}
