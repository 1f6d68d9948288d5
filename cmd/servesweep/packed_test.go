package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/results"
)

const mixedSweep = `name: mixed
engine: sim
hardware: {gpus: 8, gpu_memory_gib: 139.8}
input_lens: [256]
output_lens: [256]
warmup: false
models:
  a: {path: org/a, tp_sizes: [1, 2, 4, 8], extra_args: [--sim-time-scale, "0.05", --sim-startup-ms, "2000"]}
  b: {path: org/b, tp_sizes: [1, 2, 4], extra_args: [--sim-time-scale, "0.05", --sim-startup-ms, "2000"]}
  c: {path: org/c, tp_sizes: [1, 2], extra_args: [--sim-time-scale, "0.05", --sim-startup-ms, "2000"]}
  d: {path: org/d, tp_sizes: [1], extra_args: [--sim-time-scale, "0.05", --sim-startup-ms, "2000"]}
`

func runMixed(t testing.TB, parallel bool) (string, time.Duration) {
	p := writeSweepTB(t, mixedSweep)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"run", p, "--out", out, "--no-history"}
	if parallel {
		args = append(args, "--parallel")
	}
	start := time.Now()
	if b, err := exec.Command(bin(), args...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return out, time.Since(start)
}

func TestPackedScheduleNeverOversubscribes(t *testing.T) {
	out, _ := runMixed(t, true)
	servers, err := results.ReadLines[results.Server](filepath.Join(out, results.ServersFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != 10 {
		t.Fatalf("want 10 configurations, got %d", len(servers))
	}
	overlaps := 0
	for i, a := range servers {
		if a.Status != "ok" || len(a.GPUIDs) == 0 {
			t.Fatalf("%s: %s, gpu_ids %v", a.ConfigID, a.Status, a.GPUIDs)
		}
		for _, g := range a.GPUIDs {
			if g < 0 || g > 7 {
				t.Fatalf("%s: GPU %d outside the 8-GPU host", a.ConfigID, g)
			}
		}
		for _, b := range servers[i+1:] {
			if a.StartedAt.Before(b.EndedAt) && b.StartedAt.Before(a.EndedAt) {
				overlaps++
				for _, g := range a.GPUIDs {
					for _, h := range b.GPUIDs {
						if g == h {
							t.Fatalf("%s and %s ran at the same time on GPU %d", a.ConfigID, b.ConfigID, g)
						}
					}
				}
			}
		}
	}
	if overlaps == 0 {
		t.Fatal("a packed schedule must run configurations at the same time")
	}
	rs := readResults(t, out)
	for _, r := range rs {
		if len(r.GPUIDs) != r.GPUs || r.StartedAt.IsZero() || r.EndedAt.Before(r.StartedAt) {
			t.Fatalf("%s: gpu_ids %v for %d GPUs, %v → %v", r.ConfigID, r.GPUIDs, r.GPUs, r.StartedAt, r.EndedAt)
		}
	}
	md := readFile(t, filepath.Join(out, "report.md"))
	if !strings.Contains(md, "schedule: packed on 8 GPUs (several configurations at once on disjoint GPU sets)") || strings.Contains(md, "one configuration at a time") {
		t.Fatalf("the report must say which schedule produced the numbers:\n%s", md)
	}
	plan, err := exec.Command(bin(), "plan", writeSweepTB(t, mixedSweep), "--estimate", "--json").Output()
	if err != nil || !strings.Contains(string(plan), `"packed"`) || !strings.Contains(string(plan), `"exclusive"`) {
		t.Fatalf("plan --estimate --json: %v %s", err, plan)
	}
}

// BenchmarkPackedVsExclusive runs the mixed TP1/TP2/TP4/TP8 dry run both ways
// and reports the speed-up of the packed schedule (x_faster).
func BenchmarkPackedVsExclusive(b *testing.B) {
	for b.Loop() {
		_, ex := runMixed(b, false)
		_, pk := runMixed(b, true)
		b.ReportMetric(ex.Seconds(), "exclusive_s")
		b.ReportMetric(pk.Seconds(), "packed_s")
		b.ReportMetric(ex.Seconds()/pk.Seconds(), "x_faster")
	}
}
