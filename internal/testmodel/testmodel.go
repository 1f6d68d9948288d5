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

// Sizes lists the sizes Write supports.
var Sizes = []string{"tiny", "small"}

// Shape is the size of a generated model.
type Shape struct {
	Hidden, Layers, Heads, HeadDim int
	Intermediate                   int // dense MLP
	Experts, ExpertsUsed, MoEInter int
	SharedExperts                  int
	DenseLayers                    int // DeepSeek: first_k_dense_replace
	QLoraRank, KVLoraRank          int
	RopeDim, NopeDim, VDim         int
	Context                        int
}

// ShapeOf returns the shape for an architecture and size.
func ShapeOf(arch, size string) (Shape, error) {
	s := Shape{Hidden: 128, Layers: 2, Heads: 4, HeadDim: 32, Intermediate: 256, Experts: 8, ExpertsUsed: 2, MoEInter: 64,
		SharedExperts: 1, DenseLayers: 1, QLoraRank: 64, KVLoraRank: 32, RopeDim: 16, NopeDim: 32, VDim: 32, Context: 8192}
	switch size {
	case "tiny":
	case "small":
		s = Shape{Hidden: 256, Layers: 4, Heads: 8, HeadDim: 32, Intermediate: 768, Experts: 16, ExpertsUsed: 4, MoEInter: 256,
			SharedExperts: 1, DenseLayers: 1, QLoraRank: 128, KVLoraRank: 64, RopeDim: 32, NopeDim: 32, VDim: 32, Context: 8192}
	default:
		return s, fmt.Errorf("size %q is not one of tiny, small", size)
	}
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
