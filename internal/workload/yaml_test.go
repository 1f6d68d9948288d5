package workload

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const dataDir = "../../examples/data"

func TestParseTypes(t *testing.T) {
	s, err := Parse("w.yaml", []byte("type: random\ninput_len: {dist: lognormal, mean: 512, std: 256, min: 16, max: 4096}\noutput_len: 128\nseed: 7\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if s.InputLen.Dist != LogNormal || s.InputLen.Max != 4096 || s.OutputLen.Dist != Fixed || s.OutputLen.Min != 128 || s.Seed != 7 {
		t.Errorf("random: %+v %+v %+v", s, *s.InputLen, *s.OutputLen)
	}
	if s.CaseInput() || s.CaseOutput() {
		t.Error("a random workload with both lengths must not take the cases' lengths")
	}
	s, err = Parse("w.yaml", []byte("type: dataset\npath: public-domain-sharegpt.jsonl\n"), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != ShareGPT || s.MinLen != 4 || s.MaxInputLen != 1024 || s.MaxTotalLen != 2048 || len(s.data.rows) != 59 || len(s.FileSHA256) != 64 {
		t.Errorf("dataset: format %q filters %d/%d/%d rows %d", s.Format, s.MinLen, s.MaxInputLen, s.MaxTotalLen, len(s.data.rows))
	}
	s, err = Parse("w.yaml", []byte("type: multi_turn\nshared_prefix: 64\n"), "")
	if err != nil || s.Conversations != DefaultConvs || s.Turns != DefaultTurns || !s.CaseInput() {
		t.Errorf("multi_turn defaults: %+v, %v", s, err)
	}
	s, err = Parse("w.yaml", []byte("type: trace\npath: trace-small.jsonl\nspeed: 2\n"), dataDir)
	if err != nil || len(s.data.trace) != 40 || s.BlockSize != 512 || s.Speed != 2 {
		t.Fatalf("trace: %+v, %v", s, err)
	}
	if r := s.NaturalRate(); r < 2 || r > 8 {
		t.Errorf("trace-small's natural rate %.2f/s, want about 4/s", r)
	}
}

// TestParseErrors: every mistake names line:column and what to write instead.
func TestParseErrors(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"type: shareGPT\n", `w.yaml:1:7: workload type "shareGPT" is not one of random, dataset, multi_turn, trace`},
		{"type: random\nturns: 3\n", `w.yaml:2:1: key "turns" applies to workload type multi_turn, not random`},
		{"type: random\ninputlen: 3\n", `w.yaml:2:1: unknown key "inputlen"`},
		{"input_len: {dist: gauss, mean: 3, std: 1}\n", `w.yaml:1:19: input_len.dist must be lognormal, uniform or normal, got "gauss"`},
		{"input_len: {dist: normal, mean: 300}\n", `w.yaml:1:12: input_len with dist normal needs mean and std`},
		{"input_len: {dist: uniform, min: 10, max: 20, mean: 15}\n", `w.yaml:1:52: input_len: a uniform distribution is given by min and max only`},
		{"output_len: 1\n", `w.yaml:1:13: output_len must be between 2 and`},
		{"input_len: {dist: normal, mean: 5000, std: 10, max: 4096}\n", `w.yaml:1:33: input_len.mean 5000 lies outside [min 1, max 4096]`},
		{"input_len: {dist: uniform, min: 30, max: 20}\n", `w.yaml:1:33: input_len: min 30 is above max 20`},
		{"type: dataset\n", `w.yaml:1:7: workload type dataset needs path:`},
		{"type: dataset\npath: nowhere.jsonl\n", `w.yaml:2:7: cannot read the dataset file`},
		{"type: dataset\nformat: text\npath: trace-small.jsonl\n", `w.yaml:1:1: a text dataset has no answers to take output lengths from: add output_len`},
		{"type: trace\npath: trace-small.jsonl\noutput_len: 5\n", `w.yaml:3:13: a trace carries each request's input and output lengths`},
		{"type: trace\npath: public-domain-sharegpt.jsonl\n", `w.yaml:2:7: public-domain-sharegpt.jsonl:1: missing "timestamp"`},
		{"type: dataset\npath: trace-small.jsonl\n", `w.yaml:2:7: trace-small.jsonl: no conversation with a human turn`},
		{"type: trace\npath: trace-small.jsonl\nspeed: 0\n", `w.yaml:3:8: speed must be a positive factor`},
		{"seed: 1\nseed: 2\n", `w.yaml:2:1: key "seed" appears twice in workload`},
		{"[1, 2]\n", `w.yaml:1:1: workload must be a mapping`},
		{"input_len: [1]\n", `w.yaml:1:12: input_len must be a number or {dist:`},
	}
	for _, c := range cases {
		_, err := Parse("w.yaml", []byte(c.yaml), dataDir)
		var we *Error
		if err == nil || !errors.As(err, &we) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got  %v\n want %s", c.yaml, err, c.want)
		}
	}
}

// TestFingerprint: stable for equal specs and file contents, different when
// either changes, independent of where the file lies.
func TestFingerprint(t *testing.T) {
	a, _ := Parse("w.yaml", []byte("type: dataset\npath: public-domain-sharegpt.jsonl\n"), dataDir)
	b, _ := Parse("w.yaml", []byte("type: dataset\npath: ../data/public-domain-sharegpt.jsonl\n"), dataDir)
	c, _ := Parse("w.yaml", []byte("type: dataset\npath: public-domain-sharegpt.jsonl\nseed: 1\n"), dataDir)
	if a.Fingerprint() != b.Fingerprint() || a.Fingerprint() == c.Fingerprint() || !strings.HasPrefix(a.Fingerprint(), "dataset-") {
		t.Errorf("fingerprints %s %s %s: want the first two equal, the third different", a.Fingerprint(), b.Fingerprint(), c.Fingerprint())
	}
	if Default().Fingerprint() != Default().Fingerprint() {
		t.Error("default fingerprint not stable")
	}
}

// TestSpecTravels: a spec sent as JSON (a Slurm job's spec) reads its file
// again, keeps its fingerprint, and refuses a file that changed since.
func TestSpecTravels(t *testing.T) {
	dir := t.TempDir()
	data := `{"conversations": [{"from": "human", "value": "one two three four five"}, {"from": "gpt", "value": "six seven eight nine"}]}` + "\n"
	path := filepath.Join(dir, "d.jsonl")
	os.WriteFile(path, []byte(data), 0o644)
	s, err := Parse("w.yaml", []byte("type: dataset\npath: d.jsonl\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	var back Spec
	json.Unmarshal(b, &back)
	if _, err := back.Prepare(nil); err != nil || back.Fingerprint() != s.Fingerprint() {
		t.Fatalf("round trip: %v, fingerprint %s vs %s", err, back.Fingerprint(), s.Fingerprint())
	}
	os.WriteFile(path, []byte(data+data), 0o644)
	var changed Spec
	json.Unmarshal(b, &changed)
	if _, err := changed.Prepare(nil); err == nil || !strings.Contains(err.Error(), "changed since the sweep was planned") {
		t.Errorf("a changed file: %v", err)
	}
}
