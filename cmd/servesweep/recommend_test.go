package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type recommendation struct {
	ModelKey    string     `json:"model_key"`
	Objective   string     `json:"objective"`
	Winner      string     `json:"winner"`
	RunnerUp    string     `json:"runner_up"`
	MarginPct   float64    `json:"margin_pct"`
	CIPct       [2]float64 `json:"ci_pct"`
	Significant bool       `json:"significant"`
	Reason      string     `json:"reason"`
	Pareto      []string   `json:"pareto"`
}

// twoConfigSweep runs TP1 (itl1 ms) against TP2 (itl2 ms, twice the GPUs) with the sim.
func twoConfigSweep(t *testing.T, itl1, itl2, jitter float64, repeats int) (map[string]recommendation, string) {
	t.Helper()
	p := writeSweep(t, fmt.Sprintf(`name: noise
engine: sim
tp_sizes: [1, 2]
input_lens: [64]
output_lens: [64]
repeats: %d
warmup: false
models:
  m:
    path: org/m
    extra_args: [--sim-time-scale, "0.2", --sim-jitter, "%g", --sim-seed, "11", --sim-startup-ms, "1"]
    tp_args: {1: [--sim-itl-ms, "%g"], 2: [--sim-itl-ms, "%g"]}
`, repeats, jitter, itl1, itl2))
	out := filepath.Join(t.TempDir(), "run")
	if b, err := exec.Command(bin(), "run", p, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	js, err := exec.Command(bin(), "report", out, "--format", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Recommendations []recommendation `json:"recommendations"`
	}
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	m := map[string]recommendation{}
	for _, r := range rep.Recommendations {
		m[r.Objective] = r
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	return m, string(md)
}

func TestNoSignificantDifferencePrefersCheaper(t *testing.T) {
	recs, md := twoConfigSweep(t, 10, 9.7, 0.10, 5) // TP2 3% faster, 10% jitter
	itl := recs["itl"]
	if itl.Significant || itl.Winner != "m--TP1" || !strings.Contains(itl.Reason, "No significant difference") || !strings.Contains(itl.Reason, "cheaper") {
		t.Fatalf("want no significant difference and the cheaper TP1: %+v", itl)
	}
	if !strings.Contains(md, "- org/m: TP1") || !strings.Contains(md, "xychart-beta") {
		t.Fatalf("closing list or chart:\n%s", md)
	}
}

func TestSignificantDifferenceNamesTheFaster(t *testing.T) {
	recs, md := twoConfigSweep(t, 10, 8, 0.02, 5) // TP2 20% faster, 2% jitter
	itl := recs["itl"]
	if !itl.Significant || itl.Winner != "m--TP2" || itl.RunnerUp != "m--TP1" || itl.MarginPct < 15 || itl.MarginPct > 25 || itl.CIPct[0] <= 0 {
		t.Fatalf("want TP2 with a ~20%% significant margin: %+v", itl)
	}
	if len(itl.Pareto) != 2 {
		t.Fatalf("TP1 is cheaper, TP2 faster: both on the Pareto set, got %v", itl.Pareto)
	}
	if !strings.Contains(md, "- org/m: TP2") || !strings.Contains(md, "median of 5 runs") || !strings.Contains(md, "per-token ITL p50") {
		t.Fatalf("report:\n%s", md)
	}
}
