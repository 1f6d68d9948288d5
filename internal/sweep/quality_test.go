package sweep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/quality"
)

const qualityBase = "engine: sim\nmodels:\n  m: {path: a/b}\n"

func TestQualityDefaultsAndKeys(t *testing.T) {
	f, err := Parse("s.yaml", []byte(qualityBase+"quality: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	q := f.Quality
	if q == nil || len(q.Prompts) != len(quality.Prompts) || q.MaxTokens != quality.DefaultMaxTokens || q.MinAgreement != quality.DefaultMinAgreement || q.Reference != "" {
		t.Fatalf("defaults: %+v", q)
	}
	if f, _ := Parse("s.yaml", []byte(qualityBase)); f.Quality != nil {
		t.Fatal("no quality: section, no guard")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "gsm.jsonl"), []byte(`{"question": "1+1?", "answer": "#### 2"}`+"\n"+`{"question": "2+2?", "answer": "#### 4"}`+"\n"), 0o644)
	src := filepath.Join(dir, "s.yaml")
	f, err = Parse(src, []byte(qualityBase+`quality:
  reference: m--TP1
  prompts: ["one", "two"]
  max_tokens: 8
  min_agreement: 0.75
  dataset: gsm.jsonl
  limit: 1
  min_accuracy: 0.5
`))
	if err != nil {
		t.Fatal(err)
	}
	q = f.Quality
	if q.Reference != "m--TP1" || len(q.Prompts) != 2 || q.MaxTokens != 8 || q.MinAgreement != 0.75 || len(q.Items) != 1 || *q.MinAccuracy != 0.5 || q.Dataset != filepath.Join(dir, "gsm.jsonl") {
		t.Fatalf("%+v", q)
	}
	if f2, _ := Parse("s.yaml", []byte(qualityBase+"quality: {prompts: 3}\n")); len(f2.Quality.Prompts) != 3 {
		t.Fatal("prompts: 3 takes three built-in prompts")
	}
	if q.PromptSetID() == f2PromptSet(t) {
		t.Fatal("different prompts, same prompt set id")
	}
}

func f2PromptSet(t *testing.T) string {
	f, err := Parse("s.yaml", []byte(qualityBase+"quality: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return f.Quality.PromptSetID()
}

func TestQualityErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"quality: [1]\n", "s.yaml:4:10: quality must be a mapping"},
		{"quality: {min_agreement: 90}\n", "s.yaml:4:26: quality.min_agreement must be a fraction from 0 to 1"},
		{"quality: {prompts: 99}\n", "s.yaml:4:20: quality.prompts: there are 8 built-in prompts, 99 asked"},
		{"quality: {prompts: []}\n", "s.yaml:4:20: quality.prompts must not be empty"},
		{"quality: {max_tokens: 0}\n", "s.yaml:4:23"},
		{"quality: {min_accuracy: 0.5}\n", "s.yaml:4:25: quality.min_accuracy needs quality.dataset"},
		{"quality: {dataset: missing.jsonl}\n", "s.yaml:4:20: quality.dataset: open missing.jsonl"},
		{"quality: {refrence: x}\n", `s.yaml:4:11: unknown key "refrence" in quality (did you mean "reference"?)`},
	} {
		_, err := Parse("s.yaml", []byte(qualityBase+c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s→ %v\nwant %q", c.body, err, c.want)
		}
	}
}

func TestQualityReferenceMustBeAConfiguration(t *testing.T) {
	f, err := Parse("s.yaml", []byte(qualityBase+"quality:\n  reference: m--TP9\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Quality.CheckReference([]string{"m--TP1", "m--TP2"}); err == nil || err.Error() != `s.yaml:5:14: quality.reference "m--TP9" is not a configuration of this sweep (servesweep plan lists them: m--TP1, m--TP2)` {
		t.Fatalf("got %v", err)
	}
	if err := f.Quality.CheckReference([]string{"m--TP9"}); err != nil {
		t.Fatal(err)
	}
}
