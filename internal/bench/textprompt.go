package bench

import (
	_ "embed"
	"math/rand/v2"
	"strings"

	"github.com/servesweep/servesweep/internal/tokenizer"
)

// Corpus is servesweep's public-domain prompt text (provenance in its header).
//
//go:embed corpus/corpus.txt
var Corpus string

// TextSeed is the seed of SGLang's benchmark (bench_one_batch_server.py
// BenchArgs.seed = 42, set once with random.seed / np.random.seed).
const TextSeed = 42

// CorpusPassages splits the corpus into passages: blank-line separated, '#'
// comment lines dropped.
func CorpusPassages() []string {
	var out []string
	for _, block := range strings.Split(Corpus, "\n\n") {
		var lines []string
		for _, l := range strings.Split(block, "\n") {
			if !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		if p := strings.TrimSpace(strings.Join(lines, "\n")); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// textPrompter builds prompts as SGLang's sample_random_requests does with
// random_sample=True, return_text=False (python/sglang/bench_serving.py): the
// passages are shuffled by one random stream seeded 42 for the whole session,
// and the i-th prompt of a batch is the i-th passage, encoded with the model's
// own tokenizer (tokenizer.encode, so with BOS where the model adds one), cut
// to input_len ids or repeated until it reaches them. ShareGPT's ~90k
// conversations are replaced by the corpus's passages; a batch larger than the
// corpus reuses passages rotated by one id per round, so no two prompts of a
// batch share a prefix that a radix cache could reuse.
type textPrompter struct {
	passages [][]int
	rng      *rand.Rand
	source   string
}

// NewTextPrompter encodes the corpus with tok.
func NewTextPrompter(tok *tokenizer.Tokenizer) Prompter {
	t := &textPrompter{rng: rand.New(rand.NewPCG(TextSeed, TextSeed)), source: tok.Source}
	for _, p := range CorpusPassages() {
		if ids := tok.Encode(p); len(ids) > 0 {
			t.passages = append(t.passages, ids)
		}
	}
	return t
}

func (t *textPrompter) Prompts(bs, inputLen int) [][]int {
	if len(t.passages) == 0 {
		return RandomPrompts(TextSeed, bs, inputLen)
	}
	perm := t.rng.Perm(len(t.passages))
	out := make([][]int, bs)
	for i := range out {
		p := t.passages[perm[i%len(perm)]]
		if round := i / len(perm); round > 0 {
			k := round % len(p)
			p = append(append([]int{}, p[k:]...), p[:k]...)
		}
		out[i] = FitIDs(p, inputLen)
	}
	return out
}

func (t *textPrompter) Kind() string { return PromptsText + ":" + t.source }
func (t *textPrompter) Seed() uint64 { return TextSeed }

// FitIDs cuts ids to n or repeats them until n, as sample_random_requests does:
// ids[:n] when longer, else (ids * ceil(n/len))[:n].
func FitIDs(ids []int, n int) []int {
	out := make([]int, 0, n)
	if len(ids) == 0 {
		return out
	}
	for len(out) < n {
		out = append(out, ids[:min(len(ids), n-len(out))]...)
	}
	return out
}
