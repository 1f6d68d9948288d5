package bench

import "math/rand/v2"

// PromptVocab is the range of random token ids, as SGLang's benchmark uses.
const PromptVocab = 16384

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
