package bench

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/tokenizer"
)

// wordTokenizer is a byte-level BPE tokenizer.json whose merges build a few
// whole words, with a BOS template (like Llama-3's), so ids are not just bytes.
func wordTokenizer(t *testing.T) *tokenizer.Tokenizer {
	t.Helper()
	vocab := map[string]int{}
	n := 0
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' {
			vocab[string(rune(b))] = n
		} else if b == ' ' {
			vocab["Ġ"] = n
		} else if b == '\n' {
			vocab["Ċ"] = n
		} else {
			continue
		}
		n++
	}
	var merges [][2]string
	for _, w := range []string{"th", "the", "Ġt", "Ġth", "Ġthe", "an", "and", "Ġa", "Ġan", "Ġand"} {
		merges = append(merges, [2]string{w[:len(w)-1], w[len(w)-1:]}) // every word ends in an ASCII letter
		vocab[w] = n
		n++
	}
	tj := map[string]any{
		"added_tokens":  []map[string]any{{"id": n, "content": "<s>", "special": true}},
		"pre_tokenizer": map[string]any{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
		"post_processor": map[string]any{"type": "TemplateProcessing",
			"single":         []any{map[string]any{"SpecialToken": map[string]any{"id": "<s>"}}, map[string]any{"Sequence": map[string]any{"id": "A"}}},
			"special_tokens": map[string]any{"<s>": map[string]any{"ids": []int{n}}}},
		"model": map[string]any{"type": "BPE", "vocab": vocab, "merges": merges},
	}
	b, _ := json.Marshal(tj)
	tok, err := tokenizer.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	tok.Source = "/models/word/tokenizer.json"
	return tok
}

func TestCorpus(t *testing.T) {
	if len(Corpus) < 30_000 || len(Corpus) > 100_000 {
		t.Fatalf("corpus is %d bytes", len(Corpus))
	}
	for i := 0; i < len(Corpus); i++ {
		if Corpus[i] > 0x7e || Corpus[i] < 0x20 && Corpus[i] != '\n' {
			t.Fatalf("byte %d is %q: the corpus is plain ASCII (Unicode normalizers are identity on it)", i, Corpus[i])
		}
	}
	ps := CorpusPassages()
	if len(ps) < 50 {
		t.Fatalf("%d passages", len(ps))
	}
	for _, p := range ps {
		if strings.HasPrefix(p, "#") || strings.Contains(p, "\n\n") {
			t.Fatalf("passage %q", p[:min(40, len(p))])
		}
	}
}

func TestFitIDs(t *testing.T) {
	cases := []struct {
		in   []int
		n    int
		want []int
	}{
		{[]int{1, 2, 3, 4}, 2, []int{1, 2}},
		{[]int{1, 2, 3}, 7, []int{1, 2, 3, 1, 2, 3, 1}},
		{[]int{1, 2, 3}, 3, []int{1, 2, 3}},
		{[]int{5}, 4, []int{5, 5, 5, 5}},
	}
	for _, c := range cases {
		if got := FitIDs(c.in, c.n); !reflect.DeepEqual(got, c.want) {
			t.Errorf("FitIDs(%v, %d) = %v, want %v", c.in, c.n, got, c.want)
		}
	}
	if got := FitIDs(nil, 3); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
}

// TestTextPrompts: every prompt has exactly input_len ids, starts with the
// tokenizer's own encoding of a corpus passage (BOS first), batches differ from
// draw to draw, a fresh session repeats the sequence (seed 42), and a batch
// larger than the corpus has no two prompts alike.
func TestTextPrompts(t *testing.T) {
	tok := wordTokenizer(t)
	p := NewTextPrompter(tok)
	if p.Kind() != "text:/models/word/tokenizer.json" || p.Seed() != TextSeed {
		t.Fatalf("kind %q seed %d", p.Kind(), p.Seed())
	}
	encoded := map[string]bool{}
	for _, ps := range CorpusPassages() {
		ids := tok.Encode(ps)
		encoded[idKey(ids[:min(24, len(ids))])] = true
	}
	first := p.Prompts(4, 2048)
	for _, n := range []int{1, 17, 300, 2048} {
		for _, pr := range p.Prompts(3, n) {
			if len(pr) != n {
				t.Fatalf("prompt of %d ids, want %d", len(pr), n)
			}
		}
	}
	for _, pr := range first {
		if len(pr) != 2048 || !encoded[idKey(pr[:24])] {
			t.Fatalf("prompt does not start with an encoded passage: %v", pr[:24])
		}
	}
	again := NewTextPrompter(tok).Prompts(4, 2048)
	if !reflect.DeepEqual(first, again) {
		t.Fatal("a new session must draw the same first batch (seed 42)")
	}
	if reflect.DeepEqual(first, p.Prompts(4, 2048)) {
		t.Fatal("successive draws must differ")
	}
	big := p.Prompts(3*len(CorpusPassages()), 64)
	seen := map[string]bool{}
	for _, pr := range big {
		k := idKey(pr)
		if seen[k] {
			t.Fatal("two prompts of one batch are the same")
		}
		seen[k] = true
	}
}

func idKey(ids []int) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

func TestWarmupCasesPerBatchSize(t *testing.T) {
	cases := []plan.Case{{BatchSize: 8, InputLen: 4096, OutputLen: 512}, {BatchSize: 1, InputLen: 4096, OutputLen: 512}, {BatchSize: 8, InputLen: 8192, OutputLen: 16}}
	got := WarmupCases(cases)
	want := []plan.Case{{BatchSize: 8, InputLen: 1024, OutputLen: 16}, {BatchSize: 1, InputLen: 1024, OutputLen: 16}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%v", got)
	}
}
