package search

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/servesweep/servesweep/internal/plan"
)

// Summary is what a search did.
type Summary struct {
	Strategy string `json:"strategy"`
	// Winner is the best fully measured configuration ("" when none).
	Winner      string  `json:"winner"`
	WinnerScore float64 `json:"winner_score"`
	// SpentGPUHours is every launch's GPU-hours, probes included.
	SpentGPUHours float64 `json:"spent_gpu_hours"`
	// GridGPUHours estimates what running every configuration fully would
	// have cost: the full runs' mean GPU-hours per GPU × every candidate's GPUs.
	GridGPUHours float64 `json:"grid_gpu_hours"`
	Launched     int     `json:"launched"`
	Full         int     `json:"full"`
	Skipped      int     `json:"skipped"`
}

// state is one search in progress.
type state struct {
	o      Options
	cfgs   []plan.Config
	idx    []int // candidate indexes into cfgs
	env    Env
	sum    Summary
	tried  map[int]bool // launched at least once
	fullGH float64      // GPU-hours of full runs
	fullG  int          // GPUs of full runs
	best   int
	// predict is a candidate's predicted score (the performance model's).
	predict func(i int) Predicted
}

func (s *state) log(round int, i int, action, reason string, score *float64) {
	if s.env.Log != nil {
		s.env.Log(Decision{Kind: "decision", Round: round, ConfigID: s.cfgs[i].ID, Action: action, Score: score, Reason: reason, SpentGPUHours: s.sum.SpentGPUHours})
	}
}

func (s *state) skip(round, i int, reason string) error {
	s.sum.Skipped++
	s.log(round, i, "skip", Prefix+reason, nil)
	return s.env.Skip(i, Prefix+reason)
}

// budgetLeft says whether one more launch of config i is allowed; if not, why.
func (s *state) budgetLeft(i int) (bool, string) {
	if b := s.o.BudgetGPUHours; b > 0 && s.sum.SpentGPUHours >= b {
		return false, fmt.Sprintf("GPU-hour budget %.4g spent (%.4g GPU-hours used)", b, s.sum.SpentGPUHours)
	}
	if m := s.o.MaxConfigs; m > 0 && !s.tried[i] && len(s.tried) >= m {
		return false, fmt.Sprintf("max_configs %d reached", m)
	}
	return true, ""
}

func (s *state) spend(i int, out Outcome) {
	s.tried[i] = true
	s.sum.Launched++
	s.sum.SpentGPUHours += out.GPUHours
}

// Run runs the search over the configurations at indexes idx of cfgs.
func Run(o Options, cfgs []plan.Config, idx []int, hourPrice float64, env Env) (Summary, error) {
	s := newState(o, cfgs, idx, env)
	s.predict = func(i int) Predicted { return Predict(cfgs[i], s.o.Objective, hourPrice) }
	var err error
	switch o.Strategy {
	case "halving":
		err = s.halving(hourPrice)
	case "bayes":
		err = s.bayes()
	default:
		err = s.full(0, idx)
	}
	return s.finish(), err
}

func newState(o Options, cfgs []plan.Config, idx []int, env Env) *state {
	s := &state{o: o.withDefaults(), cfgs: cfgs, idx: idx, env: env, tried: map[int]bool{}, best: -1}
	s.sum.Strategy = o.Strategy
	return s
}

// finish estimates the grid's GPU-hours and logs the winner.
func (s *state) finish() Summary {
	cfgs, idx := s.cfgs, s.idx
	if s.fullG > 0 {
		gpus := 0
		for _, i := range idx {
			gpus += max(1, cfgs[i].GPUs)
		}
		s.sum.GridGPUHours = s.fullGH / float64(s.fullG) * float64(gpus)
	}
	if s.best >= 0 {
		s.sum.Winner = cfgs[s.best].ID
		sc := s.sum.WinnerScore
		s.log(-1, s.best, "winner", "best fully measured configuration", &sc)
	}
	return s.sum
}

// full measures every configuration of todo fully, within the budgets.
func (s *state) full(round int, todo []int) error {
	for _, i := range todo {
		if s.env.Stopped != nil && s.env.Stopped() {
			return nil
		}
		if ok, why := s.budgetLeft(i); !ok {
			if err := s.skip(round, i, why); err != nil {
				return err
			}
			continue
		}
		s.measure(round, i)
	}
	return nil
}

// measure runs configuration i fully, logs it and keeps the best.
func (s *state) measure(round, i int) Outcome {
	out := s.env.Full(i)
	s.spend(i, out)
	s.sum.Full++
	s.fullGH += out.GPUHours
	s.fullG += max(1, s.cfgs[i].GPUs)
	sc := out.Score
	s.log(round, i, "full", "full cases and repeats"+errSuffix(out), &sc)
	if out.OK && (s.best < 0 || out.Score < s.sum.WinnerScore) {
		s.best, s.sum.WinnerScore = i, out.Score
	}
	return out
}

func errSuffix(o Outcome) string {
	if o.OK {
		return ""
	}
	return " (measured nothing: " + o.Err + ")"
}

// order sorts the candidates by predicted score (unpredicted last, in plan
// order) and drops those predicted clearly worse: whose optimistic end is
// worse than another's pessimistic end.
func (s *state) order(hourPrice float64) ([]int, error) {
	pred := map[int]Predicted{}
	bestHigh := math.Inf(1)
	for _, i := range s.idx {
		p := Predict(s.cfgs[i], s.o.Objective, hourPrice)
		pred[i] = p
		if p.OK {
			bestHigh = min(bestHigh, p.High)
		}
	}
	alive := slices.Clone(s.idx)
	sort.SliceStable(alive, func(a, b int) bool {
		pa, pb := pred[alive[a]], pred[alive[b]]
		return pa.OK && (!pb.OK || pa.Score < pb.Score)
	})
	var kept []int
	for _, i := range alive {
		p := pred[i]
		if p.OK && p.Low > bestHigh {
			if err := s.skip(0, i, fmt.Sprintf("predicted clearly worse: optimistic %.4g is worse than the best pessimistic %.4g (performance model)", p.Low, bestHigh)); err != nil {
				return nil, err
			}
			continue
		}
		if p.OK {
			sc := p.Score
			s.log(0, i, "order", fmt.Sprintf("predicted %.4g [%.4g, %.4g]", p.Score, p.Low, p.High), &sc)
		}
		kept = append(kept, i)
	}
	return kept, nil
}
