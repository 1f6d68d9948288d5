package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/quality"
	"github.com/servesweep/servesweep/internal/results"
)

// qualityVerdicts runs `report --format json` and returns configs[].quality by config id.
func qualityVerdicts(t *testing.T, out string) map[string]quality.Result {
	t.Helper()
	b, err := exec.Command(bin(), "report", out, "--format", "json").Output()
	if err != nil {
		t.Fatalf("report --format json: %v", err)
	}
	var doc struct {
		Configs []struct {
			ID      string          `json:"id"`
			Quality *quality.Result `json:"quality"`
		} `json:"configs"`
		Recommendations []struct{ Winner, RunnerUp string } `json:"recommendations"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]quality.Result{}
	for _, c := range doc.Configs {
		if c.Quality == nil {
			t.Fatalf("%s has no quality verdict", c.ID)
		}
		got[c.ID] = *c.Quality
		for _, r := range doc.Recommendations {
			if c.Quality.Flagged && (r.Winner == c.ID || r.RunnerUp == c.ID) {
				t.Fatalf("flagged %s is recommended", c.ID)
			}
		}
	}
	return got
}

// TestOllamaQualityGuard: real Ollama on CPU serves a small-margin test model
// (testmodel --margin small) as f16, q8_0 and q4_K_M, and the default
// wide-margin model the same ways. The guard must find the quantized
// small-margin models diverging from f16 (agreement below 100%, flagged,
// never recommended), the reference at exactly 100%, and the wide-margin
// model's quantizations at exactly 100% (no false alarm).
func TestOllamaQualityGuard(t *testing.T) {
	ol := ollamaBin(t)
	dir := t.TempDir()
	model := func(margin string) string {
		out, err := exec.Command(bin(), "testmodel", "--arch", "deepseek-v3", "--size", "tiny", "--margin", margin, "--out", filepath.Join(dir, margin)).Output()
		if err != nil {
			t.Fatalf("testmodel --margin %s: %v", margin, err)
		}
		return strings.TrimSpace(string(out))
	}
	sweep := writeSweep(t, fmt.Sprintf(`name: ollama-quality
engine: ollama
engine_command: [%q]
gpu_label: cpu
input_lens: [32]
output_lens: [8]
warmup: false
launch_timeout: 60s
stop_grace: 10s
quality: {prompts: 6, max_tokens: 32, min_agreement: 0.95}
server_params:
  --num-thread: ["1"]
  --quantization: [f16, q8_0, q4_K_M]
models:
  small: {name: Small margins, path: %q, is_moe: true}
  wide: {name: Wide margins, path: %q, is_moe: true}
`, ol, model("small"), model("wide")))
	out := filepath.Join(t.TempDir(), "run")
	b, err := exec.Command(bin(), "run", sweep, "--out", out, "--no-history").CombinedOutput()
	if err != nil {
		t.Fatalf("sweep against real Ollama failed: %v\n%s", err, b)
	}
	v := qualityVerdicts(t, out)
	t.Logf("verdicts: %s", verdictLine(v))
	for id, q := range v {
		small, ref := strings.HasPrefix(id, "small--"), strings.HasSuffix(id, "f16")
		switch {
		case q.Agreement == nil || q.TokensCompared < 6*32:
			t.Fatalf("%s: not compared: %+v", id, q)
		case ref && (*q.Agreement != 1 || q.Flagged || q.Reference != id):
			t.Errorf("%s is its model's reference: want exactly 100%%, got %+v", id, q)
		case small && !ref && (*q.Agreement >= 1 || q.FirstDivergence == nil || !q.Flagged):
			t.Errorf("%s: the small-margin model must diverge from f16 when quantized: %+v", id, q)
		case !small && (*q.Agreement != 1 || q.FirstDivergence != nil || q.Flagged):
			t.Errorf("%s: the wide-margin model keeps its greedy tokens when quantized: %+v", id, q)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	for _, want := range []string{"### Quality guard", "⚠ Not recommended: token agreement", "- Small margins: num-thread=1 + quantization=f16"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func verdictLine(v map[string]quality.Result) string {
	var parts []string
	for id, q := range v {
		fd := "none"
		if q.FirstDivergence != nil {
			fd = fmt.Sprint(*q.FirstDivergence)
		}
		parts = append(parts, fmt.Sprintf("%s %.3f (first divergence %s)", id, *q.Agreement, fd))
	}
	return strings.Join(parts, "; ")
}

// A resumed run compares with the reference measured before it: only the
// second configuration runs again, and its progress line already has the
// agreement, read from the first run's quality.jsonl.
func TestQualityResumeUsesStoredReference(t *testing.T) {
	sweep := writeSweep(t, `name: quality-resume
engine: sglang
tp_sizes: [1, 2]
input_lens: [64]
output_lens: [8]
warmup: false
quality: {prompts: 2, max_tokens: 8}
models:
  m: {path: org/m}
`)
	out := filepath.Join(t.TempDir(), "run")
	if r := runBin(t, "run", "--dry-run", sweep, "--out", out, "--no-history"); r.code != 0 {
		t.Fatalf("run: %d\n%s", r.code, r.stderr)
	}
	// Forget m--TP2: its server record, cases and quality record.
	for _, name := range []string{results.ServersFile, results.ResultsFile, quality.File} {
		p := filepath.Join(out, name)
		b, _ := os.ReadFile(p)
		var keep []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if !strings.Contains(l, `"config_id":"m--TP2"`) {
				keep = append(keep, l)
			}
		}
		os.WriteFile(p, []byte(strings.Join(keep, "\n")+"\n"), 0o644)
	}
	r := runBin(t, "run", "--dry-run", sweep, "--resume", out, "--no-history")
	if r.code != 0 || !strings.Contains(r.stderr, "m--TP1: already complete") ||
		!strings.Contains(r.stderr, "m--TP2: quality guard: 2 prompts × 8 tokens") || !strings.Contains(r.stderr, "100.0% token agreement with m--TP1") {
		t.Fatalf("resume: %d\n%s", r.code, r.stderr)
	}
	if v := qualityVerdicts(t, out); *v["m--TP2"].Agreement != 1 || v["m--TP2"].TokensCompared != 16 {
		t.Fatalf("verdicts %+v", v)
	}
}
