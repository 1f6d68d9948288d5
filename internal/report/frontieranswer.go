package report

import (
	"fmt"
	"math"
)

// How a configuration's figure at the target was found.
const (
	AtMeasured     = "measured"     // a measured point lies at the target
	AtInterpolated = "interpolated" // between two measured points (Steffen)
	// AtBelowRange: every measured point is more interactive than the
	// target; the figure is the least interactive point's, a lower bound
	// (more load than was measured might give more).
	AtBelowRange = "below_measured_range"
	// AtAboveRange: no measured point reaches the target.
	AtAboveRange = "above_measured_range"
)

// FrontierAnswer answers "at ≥ N output tokens/s per user, which
// configuration gives the most output tokens/s per GPU, and at what $/1M".
type FrontierAnswer struct {
	TokensPerSPerUser float64 `json:"tokens_per_s_per_user"`
	// Best is the answer; nil when no configuration reaches the target.
	Best *FrontierPick `json:"best,omitempty"`
	// Configs are every configuration's figures at the target, best first.
	Configs []FrontierPick `json:"configs"`
}

// FrontierPick is one configuration's output tokens/s per GPU at the target.
type FrontierPick struct {
	ConfigID         string  `json:"config_id"`
	Display          string  `json:"display"`
	TokensPerSPerGPU float64 `json:"tokens_per_s_per_gpu"`
	OutputCostPer1M  float64 `json:"output_cost_per_1m,omitempty"`
	// How is measured, interpolated, below_measured_range or above_measured_range.
	How string `json:"how"`
	// Note names the measured points the figure comes from.
	Note string `json:"note"`
}

// SetFrontierTarget sets the interactivity (output tokens/s per user) the
// frontier question asks about, overriding the run's frontier: setting;
// 0 leaves the question unasked.
func (r *Report) SetFrontierTarget(n float64) {
	r.Meta.FrontierTarget = n
	r.answerFrontiers()
}

func (r *Report) answerFrontiers() {
	for i := range r.Frontier {
		f := &r.Frontier[i]
		f.Target = nil
		if r.Meta.FrontierTarget > 0 && len(f.Points) > 0 {
			f.Target = answer(f.Points, r.Meta.FrontierTarget, r.costPer1M)
		}
	}
}

// answer finds every configuration's figure at target and the best one.
func answer(pts []FrontierPoint, target float64, cost func(gpus int, perGPU float64) float64) *FrontierAnswer {
	a := &FrontierAnswer{TokensPerSPerUser: target, Configs: []FrontierPick{}}
	ids, curves := configCurves(pts)
	for _, id := range ids {
		c := curves[id]
		y, how, note := curveAt(c, target)
		p := FrontierPick{ConfigID: id, Display: c[0].Display, TokensPerSPerGPU: y, How: how, Note: note}
		if how != AtAboveRange {
			p.OutputCostPer1M = cost(c[0].GPUs, y)
		}
		a.Configs = append(a.Configs, p)
	}
	sortPicks(a.Configs)
	if len(a.Configs) > 0 && a.Configs[0].How != AtAboveRange {
		best := a.Configs[0]
		a.Best = &best
	}
	return a
}

// sortPicks orders picks by tokens/s per GPU, those above range last.
func sortPicks(ps []FrontierPick) {
	rank := func(p FrontierPick) float64 {
		if p.How == AtAboveRange {
			return math.Inf(-1)
		}
		return p.TokensPerSPerGPU
	}
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && rank(ps[j]) > rank(ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// curveAt is a configuration's tokens/s per GPU at x tokens/s per user, from
// its own Pareto points c (tokens per user rising): Steffen's monotone cubic
// between the two measured points around x, the point itself at a knot.
func curveAt(c []FrontierPoint, x float64) (float64, string, string) {
	n := len(c)
	lo, hi := c[0], c[n-1]
	switch {
	case x > hi.TokensPerSPerUser*(1+1e-9):
		return 0, AtAboveRange, fmt.Sprintf("no measured point reaches %.3g tok/s per user; the most interactive is %.3g at %s", x, hi.TokensPerSPerUser, pointLabel(hi))
	case x < lo.TokensPerSPerUser*(1-1e-9):
		return lo.TokensPerSPerGPU, AtBelowRange, fmt.Sprintf("every measured point is more interactive; the least, %.3g tok/s per user at %s, is a lower bound (a higher load was not measured)", lo.TokensPerSPerUser, pointLabel(lo))
	}
	xs, ys := make([]float64, n), make([]float64, n)
	for i, p := range c {
		if math.Abs(p.TokensPerSPerUser-x) <= 1e-9*x {
			return p.TokensPerSPerGPU, AtMeasured, "measured at " + pointLabel(p)
		}
		xs[i], ys[i] = p.TokensPerSPerUser, p.TokensPerSPerGPU
	}
	k := 0
	for k+1 < n && xs[k+1] < x {
		k++
	}
	y := steffen(xs, ys).Predict(x)
	return y, AtInterpolated, fmt.Sprintf("between %s (%.3g tok/s per user) and %s (%.3g)", pointLabel(c[k]), xs[k], pointLabel(c[k+1]), xs[k+1])
}

// pointLabel names the load of a point: "concurrency 8" or "rate 4/s".
func pointLabel(p FrontierPoint) string {
	if p.Concurrency > 0 {
		return fmt.Sprintf("concurrency %d", p.Concurrency)
	}
	return fmt.Sprintf("rate %g/s", p.Rate)
}
