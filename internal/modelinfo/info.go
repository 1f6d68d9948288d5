// Package modelinfo reads a Hugging Face config.json and derives what
// pre-flight checks need: parameter counts (total and active per token), the
// attention kind and KV-cache bytes per token, expert layout, weight dtype and
// quantization, and the checkpoint's size in bytes. It understands dense
// models, MoE models with DeepSeek/Kimi/GLM, Qwen and MiniMax/Mixtral naming,
// MLA and GQA attention, FP8 block quantization and compressed-tensors INT4.
package modelinfo

// Info describes a model for pre-flight checks.
type Info struct {
	Source       string `json:"source"`
	Architecture string `json:"architecture"`
	ModelType    string `json:"model_type"`

	TotalParams  int64 `json:"total_params"`
	ActiveParams int64 `json:"active_params"`
	// ActiveParams counts as model cards do: the output projection but not the
	// input-embedding lookup. ActiveNonEmbedding leaves out both (MiniMax's
	// convention); ActiveWithEmbedding counts both.
	ActiveNonEmbedding  int64 `json:"active_params_non_embedding"`
	ActiveWithEmbedding int64 `json:"active_params_with_embedding"`
	// Parts are the parameter counts per component (embed, lm_head, attention,
	// dense_mlp, experts, shared_experts, router, norms, vision).
	Parts     Parts `json:"parts"`
	MTPParams int64 `json:"mtp_params,omitempty"`

	Layers       int `json:"layers"`
	DenseLayers  int `json:"dense_layers,omitempty"`
	Hidden       int `json:"hidden_size"`
	Vocab        int `json:"vocab_size"`
	Heads        int `json:"attention_heads"`
	KVHeads      int `json:"kv_heads"`
	HeadDim      int `json:"head_dim"`
	Intermediate int `json:"intermediate_size,omitempty"`

	Experts         int `json:"experts"`
	ExpertsPerToken int `json:"experts_per_token"`
	SharedExperts   int `json:"shared_experts,omitempty"`
	MoEIntermediate int `json:"moe_intermediate_size,omitempty"`

	Attention string `json:"attention"` // "GQA" or "MLA"
	// KVBytesPerToken is the KV cache of one token at TP1 with a 16-bit cache.
	KVBytesPerToken int64 `json:"kv_bytes_per_token"`
	KVLoraRank      int   `json:"kv_lora_rank,omitempty"`
	QKRopeDim       int   `json:"qk_rope_head_dim,omitempty"`

	WeightDtype  string        `json:"weight_dtype"`
	WeightBytes  int64         `json:"weight_bytes"`
	Quantization *Quantization `json:"quantization"`

	Vision int64 `json:"vision_params,omitempty"`
}

// IsMoE reports whether the model has routed experts.
func (i *Info) IsMoE() bool { return i.Experts > 0 }

// KVBytesPerTokenPerGPU is the KV cache one token takes on each GPU at tp:
// GQA heads split over TP (replicated when tp > kv heads); MLA is not split.
func (i *Info) KVBytesPerTokenPerGPU(tp int, dtypeBytes int) int64 {
	if i.Attention == "MLA" {
		return int64(i.Layers) * int64(i.KVLoraRank+i.QKRopeDim) * int64(dtypeBytes)
	}
	heads := i.KVHeads / tp
	if heads < 1 {
		heads = 1
	}
	return 2 * int64(i.Layers) * int64(heads) * int64(i.HeadDim) * int64(dtypeBytes)
}
