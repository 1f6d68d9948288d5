// Package testmodel writes random-weight models that Ollama can load, for the
// demo and the integration tests: a DeepSeek-V3 or Llama Hugging Face directory
// (config.json, tokenizer.json, tokenizer_config.json, model.safetensors) or a
// Qwen3-MoE GGUF file.
//
// Speed depends on shapes, not values, so random weights measure an engine
// faithfully. To make every request run to its full length without ignore_eos,
// the weights make EOS unreachable by construction (see eos.go): a one-byte
// tokenizer, orthogonal embeddings for printable ASCII, residual branches scaled
// down, and output rows in ± pairs chained into one long cycle, so greedy
// decoding never emits EOS and never repeats a token.
package testmodel

import (
	"fmt"
	"math/rand/v2"
	"os"
)

// Archs lists the architectures Write supports.
var Archs = []string{"deepseek-v3", "qwen3-moe", "llama"}

// Sizes lists the sizes Write supports: tiny and small for CPU tests, medium
// (≈0.5 B parameters as qwen3-moe, head dimension 64) and large (≈4 B as
// qwen3-moe or deepseek-v3, ≈1.7 B as llama, head dimension 128) for GPUs.
var Sizes = []string{"tiny", "small", "medium", "large"}

// Shape is the size of a generated model.
type Shape struct {
	Size                           string
	Hidden, Layers, Heads, HeadDim int
	KVHeads                        int // 0: Heads/2
	Intermediate                   int // dense MLP
	Experts, ExpertsUsed, MoEInter int
	SharedExperts                  int
	DenseLayers                    int // DeepSeek: first_k_dense_replace
	QLoraRank, KVLoraRank          int
	RopeDim, NopeDim, VDim         int
	Context                        int
	// Margin is the logit margin of the small-margin variant (see margin.go):
	// 0 for the default wide margins.
	Margin float64
}

func (s Shape) kvHeads() int {
	if s.KVHeads > 0 {
		return s.KVHeads
	}
	return max(1, s.Heads/2)
}

// shapes by size. medium and large have the head dimensions ggml-cuda's
// flash-attention kernels take (64, 128; the tiny models' 32 runs FA on the
// CPU), grouped-query attention, and MoE layers of real proportions:
// medium 32 experts, top-8; large like Qwen3-30B-A3B's layers (hidden 2048,
// head dimension 128, 4 KV heads, top-8 of experts of width 768) with fewer
// layers and experts; DeepSeek's MLA ranks are V3's (q 1536→768 for large,
// KV 512, rope 64, nope/v 128).
var shapes = map[string]Shape{
	"tiny": {Hidden: 128, Layers: 2, Heads: 4, HeadDim: 32, Intermediate: 256, Experts: 8, ExpertsUsed: 2, MoEInter: 64,
		SharedExperts: 1, DenseLayers: 1, QLoraRank: 64, KVLoraRank: 32, RopeDim: 16, NopeDim: 32, VDim: 32, Context: 8192},
	"small": {Hidden: 256, Layers: 4, Heads: 8, HeadDim: 32, Intermediate: 768, Experts: 16, ExpertsUsed: 4, MoEInter: 256,
		SharedExperts: 1, DenseLayers: 1, QLoraRank: 128, KVLoraRank: 64, RopeDim: 32, NopeDim: 32, VDim: 32, Context: 8192},
	"medium": {Hidden: 1024, Layers: 12, Heads: 16, HeadDim: 64, KVHeads: 4, Intermediate: 2816, Experts: 32, ExpertsUsed: 8, MoEInter: 512,
		SharedExperts: 1, DenseLayers: 1, QLoraRank: 384, KVLoraRank: 256, RopeDim: 32, NopeDim: 64, VDim: 64, Context: 8192},
	"large": {Hidden: 2048, Layers: 24, Heads: 32, HeadDim: 128, KVHeads: 4, Intermediate: 8192, Experts: 32, ExpertsUsed: 8, MoEInter: 768,
		SharedExperts: 1, DenseLayers: 1, QLoraRank: 768, KVLoraRank: 512, RopeDim: 64, NopeDim: 128, VDim: 128, Context: 8192},
}

// ShapeOf returns the shape for an architecture and size.
func ShapeOf(arch, size string) (Shape, error) {
	s, ok := shapes[size]
	if !ok {
		return s, fmt.Errorf("size %q is not one of tiny, small, medium, large", size)
	}
	s.Size = size
	switch arch {
	case "deepseek-v3", "qwen3-moe", "llama":
	default:
		return s, fmt.Errorf("arch %q is not one of deepseek-v3, qwen3-moe, llama", arch)
	}
	return s, nil
}

// Write generates a model of arch and size under out and returns the path to
// give `ollama create` (the directory, or the .gguf file).
func Write(arch, size, out string, seed uint64) (string, error) {
	s, err := ShapeOf(arch, size)
	if err != nil {
		return "", err
	}
	return write(arch, s, out, seed)
}

// write generates a model of shape s.
func write(arch string, s Shape, out string, seed uint64) (string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	rng := rand.New(rand.NewPCG(seed, seed+1))
	switch arch {
	case "deepseek-v3":
		return out, writeDeepSeek(out, s, rng)
	case "llama":
		return out, writeLlama(out, s, rng)
	default:
		return writeQwen3MoE(out, s, rng)
	}
}
