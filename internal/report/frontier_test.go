package report

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/rundir"
	"github.com/servesweep/servesweep/internal/sweep"
)

// TestSteffenMonotoneExactNoOvershoot: the interpolant passes through every
// knot, falls wherever the data fall, and stays flat on a flat stretch,
// where a natural cubic spline overshoots.
func TestSteffenMonotoneExactNoOvershoot(t *testing.T) {
	xs := []float64{2, 5, 9, 30, 60, 61}
	ys := []float64{900, 850, 600, 300, 40, 39}
	pc := steffen(xs, ys)
	for i := range xs {
		if got := pc.Predict(xs[i]); math.Abs(got-ys[i]) > 1e-9 {
			t.Errorf("knot %g: %g, want %g", xs[i], got, ys[i])
		}
	}
	prev := math.Inf(1)
	for x := xs[0]; x <= xs[len(xs)-1]; x += 0.01 {
		y := pc.Predict(x)
		if y > prev+1e-9 {
			t.Fatalf("not monotone at %g: %g after %g", x, y, prev)
		}
		prev = y
	}
	flat := steffen([]float64{0, 1, 2, 3}, []float64{0, 1, 1, 2})
	for _, x := range []float64{1.2, 1.5, 1.8} {
		if y := flat.Predict(x); y != 1 {
			t.Errorf("flat stretch at %g: %g, want exactly 1", x, y)
		}
	}
	if y := steffen([]float64{1, 3}, []float64{10, 20}).Predict(2.5); math.Abs(y-17.5) > 1e-12 {
		t.Errorf("two knots interpolate linearly: %g", y)
	}
	// The first interval of a convex decreasing curve: strictly between its knots.
	if y := pc.Predict(3.5); !(y < 900 && y > 850) {
		t.Errorf("between knots: %g", y)
	}
}

func fp(id string, conc int, user, gpu float64) FrontierPoint {
	return FrontierPoint{ConfigID: id, Display: id, Concurrency: conc, TokensPerSPerUser: user, TokensPerSPerGPU: gpu, GPUs: 1}
}

// TestParetoSet: dominated points leave, ties keep the first, order is
// most interactive first.
func TestParetoSet(t *testing.T) {
	pts := []FrontierPoint{
		fp("a", 1, 50, 50), fp("a", 4, 40, 150), fp("a", 16, 10, 300),
		fp("b", 1, 60, 55), fp("b", 4, 35, 140), fp("b", 16, 12, 310),
		fp("c", 8, 40, 150), // equal to a@4: not dominated, but a duplicate
	}
	got := pareto(pts)
	var ids []string
	for _, p := range got {
		ids = append(ids, pointLabel(p)+"/"+p.ConfigID)
	}
	if want := "concurrency 1/b concurrency 4/a concurrency 16/b"; strings.Join(ids, " ") != want {
		t.Fatalf("pareto %v, want %s", ids, want)
	}
	for _, p := range got {
		for _, q := range pts {
			if dominates(q, p) {
				t.Fatalf("%+v dominated by %+v", p, q)
			}
		}
	}
}

// TestCurveAtOutsideRange: the target outside a configuration's measured
// points is said, never extrapolated.
func TestCurveAtOutsideRange(t *testing.T) {
	c := []FrontierPoint{fp("a", 16, 10, 300), fp("a", 4, 40, 150), fp("a", 1, 50, 50)}
	if y, how, note := curveAt(c, 55); how != AtAboveRange || y != 0 || !strings.Contains(note, "most interactive is 50 at concurrency 1") {
		t.Errorf("above: %g %s %s", y, how, note)
	}
	if y, how, note := curveAt(c, 5); how != AtBelowRange || y != 300 || !strings.Contains(note, "lower bound") {
		t.Errorf("below: %g %s %s", y, how, note)
	}
	if y, how, _ := curveAt(c, 40); how != AtMeasured || y != 150 {
		t.Errorf("knot: %g %s", y, how)
	}
	y, how, note := curveAt(c, 25)
	if how != AtInterpolated || y <= 150 || y >= 300 || note != "between concurrency 16 (10 tok/s per user) and concurrency 4 (40)" {
		t.Errorf("interpolated: %g %s %q", y, how, note)
	}
}

func loadRes(id string, conc int, thr, tpot float64) load.Result {
	return load.Result{ConfigID: id, ModelKey: "m", InputLen: 64, OutputLen: 16, Profile: sweep.LoadProfile{Concurrency: conc, Ladder: 1},
		Completed: 4 * conc, OutputThroughput: thr, TPOTMs: load.Percentiles{P50: tpot}}
}

// frontierReport: a 2-GPU configuration and a CPU-only one, each a ladder;
// the CPU one stopped at saturation.
func frontierReport() *Report {
	cfg := func(id string, gpus int) plan.Config {
		return plan.Config{ID: id, ModelKey: "m", Model: "org/m", ModelName: "M", GPUs: gpus, Variant: id, TP: max(gpus, 1)}
	}
	meta := rundir.Meta{GPUHourPrice: 2, CPUHourPrice: 0.5, Configs: []plan.Config{cfg("gpu2", 2), cfg("cpu", 0)}}
	rep := Build(meta, nil, nil, LinkOptions{})
	sat := loadRes("cpu", 4, 62, 60)
	sat.Saturated = "output throughput 60 → 62 tok/s"
	notRun := load.Result{ConfigID: "cpu", ModelKey: "m", InputLen: 64, OutputLen: 16, Profile: sweep.LoadProfile{Concurrency: 8, Ladder: 1}, Saturation: load.Saturation{NotRun: "saturated at concurrency 4: output throughput 60 → 62 tok/s"}}
	rep.Load = []load.Result{
		loadRes("gpu2", 1, 100, 10), loadRes("gpu2", 2, 180, 11), loadRes("gpu2", 4, 320, 12.5),
		loadRes("cpu", 1, 40, 25), loadRes("cpu", 2, 60, 33), sat, notRun,
	}
	rep.buildFrontiers()
	return rep
}

func TestFrontierFromLoad(t *testing.T) {
	rep := frontierReport()
	if len(rep.Frontier) != 1 {
		t.Fatalf("frontiers %+v", rep.Frontier)
	}
	f := rep.Frontier[0]
	if len(f.Points) != 6 || f.Points[0].TokensPerSPerGPU != 50 || f.Points[0].TokensPerSPerUser != 100 {
		t.Fatalf("points %+v", f.Points)
	}
	cpu := f.Points[3]
	if cpu.TokensPerSPerGPU != 40 || cpu.TokensPerSPerUser != 40 || cpu.GPUs != 0 {
		t.Fatalf("a CPU-only configuration counts as one: %+v", cpu)
	}
	// $/1M: 1e6 × $2 per GPU-hour / 3600 / 50 tok/s per GPU; the CPU at $0.50/h.
	if c := f.Points[0].OutputCostPer1M; math.Abs(c-1e6*2/3600/50) > 1e-9 {
		t.Errorf("gpu cost %g", c)
	}
	if c := cpu.OutputCostPer1M; math.Abs(c-1e6*0.5/3600/40) > 1e-9 {
		t.Errorf("cpu cost %g", c)
	}
	if len(f.Pareto) != 3 || f.Pareto[0].ConfigID != "gpu2" || f.Pareto[2].Concurrency != 4 {
		t.Fatalf("the 2-GPU configuration dominates at these numbers: %+v", f.Pareto)
	}
	if len(f.Stopped) != 1 || f.Stopped[0].NotRun[0] != "concurrency 8" || !strings.HasPrefix(f.Stopped[0].Reason, "saturated at concurrency 4") {
		t.Fatalf("stopped %+v", f.Stopped)
	}
	if f.Target != nil {
		t.Fatal("no target, no answer")
	}
	rep.SetFrontierTarget(85)
	a := rep.Frontier[0].Target
	if a == nil || a.Best == nil || a.Best.ConfigID != "gpu2" || a.Best.How != AtInterpolated || a.Best.TokensPerSPerGPU <= 90 || a.Best.TokensPerSPerGPU >= 160 {
		t.Fatalf("answer %+v", a)
	}
	if cpuPick := a.Configs[1]; cpuPick.How != AtAboveRange || cpuPick.OutputCostPer1M != 0 {
		t.Fatalf("the CPU configuration never reaches 85 tok/s per user: %+v", cpuPick)
	}
	rep.SetFrontierTarget(500)
	if a := rep.Frontier[0].Target; a.Best != nil {
		t.Fatalf("nothing reaches 500: %+v", a.Best)
	}
}

// TestFrontierJSONAndMarkdown: the contract's JSON fields, and the markdown.
// 124.94 at 85 tok/s per user, worked by hand from Steffen's slopes: knots
// (80, 160), (90.9, 90), (100, 50); slopes −7.517 (end) and −5.317; the
// Hermite cubic on [80, 90.9] at t = 0.458.
func TestFrontierJSONAndMarkdown(t *testing.T) {
	rep := frontierReport()
	rep.SetFrontierTarget(85)
	var js bytes.Buffer
	if err := rep.JSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Frontier []struct {
			Points []map[string]any `json:"points"`
			Pareto []map[string]any `json:"pareto"`
		} `json:"frontier"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.Frontier) != 1 {
		t.Fatalf("%v %s", err, js.String())
	}
	for _, k := range []string{"config_id", "concurrency", "tokens_per_s_per_gpu", "tokens_per_s_per_user"} {
		if _, ok := doc.Frontier[0].Points[0][k]; !ok {
			t.Errorf("point lacks %s", k)
		}
		if _, ok := doc.Frontier[0].Pareto[0][k]; !ok {
			t.Errorf("pareto point lacks %s", k)
		}
	}
	var b strings.Builder
	rep.Markdown(&b)
	md := b.String()
	for _, s := range []string{"### Throughput–interactivity frontier", "```mermaid", "xychart-beta", "plotColorPalette",
		"| blue | TP2 | concurrency 1: 100, 50;", "**At ≥ 85 tok/s per user**: **TP2** gives the most, 124.94",
		"| concurrency 8 | 64/16 | not run: saturated at concurrency 4", "concurrency 4 ⏹ saturated",
		"⏹ **TP1** stopped climbing its ladder", "above measured range"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q", s)
		}
	}
	if t.Failed() {
		t.Log(md)
	}
}

// TestChartSeries: the frontier line is the best configuration at each x;
// a configuration is 0 past its most interactive point and exact at its own.
func TestChartSeries(t *testing.T) {
	f := frontierReport().Frontier[0]
	ss := f.ChartSeries(12)
	if len(ss) != 3 || ss[0].ConfigID != "" || ss[1].ConfigID != "gpu2" || len(ss[0].X) != 12 {
		t.Fatalf("series %+v", ss)
	}
	if ss[0].X[0] != 1000.0/60 || ss[0].X[11] != 100 {
		t.Fatalf("x from the least to the most interactive point: %v", ss[0].X)
	}
	for i, x := range ss[0].X {
		if m := math.Max(ss[1].Y[i], ss[2].Y[i]); ss[0].Y[i] != m {
			t.Errorf("x %.3g: frontier %g, best configuration %g", x, ss[0].Y[i], m)
		}
		if x > 40 && ss[2].Y[i] != 0 {
			t.Errorf("cpu beyond its 40 tok/s per user: %g at %.3g", ss[2].Y[i], x)
		}
	}
	if ss[1].Y[11] != 50 {
		t.Errorf("gpu2 at its own concurrency-1 point (100 tok/s per user): %g, want 50", ss[1].Y[11])
	}
}

// TestAnswerRandomFrontiers: on random ladders, every configuration's
// figure at a target inside its range lies between its measured neighbours,
// and the best is the largest figure of those in or below range.
func TestAnswerRandomFrontiers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		var pts []FrontierPoint
		for c := range 1 + rng.IntN(3) {
			id := string(rune('a' + c))
			for k := range 1 + rng.IntN(6) {
				pts = append(pts, fp(id, 1<<k, 1+rng.Float64()*99, 1+rng.Float64()*999))
			}
		}
		target := 1 + rng.Float64()*99
		a := answer(pts, target, func(int, float64) float64 { return 1 })
		best := -1.0
		for _, p := range a.Configs {
			if p.How == AtAboveRange {
				continue
			}
			best = math.Max(best, p.TokensPerSPerGPU)
			if p.How != AtInterpolated {
				continue
			}
			_, curves := configCurves(pts)
			c := curves[p.ConfigID]
			k := 0
			for c[k+1].TokensPerSPerUser < target {
				k++
			}
			lo, hi := c[k+1].TokensPerSPerGPU, c[k].TokensPerSPerGPU
			if p.TokensPerSPerGPU < lo-1e-9 || p.TokensPerSPerGPU > hi+1e-9 {
				t.Fatalf("trial %d: %s at %.3g: %g outside its neighbours [%g, %g]", trial, p.ConfigID, target, p.TokensPerSPerGPU, lo, hi)
			}
		}
		if (best < 0) != (a.Best == nil) || (a.Best != nil && a.Best.TokensPerSPerGPU != best) {
			t.Fatalf("trial %d: best %+v, want %g", trial, a.Best, best)
		}
	}
}
