// Package search decides which configurations of a sweep to launch and how
// much to measure each: grid (all of them, fully), successive halving
// (every configuration a short probe, the worse part dropped each round, the
// survivors measured fully) or bayes (a Gaussian process proposes each
// launch by expected improvement). It decides; the runner launches. Every decision
// is a Decision the runner logs and records.
package search

import (
	"cmp"
	"math"
	"slices"

	"github.com/servesweep/servesweep/internal/perfmodel"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

// Reason prefix of every configuration the search decided not to run.
const Prefix = "search: "

// Options are the sweep file's search: section and the objective.
type Options struct {
	Strategy       string
	BudgetGPUHours float64 // 0: no budget
	MaxConfigs     int     // 0: no limit
	// Objective is the report's objective (itl, output_throughput, cost, budget).
	Objective string
	// CostBudget is the budget objective's USD per 1M output tokens.
	CostBudget float64
	// Eta is the halving factor (default 3): each round keeps 1/Eta.
	Eta int
	// Finalists is how many configurations get the full cases (default 2).
	Finalists int
	// Noise is the relative difference under which two scores count as equal
	// (default 0.03): in halving a configuration within it of the cut survives
	// the round; bayes stops when what is left to gain is below it.
	Noise float64
}

func (o Options) withDefaults() Options {
	if o.Eta < 2 {
		o.Eta = 3
	}
	if o.Finalists < 1 {
		o.Finalists = 2
	}
	if o.Noise <= 0 {
		o.Noise = 0.03
	}
	return o
}

// Outcome is what one launch measured: its score (lower is better, see
// Score), whether it measured anything, and the GPU-hours it took.
type Outcome struct {
	Score    float64
	OK       bool
	GPUHours float64
	Err      string
}

// Env is what a strategy needs of the runner. Probe launches configuration i
// with its cases cut to outputLen output tokens and one repeat (measurements
// kept apart from the results); Full launches it with every case and repeat
// (its results are the sweep's); Skip records it as skipped with reason.
type Env struct {
	Probe func(i, outputLen int) Outcome
	Full  func(i int) Outcome
	Skip  func(i int, reason string) error
	Log   func(Decision)
	// Stopped says the sweep was interrupted or a record failed: stop launching.
	Stopped func() bool
}

// Decision is one logged decision of the search.
type Decision struct {
	Kind     string   `json:"kind"` // always "decision"
	Round    int      `json:"round"`
	ConfigID string   `json:"config_id"`
	Action   string   `json:"action"` // order | probe | keep | drop | propose | full | skip | winner
	Score    *float64 `json:"score,omitempty"`
	Reason   string   `json:"reason"`
	// SpentGPUHours is the search's total after this decision.
	SpentGPUHours float64 `json:"spent_gpu_hours"`
}

// Score turns a configuration's ok results into one number, lower is better:
// itl → the median ITL (ms) of the smallest batch's results (its repeats and
// input/output lengths; a repeat the machine disturbed does not decide);
// output_throughput → minus the
// best output throughput; cost → the lowest output cost per 1M tokens;
// budget → minus the best output throughput among cases within the budget.
// The default (""), like the report's, is itl.
func Score(objective string, costBudget float64, rs []results.Result) (float64, bool) {
	var ok []results.Result
	for _, r := range rs {
		if r.Status == results.StatusOK {
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		return 0, false
	}
	switch objective {
	case "output_throughput", "budget", "cost":
		return throughputScore(objective, costBudget, ok)
	}
	minB := slices.MinFunc(ok, func(a, b results.Result) int { return a.BatchSize - b.BatchSize }).BatchSize
	var itl []float64
	for _, r := range ok {
		if r.BatchSize == minB && r.ITLMs != nil {
			itl = append(itl, *r.ITLMs)
		}
	}
	if len(itl) == 0 {
		return 0, false
	}
	slices.Sort(itl)
	if n := len(itl); n%2 == 0 {
		return (itl[n/2-1] + itl[n/2]) / 2, true
	}
	return itl[len(itl)/2], true
}

func throughputScore(objective string, costBudget float64, ok []results.Result) (float64, bool) {
	best, found := math.Inf(1), false
	for _, r := range ok {
		var v float64
		switch {
		case objective == "cost" && r.OutputCostPer1M != nil:
			v = *r.OutputCostPer1M
		case r.OutputThroughput != nil && (objective != "budget" || r.OutputCostPer1M != nil && *r.OutputCostPer1M <= costBudget):
			v = -*r.OutputThroughput
		default:
			continue
		}
		best, found = min(best, v), true
	}
	return best, found
}

// Predicted is a configuration's predicted score with its interval (Low is
// the optimistic end), from the performance model.
type Predicted struct {
	Score, Low, High float64
	OK               bool
}

// Predict is cfg's predicted score for the objective (OK false without a model).
func Predict(cfg plan.Config, objective string, hourPrice float64) Predicted {
	if cfg.Perf == nil || len(cfg.Cases) == 0 {
		return Predicted{}
	}
	var shapes []perfmodel.Shape
	for _, c := range cfg.Cases {
		shapes = append(shapes, perfmodel.Shape{Batch: c.BatchSize, InputLen: c.InputLen, OutputLen: c.OutputLen})
	}
	p := cfg.Perf.Predict(shapes, hourPrice*float64(max(1, cfg.GPUs)))
	switch objective {
	case "output_throughput", "budget":
		best := slices.MaxFunc(p.Cases, func(a, b perfmodel.CasePrediction) int { return cmp.Compare(a.OutputThroughput, b.OutputThroughput) })
		return Predicted{-best.OutputThroughput, -best.OutputThroughputHigh, -best.OutputThroughputLow, best.OutputThroughput > 0}
	case "cost":
		if p.OutputCostPer1M == nil {
			return Predicted{}
		}
		return Predicted{*p.OutputCostPer1M, *p.OutputCostPer1MLow, *p.OutputCostPer1MHigh, true}
	}
	c := slices.MinFunc(p.Cases, func(a, b perfmodel.CasePrediction) int { return a.Batch - b.Batch })
	return Predicted{c.ITLMs, c.ITLMsLow, c.ITLMsHigh, c.ITLMs > 0}
}

// ProbeCases are cfg's cases with output lengths cut to outputLen (the
// distinct shapes only).
func ProbeCases(cases []plan.Case, outputLen int) []plan.Case {
	var out []plan.Case
	for _, c := range cases {
		c.OutputLen = min(c.OutputLen, max(2, outputLen))
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}
