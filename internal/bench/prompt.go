package bench

import "math/rand/v2"

// PromptVocab is the range of random token ids, as SGLang's benchmark uses.
const PromptVocab = 16384

// Prompt kinds recorded in results (results.Result.Prompts).
const (
	PromptsText      = "text"
	PromptsRandomIDs = "random-ids"
)

// Prompter makes the prompts of each request batch.
type Prompter interface {
	// Prompts returns bs prompts of exactly inputLen token ids.
	Prompts(bs, inputLen int) [][]int
	// Kind is what the results record: "random-ids" or "text:<tokenizer source>".
	Kind() string
	// Seed is the seed of the last batch (recorded as prompt_seed).
	Seed() uint64
}

// RandomPrompts returns bs prompts of inputLen random token ids in [0, PromptVocab).
// A fresh seed per case keeps prefix caches from short-cutting the prefill.
func RandomPrompts(seed uint64, bs, inputLen int) [][]int {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([][]int, bs)
	for i := range out {
		p := make([]int, inputLen)
		for j := range p {
			p[j] = r.IntN(PromptVocab)
		}
		out[i] = p
	}
	return out
}

// randomPrompter draws uniform random ids with a fresh seed per batch (the
// 2024 harness; kept as `prompts: random-ids`, and for engines that take text only).
type randomPrompter struct{ seed uint64 }

func (r *randomPrompter) Prompts(bs, inputLen int) [][]int {
	r.seed = rand.Uint64()
	return RandomPrompts(r.seed, bs, inputLen)
}

func (r *randomPrompter) Kind() string { return PromptsRandomIDs }
func (r *randomPrompter) Seed() uint64 { return r.seed }
