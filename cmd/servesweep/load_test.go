package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/results"
)

func checkLoad(t *testing.T, out string, want map[int]int) []load.Result {
	t.Helper()
	ls, err := results.ReadLines[load.Result](filepath.Join(out, "load.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != len(want) {
		t.Fatalf("want %d load results, got %d", len(want), len(ls))
	}
	for _, l := range ls {
		n := want[l.Profile.Concurrency]
		if l.Completed != n || l.Failed != 0 {
			t.Fatalf("concurrency %d: %d ok, %d failed (%s), want %d ok", l.Profile.Concurrency, l.Completed, l.Failed, l.FirstError, n)
		}
		for _, p := range []load.Percentiles{l.TTFTMs, l.ITLMs, l.TPOTMs, l.E2EMs} {
			if p.P50 <= 0 || p.P50 > p.P90 || p.P90 > p.P99 {
				t.Fatalf("concurrency %d: percentiles %+v", l.Profile.Concurrency, p)
			}
		}
		if l.Goodput == nil || *l.Goodput < 0 || l.RequestThroughput <= 0 || l.OutputThroughput <= 0 || l.ClientCPUPct <= 0 {
			t.Fatalf("concurrency %d: %+v", l.Profile.Concurrency, l)
		}
	}
	md := readFile(t, filepath.Join(out, "report.md"))
	if !strings.Contains(md, "### Serving load") || !strings.Contains(md, "| concurrency 64 |") || !strings.Contains(md, "Goodput counts requests") {
		t.Fatalf("report lacks the load section:\n%s", md)
	}
	return ls
}

func TestLoadSweepSim(t *testing.T) {
	p := writeSweep(t, `name: load
engine: sim
input_lens: [128]
output_lens: [32]
warmup: false
load:
  - {concurrency: 1, requests: 4}
  - {concurrency: 8, requests: 16}
  - {concurrency: 64, requests: 128}
slo: {ttft_ms: 1000, itl_ms: 80}
models:
  m: {path: org/m, extra_args: [--sim-time-scale, "0.1", --sim-startup-ms, "1", --sim-itl-ms, "20"]}
`)
	out := filepath.Join(t.TempDir(), "run")
	if b, err := exec.Command(bin(), "run", p, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	ls := checkLoad(t, out, map[int]int{1: 4, 8: 16, 64: 128})
	if ls[2].TPOTMs.P50 <= ls[0].TPOTMs.P50 {
		t.Fatalf("64 concurrent streams must slow each one down in the sim: %.2f vs %.2f ms", ls[2].TPOTMs.P50, ls[0].TPOTMs.P50)
	}
	if *ls[0].Goodput <= 0 {
		t.Fatal("batch-1 requests meet a 80 ms ITL SLO")
	}
}

func TestLoadSweepOllama(t *testing.T) {
	ol := ollamaBin(t)
	_, qw := tinyModels(t)
	p := writeSweep(t, fmt.Sprintf(`name: load-ollama
engine: ollama
engine_command: [%q]
input_lens: [64]
output_lens: [16]
warmup: true
launch_timeout: 60s
load:
  - {concurrency: 1, requests: 3}
  - {concurrency: 8, requests: 16}
  - {concurrency: 64, requests: 64}
slo: {ttft_ms: 5000, itl_ms: 500}
models:
  qw: {path: %q, extra_args: [--num-thread, "2"]}
`, ol, qw))
	out := filepath.Join(t.TempDir(), "run")
	if b, err := exec.Command(bin(), "run", p, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	checkLoad(t, out, map[int]int{1: 3, 8: 16, 64: 64})
	assertNoSurvivors(t, readServers(t, out))
}
