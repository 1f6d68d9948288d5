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

func compareSweep(t *testing.T, extra string) string {
	return writeSweep(t, fmt.Sprintf(`name: nightly
engine: sim
tp_sizes: [2]
input_lens: [2048]
output_lens: [48]
repeats: 3
warmup: false
models:
  fast-a: {path: org/fast-a, extra_args: [--sim-time-scale, "0.2", --sim-seed, "3", --sim-startup-ms, "1", --sim-itl-ms, "8"]}
  slow-b: {path: org/slow-b, extra_args: [--sim-time-scale, "0.2", --sim-seed, "5", --sim-startup-ms, "1", --sim-itl-ms, "9"]}
  fast-c: {path: org/fast-c, extra_args: [--sim-time-scale, "0.2", --sim-seed, "7", --sim-startup-ms, "1", --sim-itl-ms, "10"]}
%s`, extra))
}

func runSweep(t *testing.T, sweep, db string, env ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", sweep, "--out", out, "--db", db)
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return out
}

func TestCompareFlagsExactlyTheSlowerConfiguration(t *testing.T) {
	db := filepath.Join(t.TempDir(), "history.db")
	sweep := compareSweep(t, "")
	a := runSweep(t, sweep, db)
	b := runSweep(t, sweep, db, "SERVESWEEP_SIM_SLOWDOWN=1.15", "SERVESWEEP_SIM_SLOWDOWN_MATCH=slow-b")
	cmd := exec.Command(bin(), "compare", a, b, "--db", db, "--json", "--threshold", "5%")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("a significant regression must exit 1, got %v\n%s", err, out)
	}
	var c struct {
		Regressions []struct {
			ConfigID    string  `json:"config_id"`
			Metric      string  `json:"metric"`
			ChangePct   float64 `json:"change_pct"`
			Significant bool    `json:"significant"`
		} `json:"regressions"`
		OnlyInA []string `json:"only_in_a"`
		OnlyInB []string `json:"only_in_b"`
	}
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Regressions) == 0 {
		t.Fatalf("no regression flagged:\n%s", out)
	}
	for _, r := range c.Regressions {
		if r.ConfigID != "slow-b--TP2" || !r.Significant {
			t.Fatalf("flagged %+v; only slow-b--TP2 was slowed down", r)
		}
		if r.Metric == "itl_ms" && (r.ChangePct < 10 || r.ChangePct > 20) {
			t.Fatalf("ITL change %.1f%%, want about +15%%", r.ChangePct)
		}
	}
	// history lists both runs; a run with an extra configuration is compared without crashing.
	h, _ := exec.Command(bin(), "history", "--db", db, "--model", "slow-b", "--json").Output()
	var runs []map[string]any
	if json.Unmarshal(h, &runs); len(runs) != 2 {
		t.Fatalf("history: %s", h)
	}
	extra := compareSweep(t, "  new-d: {path: org/new-d, extra_args: [--sim-time-scale, \"0.2\", --sim-seed, \"9\", --sim-startup-ms, \"1\"]}\n")
	d := runSweep(t, extra, db)
	out, err = exec.Command(bin(), "compare", a, d, "--db", db, "--json").Output()
	if err != nil {
		t.Fatalf("no regression expected: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"only_in_b": [
    "new-d--TP2"
  ]`) {
		t.Fatalf("only_in_b must list the new configuration:\n%s", out)
	}
}
