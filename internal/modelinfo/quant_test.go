package modelinfo

import (
	"math"
	"strings"
	"testing"
)

// moeConfig is a small DeepSeek-style MoE config with the given quantization_config.
func moeConfig(quant string) string {
	q := ""
	if quant != "" {
		q = `, "quantization_config": ` + quant
	}
	return `{"architectures": ["DeepseekV3ForCausalLM"], "hidden_size": 1024, "num_hidden_layers": 4, "vocab_size": 32000,
	"num_attention_heads": 8, "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 4096, "moe_intermediate_size": 512,
	"n_routed_experts": 16, "n_shared_experts": 1, "num_experts_per_tok": 2, "first_k_dense_replace": 1, "torch_dtype": "bfloat16"` + q + `}`
}

// TestQuantizationFormats sizes every format users serve: bits per weight
// with scales, what the skip lists keep in 16 bit, and the resulting bytes.
func TestQuantizationFormats(t *testing.T) {
	base, err := Parse([]byte(moeConfig("")))
	if err != nil {
		t.Fatal(err)
	}
	p := base.Parts
	quantizable := float64(p[CompAttention] + p[CompDenseMLP] + p[CompExperts] + p[CompShared])
	rest := float64(base.TotalParams) - quantizable
	cases := []struct {
		name, quant string
		bpw         float64
		unquant     string
		// bytes = 2·rest + quantized·bpw/8 + (16-bit share of quantizable)·2
		sixteen float64 // parameters of quantizable components kept at 16 bit
		warning string
	}{
		{"fp8 block", `{"quant_method": "fp8", "weight_block_size": [128, 128], "fmt": "e4m3"}`, 8 + 32.0/16384, "", 0, ""},
		{"fp8 channel", `{"quant_method": "fp8", "activation_scheme": "dynamic"}`, 8, "", 0, ""},
		{"fp8 skips gate and lm_head", `{"quant_method": "fp8", "weight_block_size": [128, 128], "modules_to_not_convert": ["gate", "lm_head"]}`, 8 + 32.0/16384, "", 0, ""},
		{"fp8 ignored attention", `{"quant_method": "fp8", "ignored_layers": ["self_attn"]}`, 8, "attention", float64(p[CompAttention]), ""},
		{"ct int4 experts (Kimi)", `{"quant_method": "compressed-tensors", "format": "pack-quantized", "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 32}}},
			"ignore": ["lm_head", "re:.*self_attn.*", "re:.*shared_experts.*", "re:.*mlp\\.(gate|up|gate_up|down)_proj.*"]}`, 4.5, "attention, dense_mlp, shared_experts", float64(p[CompAttention] + p[CompDenseMLP] + p[CompShared]), ""},
		{"ct int8 channel", `{"quant_method": "compressed-tensors", "config_groups": {"g": {"targets": ["Linear"], "weights": {"num_bits": 8, "type": "int", "strategy": "channel"}}}}`, 8, "", 0, ""},
		{"ct fp8", `{"quant_method": "compressed-tensors", "format": "float-quantized", "config_groups": {"g": {"targets": ["Linear"], "weights": {"num_bits": 8, "type": "float", "strategy": "tensor"}}}}`, 8, "", 0, ""},
		{"ct nvfp4", `{"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized", "config_groups": {"g": {"targets": ["Linear"], "weights": {"num_bits": 4, "type": "float", "strategy": "tensor_group", "group_size": 16}}}}`, 4.5, "", 0, ""},
		{"ct one layer ignored", `{"quant_method": "compressed-tensors", "config_groups": {"g": {"weights": {"num_bits": 4, "type": "int", "group_size": 128}}}, "ignore": ["model.layers.0.self_attn.q_proj"]}`, 4 + 16.0/128, "attention (25% of layers)", 0.25 * float64(p[CompAttention]), ""},
		{"modelopt nvfp4", `{"quant_method": "modelopt", "quant_algo": "NVFP4", "group_size": 16, "exclude_modules": ["lm_head", "model.layers.*.self_attn*"]}`, 4.5, "attention", float64(p[CompAttention]), ""},
		{"modelopt hf_quant_config", `{"producer": {"name": "modelopt"}, "quantization": {"quant_algo": "FP8", "exclude_modules": ["lm_head"]}}`, 8, "", 0, ""},
		{"mxfp4 experts", `{"quant_method": "mxfp4", "modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"]}`, 4.25, "attention", float64(p[CompAttention] + p[CompDenseMLP] + p[CompShared]), ""},
		{"awq", `{"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": true, "version": "gemm"}`, 4 + 20.0/128, "", 0, ""},
		{"gptq", `{"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": false, "sym": true}`, 4 + 20.0/128, "", 0, ""},
		{"bnb 4bit", `{"quant_method": "bitsandbytes", "load_in_4bit": true, "bnb_4bit_quant_type": "nf4", "llm_int8_skip_modules": ["mlp.gate"]}`, 4.5, "", 0, ""},
		{"bnb 8bit", `{"quant_method": "bitsandbytes", "load_in_8bit": true}`, 8, "", 0, ""},
		{"unknown", `{"quant_method": "hqq", "nbits": 4}`, 16, "", 0, "quantization \"hqq\" is not a format servesweep can size"},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			info, err := Parse([]byte(moeConfig(k.quant)))
			if err != nil {
				t.Fatal(err)
			}
			q := info.Quantization
			if math.Abs(q.BitsPerWeight-k.bpw) > 1e-9 {
				t.Fatalf("bits per weight %v, want %v (%+v)", q.BitsPerWeight, k.bpw, q)
			}
			if got := strings.Join(q.Unquantized, ", "); !strings.HasPrefix(got, k.unquant) || k.unquant == "" && got != "" {
				t.Fatalf("unquantized %q, want %q", got, k.unquant)
			}
			if k.warning != "" {
				if !q.Unknown || !strings.Contains(q.Warning, k.warning) || info.WeightBytes != base.WeightBytes {
					t.Fatalf("an unknown format is a warning and counted at 16 bit: %+v, %d vs %d", q, info.WeightBytes, base.WeightBytes)
				}
				return
			}
			var want float64
			if q.Targets == "experts" && k.name == "mxfp4 experts" {
				want = 2*rest + 2*k.sixteen + float64(p[CompExperts])*k.bpw/8
			} else {
				want = 2*rest + 2*k.sixteen + (quantizable-k.sixteen)*k.bpw/8
			}
			if rel := math.Abs(float64(info.WeightBytes)-want) / want; rel > 1e-6 {
				t.Fatalf("weights %d bytes, want %.0f (%+v)", info.WeightBytes, want, q)
			}
			if info.WeightBytes >= base.WeightBytes {
				t.Fatalf("quantized weights must be smaller than BF16: %d >= %d", info.WeightBytes, base.WeightBytes)
			}
		})
	}
}

// TestActiveParameterConventions: model cards count the output projection but
// not the input-embedding lookup; model-info also shows both other conventions.
func TestActiveParameterConventions(t *testing.T) {
	info, err := Parse([]byte(moeConfig("")))
	if err != nil {
		t.Fatal(err)
	}
	embed := int64(32000 * 1024)
	if info.ActiveParams != info.ActiveNonEmbedding+embed || info.ActiveWithEmbedding != info.ActiveNonEmbedding+2*embed {
		t.Fatalf("active %d, non-embedding %d, with both %d", info.ActiveParams, info.ActiveNonEmbedding, info.ActiveWithEmbedding)
	}
	tied, err := Parse([]byte(strings.Replace(moeConfig(""), `"torch_dtype"`, `"tie_word_embeddings": true, "torch_dtype"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if tied.ActiveParams != tied.ActiveNonEmbedding+embed || tied.ActiveWithEmbedding != tied.ActiveNonEmbedding+embed {
		t.Fatalf("tied: the shared matrix is the output projection: %d %d %d", tied.ActiveParams, tied.ActiveNonEmbedding, tied.ActiveWithEmbedding)
	}
}
