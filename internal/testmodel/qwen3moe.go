package testmodel

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
)

// writeQwen3MoE writes a GGUF file of architecture qwen3moe (Ollama v0.17.4's
// converter rejects Qwen3MoeForCausalLM, but its runner serves this GGUF), plus
// the matching Hugging Face config.json for pre-flight checks.
func writeQwen3MoE(dir string, s Shape, rng *rand.Rand) (string, error) {
	h, hd := s.Hidden, s.HeadDim
	kvHeads := s.kvHeads()
	cfg := map[string]any{
		"architectures": []string{"Qwen3MoeForCausalLM"}, "model_type": "qwen3_moe", "vocab_size": Vocab,
		"hidden_size": h, "intermediate_size": s.Intermediate, "moe_intermediate_size": s.MoEInter,
		"num_hidden_layers": s.Layers, "num_attention_heads": s.Heads, "num_key_value_heads": kvHeads, "head_dim": hd,
		"num_experts": s.Experts, "num_experts_per_tok": s.ExpertsUsed, "norm_topk_prob": true, "decoder_sparse_step": 1,
		"mlp_only_layers": []int{}, "max_position_embeddings": s.Context, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
		"tie_word_embeddings": false, "bos_token_id": BOSID, "eos_token_id": EOSID, "torch_dtype": "float16",
		"hidden_act": "silu", "transformers_version": "4.51.0",
	}
	if err := writeJSON(filepath.Join(dir, "config.json"), cfg); err != nil {
		return "", err
	}
	kvs := qwen3MoEKVs(s, kvHeads)
	const std = 0.02
	g := newGen(rng)
	lin := func(name string, out, in int, scale float64) gtensor {
		return gtensor{name: name, dims: []uint64{uint64(in), uint64(out)}, typ: ggmlF16, lz: g.mat(out, in, std*scale)}
	}
	norm := func(name string, n int) gtensor {
		return gtensor{name: name, dims: []uint64{uint64(n)}, typ: ggmlF32, data: ones(n)}
	}
	ts := []gtensor{
		{name: "token_embd.weight", dims: []uint64{uint64(h), Vocab}, typ: ggmlF16, data: flatten(embedding(h, rng))},
		norm("output_norm.weight", h),
		{name: "output.weight", dims: []uint64{uint64(h), Vocab}, typ: ggmlF16, data: flatten(headFor(s))},
	}
	experts := func(name string, out, in int, scale float64) gtensor {
		return gtensor{name: name, dims: []uint64{uint64(in), uint64(out), uint64(s.Experts)}, typ: ggmlF16, lz: g.mat(out*s.Experts, in, std*scale)}
	}
	for l := 0; l < s.Layers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		ts = append(ts,
			norm(p+"attn_norm.weight", h),
			lin(p+"attn_q.weight", s.Heads*hd, h, 1),
			lin(p+"attn_k.weight", kvHeads*hd, h, 1),
			lin(p+"attn_v.weight", kvHeads*hd, h, 1),
			lin(p+"attn_output.weight", h, s.Heads*hd, s.residual(s.Heads*hd)),
			norm(p+"attn_q_norm.weight", hd),
			norm(p+"attn_k_norm.weight", hd),
			norm(p+"ffn_norm.weight", h),
			gtensor{name: p + "ffn_gate_inp.weight", dims: []uint64{uint64(h), uint64(s.Experts)}, typ: ggmlF32, lz: g.mat(s.Experts, h, std)},
			experts(p+"ffn_gate_exps.weight", s.MoEInter, h, 1),
			experts(p+"ffn_up_exps.weight", s.MoEInter, h, 1),
			experts(p+"ffn_down_exps.weight", h, s.MoEInter, s.residual(s.MoEInter)),
		)
	}
	path := filepath.Join(dir, "model.gguf")
	return path, writeGGUF(path, kvs, ts)
}

// qwen3MoEKVs is the GGUF metadata of a Qwen3-MoE test model (llama.cpp's
// qwen3moe keys and the one-byte tokenizer).
func qwen3MoEKVs(s Shape, kvHeads int) []kv {
	h, hd := s.Hidden, s.HeadDim
	types := make([]int32, Vocab)
	for i := range types {
		types[i] = 1 // normal
	}
	types[BOSID], types[EOSID] = 3, 3 // control
	a := "qwen3moe."
	return []kv{
		{"general.architecture", "qwen3moe"},
		{"general.name", "servesweep " + s.Size + " qwen3moe"},
		{"general.file_type", uint32(1)},
		{a + "block_count", uint32(s.Layers)},
		{a + "context_length", uint32(s.Context)},
		{a + "embedding_length", uint32(h)},
		{a + "feed_forward_length", uint32(s.Intermediate)},
		{a + "expert_feed_forward_length", uint32(s.MoEInter)},
		{a + "attention.head_count", uint32(s.Heads)},
		{a + "attention.head_count_kv", uint32(kvHeads)},
		{a + "attention.key_length", uint32(hd)},
		{a + "attention.value_length", uint32(hd)},
		{a + "attention.layer_norm_rms_epsilon", float32(1e-6)},
		{a + "rope.freq_base", float32(1e6)},
		{a + "expert_count", uint32(s.Experts)},
		{a + "expert_used_count", uint32(s.ExpertsUsed)},
		{"tokenizer.ggml.model", "gpt2"},
		{"tokenizer.ggml.pre", "qwen2"},
		{"tokenizer.ggml.tokens", TokenStrings()},
		{"tokenizer.ggml.token_type", types},
		{"tokenizer.ggml.merges", Merges()},
		{"tokenizer.ggml.bos_token_id", uint32(BOSID)},
		{"tokenizer.ggml.eos_token_id", uint32(EOSID)},
		{"tokenizer.ggml.padding_token_id", uint32(EOSID)},
		{"tokenizer.ggml.add_bos_token", false},
		{"tokenizer.ggml.add_eos_token", false},
	}
}
