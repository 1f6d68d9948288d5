package testmodel

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
)

// writeDeepSeek writes a DeepseekV3ForCausalLM directory: MLA attention, MoE
// with a shared expert, dense first layers, sigmoid routing with a correction bias.
func writeDeepSeek(dir string, s Shape, rng *rand.Rand) error {
	h := s.Hidden
	cfg := map[string]any{
		"architectures": []string{"DeepseekV3ForCausalLM"}, "model_type": "deepseek_v3",
		"vocab_size": Vocab, "hidden_size": h, "intermediate_size": s.Intermediate, "moe_intermediate_size": s.MoEInter,
		"num_hidden_layers": s.Layers, "num_attention_heads": s.Heads, "num_key_value_heads": s.Heads,
		"n_shared_experts": s.SharedExperts, "n_routed_experts": s.Experts, "num_experts_per_tok": s.ExpertsUsed,
		"routed_scaling_factor": 1.0, "n_group": 1, "topk_group": 1, "topk_method": "noaux_tc", "scoring_func": "sigmoid",
		"norm_topk_prob": true, "first_k_dense_replace": s.DenseLayers, "moe_layer_freq": 1,
		"q_lora_rank": s.QLoraRank, "kv_lora_rank": s.KVLoraRank, "qk_nope_head_dim": s.NopeDim, "qk_rope_head_dim": s.RopeDim,
		"v_head_dim": s.VDim, "max_position_embeddings": s.Context, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
		"rope_scaling": map[string]any{"type": "yarn", "factor": 1.0, "original_max_position_embeddings": s.Context,
			"beta_fast": 32, "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0},
		"hidden_act": "silu", "tie_word_embeddings": false, "bos_token_id": BOSID, "eos_token_id": EOSID,
		"torch_dtype": "bfloat16", "num_nextn_predict_layers": 0, "attention_bias": false,
		"transformers_version": "4.46.3",
	}
	ts, err := startHFModel(dir, cfg, s, rng)
	if err != nil {
		return err
	}
	const std = 0.02
	g := newGen(rng)
	qk := s.NopeDim + s.RopeDim
	for l := 0; l < s.Layers; l++ {
		p := fmt.Sprintf("model.layers.%d.", l)
		ts = append(ts,
			vec(p+"input_layernorm.weight", ones(h)),
			vec(p+"post_attention_layernorm.weight", ones(h)),
			rmat(p+"self_attn.q_a_proj.weight", g.mat(s.QLoraRank, h, std)),
			vec(p+"self_attn.q_a_layernorm.weight", ones(s.QLoraRank)),
			rmat(p+"self_attn.q_b_proj.weight", g.mat(s.Heads*qk, s.QLoraRank, std)),
			rmat(p+"self_attn.kv_a_proj_with_mqa.weight", g.mat(s.KVLoraRank+s.RopeDim, h, std)),
			vec(p+"self_attn.kv_a_layernorm.weight", ones(s.KVLoraRank)),
			rmat(p+"self_attn.kv_b_proj.weight", g.mat(s.Heads*(s.NopeDim+s.VDim), s.KVLoraRank, std)),
			rmat(p+"self_attn.o_proj.weight", g.mat(h, s.Heads*s.VDim, std*s.residual(s.Heads*s.VDim))),
		)
		if l < s.DenseLayers {
			ts = append(ts,
				rmat(p+"mlp.gate_proj.weight", g.mat(s.Intermediate, h, std)),
				rmat(p+"mlp.up_proj.weight", g.mat(s.Intermediate, h, std)),
				rmat(p+"mlp.down_proj.weight", g.mat(h, s.Intermediate, std*s.residual(s.Intermediate))))
			continue
		}
		ts = append(ts,
			rmat(p+"mlp.gate.weight", g.mat(s.Experts, h, std)),
			vec(p+"mlp.gate.e_score_correction_bias", make([]float32, s.Experts)),
			rmat(p+"mlp.shared_experts.gate_proj.weight", g.mat(s.MoEInter*s.SharedExperts, h, std)),
			rmat(p+"mlp.shared_experts.up_proj.weight", g.mat(s.MoEInter*s.SharedExperts, h, std)),
			rmat(p+"mlp.shared_experts.down_proj.weight", g.mat(h, s.MoEInter*s.SharedExperts, std*s.residual(s.MoEInter*s.SharedExperts))))
		for e := 0; e < s.Experts; e++ {
			q := fmt.Sprintf("%smlp.experts.%d.", p, e)
			ts = append(ts,
				rmat(q+"gate_proj.weight", g.mat(s.MoEInter, h, std)),
				rmat(q+"up_proj.weight", g.mat(s.MoEInter, h, std)),
				rmat(q+"down_proj.weight", g.mat(h, s.MoEInter, std*s.residual(s.MoEInter))))
		}
	}
	return writeSafetensors(filepath.Join(dir, "model.safetensors"), ts)
}
