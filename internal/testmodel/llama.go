package testmodel

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
)

// writeLlama writes a dense LlamaForCausalLM directory with GQA attention.
func writeLlama(dir string, s Shape, rng *rand.Rand) error {
	h := s.Hidden
	kvHeads := s.kvHeads()
	cfg := map[string]any{
		"architectures": []string{"LlamaForCausalLM"}, "model_type": "llama", "vocab_size": Vocab,
		"hidden_size": h, "intermediate_size": s.Intermediate, "num_hidden_layers": s.Layers,
		"num_attention_heads": s.Heads, "num_key_value_heads": kvHeads, "head_dim": s.HeadDim,
		"max_position_embeddings": s.Context, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu",
		"tie_word_embeddings": false, "bos_token_id": BOSID, "eos_token_id": EOSID, "torch_dtype": "bfloat16",
		"attention_bias": false, "mlp_bias": false, "transformers_version": "4.46.3",
	}
	ts, err := startHFModel(dir, cfg, s, rng)
	if err != nil {
		return err
	}
	const std = 0.02
	g := newGen(rng)
	for l := 0; l < s.Layers; l++ {
		p := fmt.Sprintf("model.layers.%d.", l)
		ts = append(ts,
			vec(p+"input_layernorm.weight", ones(h)),
			vec(p+"post_attention_layernorm.weight", ones(h)),
			rmat(p+"self_attn.q_proj.weight", g.mat(s.Heads*s.HeadDim, h, std)),
			rmat(p+"self_attn.k_proj.weight", g.mat(kvHeads*s.HeadDim, h, std)),
			rmat(p+"self_attn.v_proj.weight", g.mat(kvHeads*s.HeadDim, h, std)),
			rmat(p+"self_attn.o_proj.weight", g.mat(h, s.Heads*s.HeadDim, std*s.residual(s.Heads*s.HeadDim))),
			rmat(p+"mlp.gate_proj.weight", g.mat(s.Intermediate, h, std)),
			rmat(p+"mlp.up_proj.weight", g.mat(s.Intermediate, h, std)),
			rmat(p+"mlp.down_proj.weight", g.mat(h, s.Intermediate, std*s.residual(s.Intermediate))))
	}
	return writeSafetensors(filepath.Join(dir, "model.safetensors"), ts)
}
