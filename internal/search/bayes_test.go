package search

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
)

// fn is a known landscape over backend (categorical) × flag (numeric):
// score f(i), each launch costing gh GPU-hours; bad configurations fail.
type fn struct {
	cfgs    []plan.Config
	f       []float64
	bad     map[int]bool
	skipped map[int]string
	logs    []Decision
	gh      float64
}

func newFn(score func(backend string, v int) float64) *fn {
	l := &fn{bad: map[int]bool{}, skipped: map[int]string{}, gh: 1}
	for _, be := range []string{"a", "b"} {
		for v := 1; v <= 20; v++ {
			l.cfgs = append(l.cfgs, plan.Config{ID: fmt.Sprintf("%s-%d", be, v), TP: 1, GPUs: 1,
				Params: map[string]string{"--backend": be, "--flag": strconv.Itoa(v * 8)}})
			l.f = append(l.f, score(be, v))
		}
	}
	return l
}

func bowl(be string, v int) float64 {
	f := 10 + 0.05*float64((v-13)*(v-13))
	if be == "b" {
		f *= 1.15
	}
	return f
}

func (l *fn) env() Env {
	return Env{
		Full: func(i int) Outcome {
			if l.bad[i] {
				return Outcome{OK: false, GPUHours: l.gh, Err: "boom"}
			}
			return Outcome{Score: l.f[i], OK: true, GPUHours: l.gh}
		},
		Probe: func(int, int) Outcome { panic("bayes does not probe") },
		Skip:  func(i int, reason string) error { l.skipped[i] = reason; return nil },
		Log:   func(d Decision) { l.logs = append(l.logs, d) },
	}
}

func (l *fn) all() []int {
	idx := make([]int, len(l.cfgs))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// check: every configuration is either launched or skipped with a search: reason, and every decision marshals.
func (l *fn) check(t *testing.T, sum Summary, wantReason string) {
	t.Helper()
	if sum.Launched+len(l.skipped) != len(l.cfgs) || sum.Skipped != len(l.skipped) {
		t.Errorf("launched %d + skipped %d (summary %d) != %d configurations", sum.Launched, len(l.skipped), sum.Skipped, len(l.cfgs))
	}
	for i, r := range l.skipped {
		if !strings.HasPrefix(r, Prefix) || !strings.Contains(r, wantReason) {
			t.Errorf("%s skipped: %q, want %q… containing %q", l.cfgs[i].ID, r, Prefix, wantReason)
			break
		}
	}
	if _, err := json.Marshal(l.logs); err != nil {
		t.Errorf("decisions do not marshal: %v", err)
	}
}

func TestBayesFindsOptimum(t *testing.T) {
	l := newFn(bowl)
	l.bad[5] = true
	sum, err := Run(Options{Strategy: "bayes", Objective: "itl"}, l.cfgs, l.all(), 2, l.env())
	if err != nil {
		t.Fatal(err)
	}
	// The optimum is a-13 (10); a-12/a-14 (10.05) and a-11/a-15 (10.2) are within the noise (3%).
	if sum.WinnerScore > 10*1.03 || !strings.HasPrefix(sum.Winner, "a-1") {
		t.Errorf("winner %s (%v), want a-13 (10) or one within 3%%", sum.Winner, sum.WinnerScore)
	}
	if sum.Launched > len(l.cfgs)*4/10 || sum.Full != sum.Launched {
		t.Errorf("%d launches (%d full) of %d configurations", sum.Launched, sum.Full, len(l.cfgs))
	}
	l.check(t, sum, "below the noise")
	for _, r := range l.skipped {
		if !strings.Contains(r, "for this configuration the Gaussian process predicts") {
			t.Errorf("reason without the model's view: %q", r)
			break
		}
	}
	actions := map[string]int{}
	for _, d := range l.logs {
		actions[d.Action]++
	}
	if actions["propose"] != sum.Launched || actions["full"] != sum.Launched || actions["winner"] != 1 {
		t.Errorf("decisions %v", actions)
	}
}

func TestBayesStopsOnFlatLandscape(t *testing.T) {
	l := newFn(func(string, int) float64 { return 10 })
	sum, err := Run(Options{Strategy: "bayes"}, l.cfgs, l.all(), 2, l.env())
	if err != nil {
		t.Fatal(err)
	}
	// Initial design: max(3, dimensions + 1) = 3; then every measurement says
	// flat, but the prior's ±30% (worth two measurements) fades only as
	// measurements add up, and the stopping rule sums over every candidate left.
	if sum.Launched > len(l.cfgs)*4/10 {
		t.Errorf("a flat landscape took %d launches", sum.Launched)
	}
	l.check(t, sum, "bayes stopped after")
}

func TestBayesBudgets(t *testing.T) {
	l := newFn(bowl)
	sum, _ := Run(Options{Strategy: "bayes", MaxConfigs: 5}, l.cfgs, l.all(), 2, l.env())
	if sum.Launched != 5 {
		t.Errorf("max_configs 5: %d launches", sum.Launched)
	}
	l.check(t, sum, "max_configs 5 reached")
	l = newFn(bowl)
	l.gh = 0.5
	sum, _ = Run(Options{Strategy: "bayes", BudgetGPUHours: 1.8}, l.cfgs, l.all(), 2, l.env())
	if sum.Launched != 4 || math.Abs(sum.SpentGPUHours-2) > 1e-9 {
		t.Errorf("budget 1.8 GPU-hours at 0.5 a launch: %d launches, %v spent", sum.Launched, sum.SpentGPUHours)
	}
	l.check(t, sum, "GPU-hour budget 1.8 spent")
}

// TestBayesPriorSeeds: the performance model's prediction, even off by a
// constant factor, is the prior mean: the first launch is the predicted best
// and the search needs few launches.
func TestBayesPriorSeeds(t *testing.T) {
	l := newFn(bowl)
	s := newState(Options{Strategy: "bayes", Objective: "itl"}, l.cfgs, l.all(), l.env())
	s.predict = func(i int) Predicted {
		p := 1.3 * l.f[i]
		return Predicted{Score: p, Low: p / 1.5, High: p * 1.5, OK: true}
	}
	if err := s.bayes(); err != nil {
		t.Fatal(err)
	}
	sum := s.finish()
	if l.logs[0].ConfigID != "a-13" || !strings.Contains(l.logs[0].Reason, "best predicted by the performance model") {
		t.Errorf("first decision %+v", l.logs[0])
	}
	if sum.WinnerScore > 10*1.03 || sum.Launched > 6 {
		t.Errorf("winner %s after %d launches", sum.Winner, sum.Launched)
	}
	l.check(t, sum, "search: bayes stopped")
}

func TestBayesThroughputObjective(t *testing.T) {
	l := newFn(func(be string, v int) float64 { return -1000 / bowl(be, v) })
	sum, err := Run(Options{Strategy: "bayes", Objective: "output_throughput"}, l.cfgs, l.all(), 2, l.env())
	if err != nil || sum.WinnerScore > -1000/(10*1.03) {
		t.Errorf("winner %s (%v), err %v", sum.Winner, sum.WinnerScore, err)
	}
	l.check(t, sum, "below the noise")
}

func TestSpaceEncoding(t *testing.T) {
	cfgs := []plan.Config{
		{TP: 1, ModelKey: "m", Params: map[string]string{"--n": "16", "--c": "x", "--same": "1", "--lin": "0"}},
		{TP: 8, ModelKey: "m", Params: map[string]string{"--n": "64", "--c": "y", "--same": "1", "--lin": "1"}},
		{TP: 2, ModelKey: "m", Params: map[string]string{"--n": "32", "--c": "x", "--same": "1", "--lin": "2"}},
	}
	sp := newSpace(cfgs, []int{0, 1, 2})
	if want := []string{"tp", "--c", "--lin", "--n"}; fmt.Sprint(sp.names) != fmt.Sprint(want) {
		t.Fatalf("dimensions %v, want %v (one-valued model and --same left out)", sp.names, want)
	}
	// tp on a log scale (1..8 spans 8×), --c one-hot, --lin linear, --n log.
	want := [][]float64{{0, 1 / math.Sqrt2, 0, 0, 0}, {1, 0, 1 / math.Sqrt2, 0.5, 1}, {1.0 / 3, 1 / math.Sqrt2, 0, 1, 0.5}}
	for i := range want {
		for c := range want[i] {
			if math.Abs(sp.x[i][c]-want[i][c]) > 1e-12 {
				t.Fatalf("x = %v, want %v", sp.x, want)
			}
		}
	}
}

func TestGPAndExpectedImprovement(t *testing.T) {
	x := [][]float64{{0}, {0.5}, {1}}
	g := fitGP(x, []float64{1, -1, 0.5}, [][]int{{0}}, 1, 1e-6)
	for i, r := range []float64{1, -1, 0.5} {
		if mu, sd := g.predict(x[i]); math.Abs(mu-r) > 1e-3 || sd > 0.01 {
			t.Errorf("at an observed point: %v ± %v, want %v", mu, sd, r)
		}
	}
	if _, sd := g.predict([]float64{0.25}); sd < 0.05 {
		t.Errorf("between observations sd %v", sd)
	}
	// EI(μ = best, σ) = σ φ(0); far worse means tend to 0; certain gains are the gain.
	if ei := expectedImprovement(1, 0.1, 1); math.Abs(ei-0.1/math.Sqrt(2*math.Pi)) > 1e-12 {
		t.Errorf("EI at the best: %v", ei)
	}
	if ei := expectedImprovement(2, 0.1, 1); ei > 1e-20 {
		t.Errorf("EI 10σ worse: %v", ei)
	}
	if ei := expectedImprovement(0.5, 0, 1); ei != 0.5 {
		t.Errorf("EI of a certain gain: %v", ei)
	}
}
