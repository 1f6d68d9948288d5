package testmodel

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
)

// writeLlama writes a dense LlamaForCausalLM directory with GQA attention.
func writeLlama(dir string, s Shape, rng *rand.Rand) error {
	h := s.Hidden
	kvHeads := max(1, s.Heads/2)
	cfg := map[string]any{
		"architectures": []string{"LlamaForCausalLM"}, "model_type": "llama", "vocab_size": Vocab,
		"hidden_size": h, "intermediate_size": s.Intermediate, "num_hidden_layers": s.Layers,
		"num_attention_heads": s.Heads, "num_key_value_heads": kvHeads, "head_dim": s.HeadDim,
		"max_position_embeddings": s.Context, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu",
		"tie_word_embeddings": false, "bos_token_id": BOSID, "eos_token_id": EOSID, "torch_dtype": "bfloat16",
		"attention_bias": false, "mlp_bias": false, "transformers_version": "4.46.3",
	}
	ts, err := startHFModel(dir, cfg, h, rng)
	if err != nil {
		return err
	}
	const std = 0.02
	for l := 0; l < s.Layers; l++ {
		p := fmt.Sprintf("model.layers.%d.", l)
		ts = append(ts,
			vec(p+"input_layernorm.weight", ones(h)),
			vec(p+"post_attention_layernorm.weight", ones(h)),
			mat(p+"self_attn.q_proj.weight", random(rng, s.Heads*s.HeadDim, h, std, 1)),
			mat(p+"self_attn.k_proj.weight", random(rng, kvHeads*s.HeadDim, h, std, 1)),
			mat(p+"self_attn.v_proj.weight", random(rng, kvHeads*s.HeadDim, h, std, 1)),
			mat(p+"self_attn.o_proj.weight", random(rng, h, s.Heads*s.HeadDim, std, ResidualScale)),
			mat(p+"mlp.gate_proj.weight", random(rng, s.Intermediate, h, std, 1)),
			mat(p+"mlp.up_proj.weight", random(rng, s.Intermediate, h, std, 1)),
			mat(p+"mlp.down_proj.weight", random(rng, h, s.Intermediate, std, ResidualScale)))
	}
	return writeSafetensors(filepath.Join(dir, "model.safetensors"), ts)
}
