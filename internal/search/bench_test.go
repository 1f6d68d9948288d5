package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
)

// landscape is a fixed sim landscape of 48 configurations (TP 1, 2, 4, 8 ×
// 12 values of a server flag) whose true batch-1 ITL is known; its costs are
// the sim server's: 300 ms modelled startup (simserver's default
// --sim-startup-ms), a 1024-in/16-out warmup per batch size, prefill at
// 1024 tokens, one decode step per output token, per-step jitter 2%
// (simserver's default) and 1% launch-to-launch noise.
type landscape struct {
	cfgs  []plan.Config
	itl   []float64 // true batch-1 ITL (ms)
	best  int
	rng   *rand.Rand
	hours float64
}

func newLandscape(seed uint64) *landscape {
	l := &landscape{rng: rand.New(rand.NewPCG(seed, 99)), best: -1}
	cases := []plan.Case{{BatchSize: 1, InputLen: 1024, OutputLen: 256}, {BatchSize: 8, InputLen: 1024, OutputLen: 256}}
	for _, tp := range []int{1, 2, 4, 8} {
		for v := 0; v < 12; v++ {
			// ITL falls with TP (bandwidth) but all-reduce grows; the flag has
			// a bowl-shaped effect with its minimum at v = 7.
			itl := 20/float64(tp) + 0.9*float64(tp) + 0.08*float64((v-7)*(v-7))
			l.cfgs = append(l.cfgs, plan.Config{ID: fmt.Sprintf("tp%d-v%d", tp, v), TP: tp, GPUs: tp, Cases: cases,
				Params: map[string]string{"--flag": strconv.Itoa(v)}})
			l.itl = append(l.itl, itl)
			if l.best < 0 || itl < l.itl[l.best] {
				l.best = len(l.itl) - 1
			}
		}
	}
	return l
}

// launch runs config i's cases (repeats each) and returns its measured
// batch-1 ITL and GPU-hours.
func (l *landscape) launch(i int, cases []plan.Case, repeats int) Outcome {
	launchNoise := 1 + 0.01*l.rng.NormFloat64()
	sec := 0.3 + 2*(1024*0.02e-3+16*l.itl[i]/1e3) // startup + warmup per batch size
	var itlSum float64
	var n int
	for _, c := range cases {
		step := l.itl[i] * (1 + 0.02*float64(c.BatchSize-1))
		for r := 0; r < repeats; r++ {
			m := step * launchNoise * (1 + 0.02*l.rng.NormFloat64()/math.Sqrt(float64(c.OutputLen)))
			sec += float64(c.BatchSize)*1024*0.02e-3 + float64(c.OutputLen)*m/1e3
			if c.BatchSize == 1 {
				itlSum, n = itlSum+m, n+1
			}
		}
	}
	gh := sec * float64(l.cfgs[i].GPUs) / 3600
	l.hours += gh
	return Outcome{Score: itlSum / float64(n), OK: true, GPUHours: gh}
}

func (l *landscape) env() Env {
	return Env{
		Probe: func(i, outLen int) Outcome { return l.launch(i, ProbeCases(l.cfgs[i].Cases, outLen), 1) },
		Full:  func(i int) Outcome { return l.launch(i, l.cfgs[i].Cases, 3) },
		Skip:  func(int, string) error { return nil },
	}
}

func (l *landscape) all() []int {
	idx := make([]int, len(l.cfgs))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// runLandscape searches one seed's landscape: the winner's true-ITL ratio to the optimum and the GPU-hours.
func runLandscape(t testing.TB, strategy string, seed uint64) (ratio, hours float64, sum Summary) {
	l := newLandscape(seed)
	sum, err := Run(Options{Strategy: strategy, Objective: "itl"}, l.cfgs, l.all(), 2, l.env())
	if err != nil {
		t.Fatal(err)
	}
	w := -1
	for i, c := range l.cfgs {
		if c.ID == sum.Winner {
			w = i
		}
	}
	if w < 0 {
		t.Fatalf("%s seed %d chose no winner", strategy, seed)
	}
	return l.itl[w] / l.itl[l.best], l.hours, sum
}

// BenchmarkSearch reports, per strategy over 8 seeds, the GPU-hours spent as a
// fraction of the grid's and how many seeds chose the true optimum or one
// within noise (3%) of it:
//
//	go test ./internal/search -run '^$' -bench Search -benchtime 1x
func BenchmarkSearch(b *testing.B) {
	for _, strategy := range []string{"grid", "halving", "bayes"} {
		b.Run(strategy, func(b *testing.B) {
			for n := 0; n < b.N; n++ {
				var frac, worst float64
				exact, near := 0, 0
				const seeds = 8
				for seed := uint64(1); seed <= seeds; seed++ {
					_, grid, _ := runLandscape(b, "grid", seed)
					ratio, hours, _ := runLandscape(b, strategy, seed)
					frac += hours / grid / seeds
					worst = max(worst, ratio)
					if ratio == 1 {
						exact++
					}
					if ratio <= 1.03 {
						near++
					}
				}
				b.ReportMetric(frac*100, "%grid-gpu-hours")
				b.ReportMetric(float64(exact), "optimum/8")
				b.ReportMetric(float64(near), "within-noise/8")
				b.ReportMetric((worst-1)*100, "worst-%-off")
			}
		})
	}
}

// TestSearchBeatsGrid: halving and bayes find the optimum or one within
// noise on every seed, for at most 40% of the grid's GPU-hours.
func TestSearchBeatsGrid(t *testing.T) {
	for _, strategy := range []string{"halving", "bayes"} {
		for seed := uint64(1); seed <= 8; seed++ {
			_, grid, _ := runLandscape(t, "grid", seed)
			ratio, hours, sum := runLandscape(t, strategy, seed)
			t.Logf("%s seed %d: %s, %.2f%% off, %.0f%% of the grid's GPU-hours, %d launches", strategy, seed, sum.Winner, (ratio-1)*100, hours/grid*100, sum.Launched)
			if ratio > 1.03 {
				t.Errorf("seed %d: %s chose %s, %.1f%% off the optimum", seed, strategy, sum.Winner, (ratio-1)*100)
			}
			if hours > 0.4*grid {
				t.Errorf("seed %d: %s spent %.4g GPU-hours, %.0f%% of the grid's %.4g", seed, strategy, hours, hours/grid*100, grid)
			}
			if math.Abs(sum.SpentGPUHours-hours) > 1e-9 || sum.GridGPUHours <= 0 {
				t.Errorf("seed %d: summary spent %v (want %v), grid estimate %v", seed, sum.SpentGPUHours, hours, sum.GridGPUHours)
			}
		}
	}
}
