package workload

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const dialogFile = `{"conversations": [{"from": "system", "value": "be brief"}, {"from": "human", "value": "one two three"}, {"from": "gpt", "value": "four five"}, {"from": "human", "value": "six seven eight nine"}, {"from": "gpt", "value": "ten"}, {"from": "human", "value": "eleven"}, {"from": "gpt", "value": "twelve thirteen fourteen"}]}
{"conversations": [{"from": "user", "value": "alpha beta"}, {"from": "assistant", "value": "gamma delta epsilon"}, {"from": "user", "value": "zeta"}, {"from": "user", "value": "eta"}]}
{"conversations": [{"from": "gpt", "value": "no question"}]}
`

func TestParseShareGPTConversations(t *testing.T) {
	convs, err := ParseShareGPTConversations("d.jsonl", []byte(dialogFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || len(convs[0]) != 3 || len(convs[1]) != 1 {
		t.Fatalf("conversations %d: %+v", len(convs), convs)
	}
	if convs[0][1] != (Row{Prompt: "six seven eight nine", Answer: "ten"}) || convs[1][0].Answer != "gamma delta epsilon" {
		t.Errorf("exchanges out of order: %+v", convs)
	}
	if _, err := ParseShareGPTConversations("d.jsonl", []byte(`{"conversations": []}`)); err == nil {
		t.Error("a file without an exchange must be an error")
	}
}

// takeAll replays a feed to its end, turn after turn, and returns the requests.
func takeAll(t *testing.T, f *Feed) []Request {
	t.Helper()
	var out []Request
	for {
		r, ok := f.Take(context.Background())
		if !ok {
			return out
		}
		out = append(out, r)
		f.Done(r)
	}
}

func TestMultiTurnDataset(t *testing.T) {
	s, err := Parse("w.yaml", []byte("type: multi_turn\npath: d.jsonl\nconversations: 2\n"), writeTemp(t, "d.jsonl", dialogFile))
	if err != nil {
		t.Fatal(err)
	}
	if s.CaseInput() || s.CaseOutput() || !s.HasText() || s.Requests() != 4 || len(s.FileSHA256) != 64 {
		t.Fatalf("case lengths %v %v, text %v, requests %d", s.CaseInput(), s.CaseOutput(), s.HasText(), s.Requests())
	}
	p, err := s.Prepare(nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := takeAll(t, p.Feed(1, 64, 8))
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4 (3 turns + 1)", len(reqs))
	}
	enc := WordEncoder{}
	byConv := map[int][]Request{}
	for _, r := range reqs {
		byConv[r.Conv] = append(byConv[r.Conv], r)
	}
	for c, rs := range byConv {
		conv := s.data.convs[s.dialog(c)]
		var want []int
		for k, r := range rs {
			if r.Turn != k || r.Turns != len(conv) {
				t.Fatalf("conversation %d: turn %d of %d at position %d", c, r.Turn, r.Turns, k)
			}
			want = append(want, enc.Encode(conv[k].Prompt)...)
			if !slices.Equal(enc.Encode(r.Text), r.Prompt) || !strings.HasSuffix(r.Text, conv[k].Prompt) {
				t.Fatalf("conversation %d turn %d: text %q does not encode to the prompt", c, k, r.Text)
			}
			if !slices.Equal(r.Prompt, want) {
				t.Fatalf("conversation %d turn %d: prompt %v, want the earlier exchanges and this turn %v", c, k, r.Prompt, want)
			}
			if r.OutputLen != len(enc.Encode(conv[k].Answer)) {
				t.Errorf("conversation %d turn %d: output %d, want the answer's %d words", c, k, r.OutputLen, len(enc.Encode(conv[k].Answer)))
			}
			want = append(want, enc.Encode(conv[k].Answer)...)
		}
	}
	again := takeAll(t, p.Feed(2, 64, 8))
	if len(again) != len(reqs) {
		t.Fatal("another stream replays other conversations")
	}
}

func TestMultiTurnDatasetCaps(t *testing.T) {
	dir := writeTemp(t, "d.jsonl", dialogFile)
	s, err := Parse("w.yaml", []byte("type: multi_turn\npath: d.jsonl\nconversations: 5\nturns: 2\noutput_len: 6\ninput_len: 3\nshared_prefix: 4\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Prepare(nil)
	reqs := takeAll(t, p.Feed(1, 64, 8))
	if len(reqs) != s.Requests() || s.Requests() < 5 || s.Requests() > 10 {
		t.Fatalf("%d requests, spec says %d", len(reqs), s.Requests())
	}
	for _, r := range reqs {
		if r.Turn >= 2 || r.OutputLen != 6 || r.Text != "" || len(r.Prompt) != 4+r.Turn*(3+6)+3 {
			t.Fatalf("turn %d: output %d, prompt %d ids", r.Turn, r.OutputLen, len(r.Prompt))
		}
	}
	s2, _ := Parse("w.yaml", []byte("type: multi_turn\npath: d.jsonl\nconversations: 5\nturns: 2\noutput_len: 6\ninput_len: 3\nshared_prefix: 4\n"), dir)
	p2, _ := s2.Prepare(nil)
	if again := takeAll(t, p2.Feed(1, 64, 8)); !slices.EqualFunc(again, reqs, func(a, b Request) bool { return slices.Equal(a.Prompt, b.Prompt) && a.Conv == b.Conv }) || s2.Fingerprint() != s.Fingerprint() {
		t.Error("the same seed must replay the same requests")
	}
	s3, _ := Parse("w.yaml", []byte("type: multi_turn\npath: d.jsonl\nconversations: 5\nturns: 2\noutput_len: 6\ninput_len: 3\nshared_prefix: 4\nseed: 9\n"), dir)
	if s3.Fingerprint() == s.Fingerprint() {
		t.Error("another seed, the same fingerprint")
	}
}

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMultiTurnDatasetFingerprintCoversFile(t *testing.T) {
	y := []byte("type: multi_turn\npath: d.jsonl\n")
	a, err := Parse("w.yaml", y, writeTemp(t, "d.jsonl", dialogFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("w.yaml", y, writeTemp(t, "d.jsonl", strings.Replace(dialogFile, "eleven", "twelve", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint() == b.Fingerprint() || a.Turns != 0 {
		t.Errorf("fingerprints %s %s (turns %d)", a.Fingerprint(), b.Fingerprint(), a.Turns)
	}
	if _, err := Parse("w.yaml", []byte("type: multi_turn\npath: missing.jsonl\n"), t.TempDir()); err == nil || !strings.Contains(err.Error(), "w.yaml:2:7") {
		t.Errorf("a missing file: %v", err)
	}
}

func TestDatasetRequestText(t *testing.T) {
	s, err := Parse("w.yaml", []byte("type: dataset\npath: public-domain-sharegpt.jsonl\n"), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Prepare(nil)
	r, ok := p.Feed(1, 0, 0).Take(context.Background())
	if !ok || r.Text == "" || !slices.Equal(WordEncoder{}.Encode(r.Text), r.Prompt) {
		t.Fatalf("text %q, prompt %d ids", r.Text, len(r.Prompt))
	}
}
