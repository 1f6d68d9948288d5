package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine/sim/simserver"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/search"
)

// landscapeSweep is a fixed landscape of 48 sim configurations: TP 1, 2, 4, 8
// × attention backend fa3 | flashinfer (flashinfer 8% slower) × 6 values of
// --cuda-graph-max-bs (a bowl on the log scale, fastest at 64). The sim's
// own TP model makes TP8 fastest, so the optimum is
// TP8 / fa3 / cuda-graph-max-bs 64. Its modelled costs: 300 ms start-up, no
// warmup, one 256-token prompt and 128 output tokens, three repeats.
const landscapeSweep = `name: landscape
engine: sim
tp_sizes: [1, 2, 4, 8]
input_lens: [256]
output_lens: [128]
repeats: 3
warmup: false
launch_timeout: 20s
stop_grace: 1s
search: {strategy: %s}
server_params:
  --attention-backend: [fa3, flashinfer]
  --cuda-graph-max-bs: ["16", "32", "48", "64", "96", "128"]
models:
  m: {path: m/m, extra_args: [--sim-time-scale, "%g", --sim-seed, "%d", --sim-startup-ms, "300",
      --sim-flag-effect, "cuda-graph-max-bs~64*0.3", --sim-flag-effect, "attention-backend=flashinfer*1.08"]}
`

// landscapeTimeScale runs the sim 20× faster than modelled time: faster,
// and a stall of the loaded test machine at the end of a short probe
// (scaled back 1/scale) can decide a halving round.
const landscapeTimeScale = 0.05

// withinNoise is how far (true ITL) a chosen configuration may be from the
// optimum and count as found: the sim's 2% jitter per request and step plus
// the timing noise of a loaded machine at 20× speed.
const withinNoise = 0.05

// landscapeRun is what one strategy did on the landscape.
type landscapeRun struct {
	Hours    float64 // sim GPU-hours: modelled time × GPUs, probes included
	Launches int
	Winner   string
	Ratio    float64 // the winner's true ITL ÷ the optimum's
	Out      string  // run directory
}

// runLandscapeSim runs the landscape with one strategy through `servesweep run`.
func runLandscapeSim(t testing.TB, dir, strategy string, seed int) landscapeRun {
	t.Helper()
	name := fmt.Sprintf("%s-%d", strategy, seed)
	file := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(landscapeSweep, strategy, landscapeTimeScale, seed)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	if b, err := exec.Command(bin(), "run", file, "--out", out, "--no-history").CombinedOutput(); err != nil {
		t.Fatalf("run %s: %v\n%s", name, err, b)
	}
	rs, err := results.ReadLines[results.Result](filepath.Join(out, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		Kind   string `json:"kind"`
		Winner string `json:"winner"`
		results.Result
	}
	log, _ := results.ReadLines[line](filepath.Join(out, "search.jsonl"))
	run := landscapeRun{Out: out, Winner: bestMeasured(rs)}
	truth, gpus := map[string]float64{}, map[string]int{}
	for _, r := range rs {
		truth[r.ConfigID], gpus[r.ConfigID] = trueITL(t, r.Command), max(1, r.GPUs)
		if r.Status == results.StatusOK {
			run.Hours += latency(r) * float64(gpus[r.ConfigID]) / 3600
		}
	}
	srv, err := results.ReadLines[results.Server](filepath.Join(out, results.ServersFile))
	if err != nil {
		t.Fatal(err)
	}
	launch := func(id string) { run.Launches++; run.Hours += 0.3 * float64(gpus[id]) / 3600 }
	for _, s := range srv {
		if s.Status != results.StatusSkipped {
			launch(s.ConfigID)
		}
	}
	for _, l := range log {
		switch l.Kind {
		case "probe":
			if l.Status == results.StatusOK {
				run.Hours += latency(l.Result) * float64(gpus[l.ConfigID]) / 3600
			}
		case "probe_server":
			launch(l.ConfigID)
		case "summary":
			run.Winner = l.Winner
		}
	}
	best := math.Inf(1)
	for _, v := range truth {
		best = min(best, v)
	}
	run.Ratio = truth[run.Winner] / best
	return run
}

// bestMeasured is the configuration of the lowest mean ITL (the itl objective).
func bestMeasured(rs []results.Result) string {
	by := map[string][]results.Result{}
	for _, r := range rs {
		by[r.ConfigID] = append(by[r.ConfigID], r)
	}
	best, bestScore := "", math.Inf(1)
	for id, group := range by {
		if sc, ok := search.Score("itl", 0, group); ok && sc < bestScore {
			best, bestScore = id, sc
		}
	}
	return best
}

// trueITL is a configuration's modelled decode step (no jitter) from its command line.
func trueITL(t testing.TB, command []string) float64 {
	i := 0
	for i < len(command) && command[i] != "sim-server" {
		i++
	}
	args := strings.NewReplacer("{host}", "127.0.0.1", "{port}", "0").Replace(strings.Join(command[min(i+1, len(command)):], "\x00"))
	o, err := simserver.ParseArgs(strings.Split(args, "\x00"), func(string) string { return "" })
	if err != nil {
		t.Fatalf("%v: %v", command, err)
	}
	return simserver.SpeedOf(o).DecodeStepMs
}

// BenchmarkSearchSim runs the 48-configuration landscape through the real
// runner and sim servers for grid, halving and bayes over three seeds and
// reports each strategy's sim GPU-hours as a percentage of the grid's and how
// often it chose the optimum or one within noise:
//
//	go test ./cmd/servesweep -run '^$' -bench SearchSim -benchtime 1x
func BenchmarkSearchSim(b *testing.B) {
	const seeds = 3
	for n := 0; n < b.N; n++ {
		dir := b.TempDir()
		stats := map[string]*[4]float64{} // frac, exact, near, worst
		for seed := 1; seed <= seeds; seed++ {
			grid := runLandscapeSim(b, dir, "grid", seed)
			for _, strategy := range []string{"grid", "halving", "bayes"} {
				r := grid
				if strategy != "grid" {
					r = runLandscapeSim(b, dir, strategy, seed)
				}
				b.Logf("seed %d %-7s: %5.1f%% of the grid's GPU-hours (%.4g of %.4g), %2d launches, winner %s %.1f%% off the optimum",
					seed, strategy, 100*r.Hours/grid.Hours, r.Hours, grid.Hours, r.Launches, r.Winner, 100*(r.Ratio-1))
				s := stats[strategy]
				if s == nil {
					s = &[4]float64{}
					stats[strategy] = s
				}
				s[0] += r.Hours / grid.Hours / seeds
				s[1] += b2f(r.Ratio == 1)
				s[2] += b2f(r.Ratio <= 1+withinNoise)
				s[3] = max(s[3], r.Ratio-1)
			}
		}
		for strategy, s := range stats {
			b.ReportMetric(100*s[0], strategy+"-%grid-gpu-hours")
			b.ReportMetric(s[1], strategy+"-optimum/3")
			b.ReportMetric(s[2], strategy+"-within-noise/3")
			b.ReportMetric(100*s[3], strategy+"-worst-%-off")
		}
	}
}

func latency(r results.Result) float64 {
	if r.LatencyS == nil {
		return 0
	}
	return *r.LatencyS
}

func b2f(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

// TestSearchSimLandscape: through the real runner and sim servers, halving
// and bayes choose the optimum of the 48-configuration landscape (or one
// within noise) for at most 40% of the grid's sim GPU-hours, and the report
// lists what bayes did not run and why.
func TestSearchSimLandscape(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the 48 sim configurations three ways (about 55 s on a loaded 2-core machine)")
	}
	dir := t.TempDir()
	grid := runLandscapeSim(t, dir, "grid", 1)
	if grid.Launches != 48 {
		t.Fatalf("grid launched %d of 48", grid.Launches)
	}
	for _, strategy := range []string{"halving", "bayes"} {
		r := runLandscapeSim(t, dir, strategy, 1)
		t.Logf("%s: %.1f%% of the grid's GPU-hours, %d launches, winner %s %.1f%% off (grid's %s %.1f%% off)",
			strategy, 100*r.Hours/grid.Hours, r.Launches, r.Winner, 100*(r.Ratio-1), grid.Winner, 100*(grid.Ratio-1))
		if r.Hours > 0.4*grid.Hours {
			t.Errorf("%s spent %.0f%% of the grid's sim GPU-hours", strategy, 100*r.Hours/grid.Hours)
		}
		if r.Ratio > 1+withinNoise && r.Winner != grid.Winner {
			t.Errorf("%s chose %s, %.1f%% off the optimum (grid chose %s)", strategy, r.Winner, 100*(r.Ratio-1), grid.Winner)
		}
		if strategy == "bayes" {
			checkBayesReport(t, r)
		}
	}
}

func checkBayesReport(t *testing.T, r landscapeRun) {
	rep, err := exec.Command(bin(), "report", r.Out).CombinedOutput()
	_, section, _ := strings.Cut(string(rep), "### Search")
	section, _, _ = strings.Cut(section, "### ")
	if err != nil || !strings.Contains(section, "Strategy `bayes`") || !strings.Contains(section, "against the grid's estimated") ||
		strings.Count(section, "| search: bayes stopped after") != 48-r.Launches {
		t.Errorf("report of bayes (%d launches): %v\n%s", r.Launches, err, section)
	}
}
