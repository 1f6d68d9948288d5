package quality

import (
	"strings"
	"testing"
)

func seq(s string) []string { return strings.Split(s, " ") }

func TestSequences(t *testing.T) {
	for _, c := range []struct {
		ref, got             string
		matched, comp, first int
	}{
		{"a b c d", "a b c d", 4, 4, -1},
		{"a b c d", "a b x d", 3, 4, 2},     // one flip, then back in step
		{"a b c d", "x b c d", 3, 4, 0},     // first token differs
		{"a b c d", "a b", 2, 4, 2},         // stopped early: the missing positions count
		{"a b", "a b c d", 2, 4, 2},         // went on longer
		{"a b c d", "b c d e", 0, 4, 0},     // shifted by one: nothing agrees
		{"a a a a a", "a a a a b", 4, 5, 4}, // diverges at the last position
	} {
		m, n, f := Sequences(seq(c.ref), seq(c.got))
		if m != c.matched || n != c.comp || f != c.first {
			t.Errorf("%q vs %q: matched %d of %d, first %d; want %d of %d, first %d", c.ref, c.got, m, n, f, c.matched, c.comp, c.first)
		}
	}
}

func TestCompareOverPrompts(t *testing.T) {
	ref := []Output{
		{Prompt: 0, IDs: []int{1, 2, 3, 4}, Source: SourceEngine},
		{Prompt: 1, IDs: []int{5, 6, 7, 8}, Source: SourceEngine},
	}
	same := Compare(ref, ref)
	if same.Rate != 1 || same.FirstDivergence != nil || same.Diverged != 0 || same.Compared != 8 {
		t.Fatalf("identical outputs: %+v", same)
	}
	got := []Output{
		{Prompt: 1, IDs: []int{5, 6, 9, 8}, Source: SourceEngine}, // order of prompts does not matter
		{Prompt: 0, IDs: []int{1, 2, 3, 4, 9, 9}, Source: SourceEngine},
	}
	a := Compare(ref, got)
	// prompt 0: 4 of 6 (ran two tokens longer), diverges at 4; prompt 1: 3 of 4, at 2.
	if a.Matched != 7 || a.Compared != 10 || a.Rate != 0.7 || *a.FirstDivergence != 2 || a.Diverged != 2 {
		t.Fatalf("got %+v, want 7/10 = 0.7, first divergence 2, 2 prompts", a)
	}
	if *a.PerPrompt[0] != 4 || *a.PerPrompt[1] != 2 || a.Source != SourceEngine {
		t.Fatalf("per prompt %v, source %s", a.PerPrompt, a.Source)
	}
	missing := Compare(ref, got[:1])
	if missing.Matched != 3 || missing.Compared != 8 || *missing.FirstDivergence != 0 {
		t.Fatalf("a prompt without output must count as diverged at 0: %+v", missing)
	}
}

// Outputs whose token sources differ compare by the characters of their text.
func TestCompareMixedSources(t *testing.T) {
	ref := []Output{{Prompt: 0, Text: "abcd", Pieces: []string{"ab", "cd"}, Source: SourceStream}}
	got := []Output{{Prompt: 0, Text: "abxd", IDs: []int{1, 2, 3}, Source: SourceTokenizer}}
	a := Compare(ref, got)
	if a.Source != SourceText || a.Matched != 3 || a.Compared != 4 || *a.FirstDivergence != 2 {
		t.Fatalf("got %+v", a)
	}
	streamed := Compare(ref, []Output{{Prompt: 0, Text: "abce", Pieces: []string{"ab", "ce"}, Source: SourceStream}})
	if streamed.Source != SourceStream || streamed.Matched != 1 || streamed.Compared != 2 || *streamed.FirstDivergence != 1 {
		t.Fatalf("pieces compare as tokens: %+v", streamed)
	}
}

func TestJudge(t *testing.T) {
	outs := func(ids ...int) []Output { return []Output{{Prompt: 0, IDs: ids, Source: SourceEngine}} }
	ref := Record{ConfigID: "m--f16", Reference: "m--f16", MinAgreement: 0.9, PromptSet: "p", Outputs: outs(1, 2, 3, 4)}
	if r := Judge(ref, nil); r.Flagged || *r.Agreement != 1 || r.FirstDivergence != nil || r.TokensCompared != 4 {
		t.Fatalf("the reference judged against itself: %+v", r)
	}
	q8 := Record{ConfigID: "m--q8", Reference: "m--f16", MinAgreement: 0.9, PromptSet: "p", Outputs: outs(1, 2, 3, 4)}
	if r := Judge(q8, &ref); r.Flagged || *r.Agreement != 1 {
		t.Fatalf("identical outputs flagged: %+v", r)
	}
	q4 := Record{ConfigID: "m--q4", Reference: "m--f16", MinAgreement: 0.9, PromptSet: "p", Outputs: outs(1, 2, 7, 4)}
	r := Judge(q4, &ref)
	if !r.Flagged || *r.Agreement != 0.75 || *r.FirstDivergence != 2 || !strings.Contains(r.Note, "75.0% with m--f16 is below min_agreement 90.0%") {
		t.Fatalf("q4 at 75%%: %+v", r)
	}
	q4.MinAgreement = 0.75 // at the threshold passes
	if r := Judge(q4, &ref); r.Flagged {
		t.Fatalf("agreement equal to min_agreement flagged: %+v", r)
	}
	if r := Judge(q4, nil); r.Flagged || r.Agreement != nil || !strings.Contains(r.Note, "no quality record") {
		t.Fatalf("without the reference: %+v", r)
	}
	other := ref
	other.PromptSet = "q"
	if r := Judge(q4, &other); r.Agreement != nil || !strings.Contains(r.Note, "other prompts") {
		t.Fatalf("other prompt set: %+v", r)
	}
	failed := Record{ConfigID: "m--x", Reference: "m--f16", Error: "connection refused"}
	if r := Judge(failed, &ref); !r.Flagged || !strings.Contains(r.Note, "could not finish") {
		t.Fatalf("failed guard: %+v", r)
	}
	min := 0.5
	acc := Record{ConfigID: "m--f16", Reference: "m--f16", MinAgreement: 0.9, MinAccuracy: &min, Outputs: outs(1), Dataset: &DatasetScore{Items: 4, Correct: 1, Accuracy: 0.25}}
	if r := Judge(acc, nil); !r.Flagged || *r.Accuracy != 0.25 || !strings.Contains(r.Note, "accuracy 25.0% is below min_accuracy 50.0%") {
		t.Fatalf("accuracy below min_accuracy: %+v", r)
	}
}

func TestEvaluateUsesLatestRecords(t *testing.T) {
	outs := func(ids ...int) []Output { return []Output{{Prompt: 0, IDs: ids, Source: SourceEngine}} }
	recs := []Record{
		{ConfigID: "a", Reference: "a", MinAgreement: 0.9, Outputs: outs(1, 2)},
		{ConfigID: "b", Reference: "a", MinAgreement: 0.9, Outputs: outs(1, 3)},
		{ConfigID: "a", Reference: "a", MinAgreement: 0.9, Outputs: outs(1, 3)}, // the reference ran again (resume)
	}
	ev := Evaluate(recs)
	if *ev["b"].Agreement != 1 || ev["b"].Flagged || len(ev) != 2 {
		t.Fatalf("b against the latest reference record: %+v", ev)
	}
}

func TestReferences(t *testing.T) {
	cfgs := []Config{{"x--a", "x", false}, {"x--b", "x", true}, {"x--c", "x", true}, {"y--a", "y", true}, {"y--b", "y", true}}
	got := References(cfgs, "")
	if got["x--a"] != "x--b" || got["x--c"] != "x--b" || got["y--b"] != "y--a" {
		t.Fatalf("first configuration that runs: %v", got)
	}
	got = References(cfgs, "y--b")
	if got["y--a"] != "y--b" || got["x--c"] != "x--b" {
		t.Fatalf("explicit reference for its model only: %v", got)
	}
}
