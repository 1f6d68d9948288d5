package search

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// bayes is Bayesian optimisation: a Gaussian process over the candidates'
// coordinates (see space), on the log of the score, whose prior mean is the
// performance model's prediction (shifted by the mean measured-to-predicted
// ratio) where there is one. After a small space-filling initial design it
// launches, one at a time, the candidate of largest expected improvement,
// each measured fully (all cases and repeats), and stops when the expected
// improvement beyond half the noise, summed over every candidate left, is
// below the noise, or a budget is spent; the candidates not launched are
// skipped with the model's view of them.
func (s *state) bayes() error {
	b := newBayes(s)
	for round := 1; ; round++ {
		if s.env.Stopped != nil && s.env.Stopped() {
			return nil
		}
		pos, why := b.next()
		if pos < 0 {
			return b.skipRest(round, why)
		}
		i := b.idx[pos]
		if ok, reason := s.budgetLeft(i); !ok {
			return b.skipRest(round, reason)
		}
		var sc *float64
		if !math.IsNaN(b.mu[pos]) {
			v := b.inv(b.mu[pos])
			sc = &v
		}
		s.log(round, i, "propose", why, sc)
		out := s.measure(round, i)
		b.launched[pos] = true
		if out.OK {
			b.y[pos] = b.tf(out.Score)
		}
	}
}

// bayesRun is the state of a Bayesian search: candidates by position.
type bayesRun struct {
	s        *state
	idx      []int
	sp       *space
	prior    []Predicted
	y        map[int]float64 // position → log score measured
	launched []bool
	neg      bool // scores are negative (minus a throughput)
	n0       int  // initial design size
	// The latest model's view of each candidate (log scale): mean,
	// standard deviation, expected improvement.
	// eiN is the expected improvement beyond half the noise (the stopping rule's).
	mu, sd, ei, eiN []float64
}

func newBayes(s *state) *bayesRun {
	n := len(s.idx)
	b := &bayesRun{s: s, idx: s.idx, sp: newSpace(s.cfgs, s.idx), y: map[int]float64{}, launched: make([]bool, n),
		mu: make([]float64, n), sd: make([]float64, n), ei: make([]float64, n), eiN: make([]float64, n)}
	b.neg = s.o.Objective == "output_throughput" || s.o.Objective == "budget"
	for _, i := range s.idx {
		b.prior = append(b.prior, s.predict(i))
	}
	b.n0 = min(n, max(3, len(b.sp.groups)+1))
	for p := range b.mu {
		b.mu[p], b.sd[p] = math.NaN(), math.NaN()
		if b.prior[p].OK {
			b.mu[p] = b.tf(b.prior[p].Score)
		}
	}
	return b
}

// tf is the log scale of a score (lower is better either way); inv undoes it.
func (b *bayesRun) tf(score float64) float64 {
	if b.neg {
		return -math.Log(max(-score, 1e-300))
	}
	return math.Log(max(score, 1e-300))
}

func (b *bayesRun) inv(y float64) float64 {
	if b.neg {
		return -math.Exp(-y)
	}
	return math.Exp(y)
}

// next is the position to launch next with why, or -1 with why it stops
// ("" when every candidate has been launched).
func (b *bayesRun) next() (int, string) {
	left := 0
	for _, l := range b.launched {
		if !l {
			left++
		}
	}
	if left == 0 {
		return -1, ""
	}
	if launched := len(b.launched) - left; launched < b.n0 || len(b.y) == 0 {
		return b.initial(launched)
	}
	b.model()
	best, sum := -1, 0.0
	for p, l := range b.launched {
		if l {
			continue
		}
		sum += b.eiN[p]
		if best < 0 || b.ei[p] > b.ei[best] || b.ei[p] == b.ei[best] && b.mu[p] < b.mu[best] {
			best = p
		}
	}
	// Σ E[max(0, best − ξ − f)] over the candidates left bounds what
	// launching all of them could still gain beyond ξ (half the noise).
	if sum < b.s.o.Noise {
		return -1, fmt.Sprintf("bayes stopped after %d launches: the expected improvement (beyond half the noise) of all %d configurations left, summed, is %.2g%%, below the noise %.3g%%",
			len(b.launched)-left, left, 100*sum, 100*b.s.o.Noise)
	}
	return best, fmt.Sprintf("largest expected improvement, %.2g%%: Gaussian process predicts %s", 100*b.ei[best], b.view(best))
}

// view is a candidate's prediction on the score's scale: mean (95% interval).
func (b *bayesRun) view(p int) string {
	lo, hi := b.inv(b.mu[p]-1.96*b.sd[p]), b.inv(b.mu[p]+1.96*b.sd[p])
	if b.neg {
		lo, hi = hi, lo
	}
	return fmt.Sprintf("%.4g (%.4g–%.4g)", b.inv(b.mu[p]), min(lo, hi), max(lo, hi))
}

// initial is the initial design's next point: the best predicted candidate
// first (else the one nearest the middle of the space), then each time the
// candidate farthest from those launched.
func (b *bayesRun) initial(launched int) (int, string) {
	what := fmt.Sprintf("initial design, %d of %d: ", launched+1, b.n0)
	if launched >= b.n0 {
		what = "no launch has measured anything yet: "
	}
	if launched == 0 {
		if p := b.bestPrior(); p >= 0 {
			return p, what + fmt.Sprintf("best predicted by the performance model, %.4g (%.4g–%.4g)", b.prior[p].Score, b.prior[p].Low, b.prior[p].High)
		}
		mid := make([]float64, len(b.sp.x[0]))
		for _, x := range b.sp.x {
			for c := range x {
				mid[c] += x[c] / float64(len(b.sp.x))
			}
		}
		return b.farthest([][]float64{mid}, -1), what + "nearest the middle of the space"
	}
	var done [][]float64
	for p, l := range b.launched {
		if l {
			done = append(done, b.sp.x[p])
		}
	}
	return b.farthest(done, 1), what + "farthest from the configurations launched"
}

func (b *bayesRun) bestPrior() int {
	best := -1
	for p, pr := range b.prior {
		if pr.OK && !b.launched[p] && (best < 0 || pr.Score < b.prior[best].Score) {
			best = p
		}
	}
	return best
}

// farthest is the unlaunched candidate whose smallest distance to pts is the
// largest (sign 1) or the smallest (sign -1); ties go to plan order.
func (b *bayesRun) farthest(pts [][]float64, sign float64) int {
	best, bestD := -1, 0.0
	for p, x := range b.sp.x {
		if b.launched[p] {
			continue
		}
		d := math.Inf(1)
		for _, q := range pts {
			d = min(d, dist2(x, q))
		}
		if best < 0 || sign*d > sign*bestD+1e-12 {
			best, bestD = p, d
		}
	}
	return best
}

func dist2(a, b []float64) float64 {
	s := 0.0
	for c := range a {
		s += (a[c] - b[c]) * (a[c] - b[c])
	}
	return s
}

// skipRest skips every candidate not launched, each with why and the model's view of it.
func (b *bayesRun) skipRest(round int, why string) error {
	if why == "" {
		return nil
	}
	for p, l := range b.launched {
		if l {
			continue
		}
		reason := why
		if !math.IsNaN(b.sd[p]) {
			reason += fmt.Sprintf("; for this configuration the Gaussian process predicts %s, expected improvement %.2g%%", b.view(p), 100*b.ei[p])
		} else if b.prior[p].OK {
			reason += fmt.Sprintf("; the performance model predicts %.4g (%.4g–%.4g)", b.prior[p].Score, b.prior[p].Low, b.prior[p].High)
		}
		if err := b.s.skip(round, b.idx[p], strings.TrimSpace(reason)); err != nil {
			return err
		}
	}
	return nil
}

// observedPositions are the positions with a measured score, in order.
func (b *bayesRun) observedPositions() []int {
	var ps []int
	for p := range b.y {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}
