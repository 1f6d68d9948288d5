package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/traces"
)

// TestProfileCollectsEveryRank dry-runs TP4 and TP2×PP2×DP2 configurations with
// profiling: each result's traces list every rank's EXTEND and DECODE files
// (SGLang's names) in one timestamped sub-folder per profile, trace analyze
// reads them all, and the server log shows SGLang's warmup (one 1024-token
// request per batch size, at that batch size) before the measured cases.
func TestProfileCollectsEveryRank(t *testing.T) {
	p := writeSweep(t, `name: ranks
engine: sglang
tp_sizes: [4]
batch_sizes: [1, 2]
input_lens: [64]
output_lens: [8]
profile: true
models:
  tp4: {path: org/tp4, is_moe: true}
  pd: {path: org/pd, is_moe: true, tp_sizes: [2], extra_args: [--pp-size, "2", --dp-size, "2"]}
`)
	out := filepath.Join(t.TempDir(), "run")
	if b, err := exec.Command(bin(), "run", "--dry-run", "--force", p, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	rs := readResults(t, out)
	if len(rs) != 4 {
		t.Fatalf("%d results", len(rs))
	}
	name := regexp.MustCompile(`^([^/]+)/traces/(\d+\.\d+)/bs-(\d+)-il-64-\d+\.\d+-(TP-\d(?:-DP-\d)?(?:-PP-\d)?)-(EXTEND|DECODE)\.trace\.json\.gz$`)
	for _, r := range rs {
		wantRanks := map[string]int{"org/tp4": 4, "org/pd": 8}[r.Model]
		if r.Status != "ok" || r.ProfileError != "" || r.Prompts != "random-ids" {
			t.Fatalf("%s bs=%d: status %s, profile error %q, prompts %q", r.ConfigID, r.BatchSize, r.Status, r.ProfileError, r.Prompts)
		}
		if len(r.Traces) != 2*wantRanks {
			t.Fatalf("%s bs=%d: %d trace files, want %d ranks × 2 stages: %v", r.ConfigID, r.BatchSize, len(r.Traces), wantRanks, r.Traces)
		}
		labels, dirs := map[string]int{}, map[string]bool{}
		for _, f := range r.Traces {
			m := name.FindStringSubmatch(f)
			if m == nil || m[1] != r.ConfigID || m[3] != fmt.Sprint(r.BatchSize) {
				t.Fatalf("%s: trace %q is not <config>/traces/<time>/bs-<bs>-il-64-<id>-TP-..-STAGE", r.ConfigID, f)
			}
			dirs[m[2]] = true
			labels[m[4]]++
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Fatal(err)
			}
		}
		if len(dirs) != 1 || len(labels) != wantRanks {
			t.Fatalf("%s: %d profile folders, ranks %v", r.ConfigID, len(dirs), labels)
		}
		if r.Model == "org/pd" && labels["TP-1-DP-1-PP-1"] != 2 {
			t.Fatalf("ranks %v lack TP-1-DP-1-PP-1", labels)
		}
		var paths []string
		for _, f := range r.Traces {
			paths = append(paths, filepath.Join(out, f))
		}
		b, err := exec.Command(bin(), append([]string{"trace", "analyze", "--json"}, paths...)...).Output()
		if err != nil {
			t.Fatal(err)
		}
		var a traces.Analysis
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatal(err)
		}
		if len(a.Ranks) != wantRanks {
			t.Fatalf("%s: trace analyze saw %d ranks, want %d", r.ConfigID, len(a.Ranks), wantRanks)
		}
		for _, ra := range a.Ranks {
			if len(ra.Stages) != 2 {
				t.Fatalf("rank %s: %d stages", ra.Label, len(ra.Stages))
			}
		}
	}
	checkWarmupLog(t, filepath.Join(out, rs[0].ConfigID, "server.log"))
}

// checkWarmupLog reads the sim's prefill log lines: warmups at 1024 tokens per
// request for bs 1 then 2, then the cases (and the profiled re-runs) at 64.
func checkWarmupLog(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`Prefill batch\. #new-seq: (\d+), #new-token: (\d+)`)
	var got []string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		got = append(got, m[1]+"x"+m[2])
	}
	want := []string{"1x1024", "2x2048", "1x64", "1x64", "2x128", "2x128"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("requests %v, want warmup per batch size then the cases %v", got, want)
	}
}

// TestTextPromptsFromTheModelsTokenizer runs the sim on a test model folder:
// its tokenizer.json is found next to config.json, prompts are the corpus
// through it (recorded as text:<path>), and every prompt is exactly input_len
// tokens as the server counted them. prompts: random-ids overrides.
func TestTextPromptsFromTheModelsTokenizer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "llama-tiny")
	if b, err := exec.Command(bin(), "testmodel", "--arch", "llama", "--size", "tiny", "--out", dir).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for _, mode := range []string{"", "random-ids"} {
		body := fmt.Sprintf("name: text\nengine: sglang\nbatch_sizes: [3]\ninput_lens: [100]\noutput_lens: [4]\nwarmup: false\nmodels:\n  m: {path: %q, is_moe: false}\n", dir)
		if mode != "" {
			body += "prompts: " + mode + "\n"
		}
		out := filepath.Join(t.TempDir(), "run")
		if b, err := exec.Command(bin(), "run", "--dry-run", "--force", writeSweep(t, body), "--out", out).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		rs := readResults(t, out)
		want := "text:" + filepath.Join(dir, "tokenizer.json")
		if mode == "random-ids" {
			want = "random-ids"
		}
		if len(rs) != 1 || rs[0].Prompts != want {
			t.Fatalf("prompts %q, want %q", rs[0].Prompts, want)
		}
		lens := append([]int{}, rs[0].PromptTokens...)
		sort.Ints(lens)
		if fmt.Sprint(lens) != "[100 100 100]" {
			t.Fatalf("prompt tokens %v", rs[0].PromptTokens)
		}
	}
	bad := writeSweep(t, "name: bad\nengine: sglang\nprompts: sharegpt\nmodels:\n  m: {path: org/m}\n")
	b, err := exec.Command(bin(), "run", "--dry-run", bad, "--out", filepath.Join(t.TempDir(), "r")).CombinedOutput()
	if err == nil || !strings.Contains(string(b), "prompts must be text") {
		t.Fatalf("bad prompts value: %v\n%s", err, b)
	}
}
