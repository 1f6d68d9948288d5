package search

import (
	"math"
	"slices"
)

// model fits the Gaussian process to the measured scores and updates every
// candidate's mean, standard deviation and expected improvement (log scale).
// The prior mean of a candidate the performance model predicts is its
// prediction times the mean measured-to-predicted ratio of those measured;
// of one it does not, the mean of the measurements. The signal variance is
// the residuals' mean square shrunk towards the prior's (worth two
// measurements), at least (2 × noise)²; the noise variance is noise². ei is
// the expected improvement on the best measured, eiN beyond half the noise.
func (b *bayesRun) model() {
	obs := b.observedPositions()
	offset, nOff, ybar := 0.0, 0, 0.0
	for _, p := range obs {
		ybar += b.y[p] / float64(len(obs))
		if b.prior[p].OK {
			offset, nOff = offset+b.y[p]-b.tf(b.prior[p].Score), nOff+1
		}
	}
	if nOff > 0 {
		offset /= float64(nOff)
	}
	mean := func(p int) float64 {
		if b.prior[p].OK {
			return b.tf(b.prior[p].Score) + offset
		}
		return ybar
	}
	var x [][]float64
	var r []float64
	ss, best := 0.0, math.Inf(1)
	for _, p := range obs {
		x, r = append(x, b.sp.x[p]), append(r, b.y[p]-mean(p))
		ss += r[len(r)-1] * r[len(r)-1]
		best = min(best, b.y[p])
	}
	noise := b.s.o.Noise
	sf2 := max((ss+2*b.priorVar())/float64(len(obs)+2), 4*noise*noise)
	g := fitGP(x, r, b.sp.groups, sf2, noise*noise)
	for p := range b.sp.x {
		m, sd := g.predict(b.sp.x[p])
		b.mu[p], b.sd[p] = mean(p)+m, sd
		b.ei[p] = expectedImprovement(b.mu[p], sd, best)
		b.eiN[p] = expectedImprovement(b.mu[p], sd, best-noise/2)
	}
}

// priorVar is the prior's variance on the log scale: 0.3² (±30% between
// configurations), or less where the performance model's intervals (taken as
// 95%, median) are narrower — a calibrated model's. An uncalibrated model's
// wide interval is mostly a factor common to every configuration, which the
// measured-to-predicted ratio takes out.
func (b *bayesRun) priorVar() float64 {
	var v []float64
	for _, pr := range b.prior {
		if pr.OK && pr.Low != 0 && pr.High != 0 {
			sd := math.Abs(b.tf(pr.High)-b.tf(pr.Low)) / 3.92
			v = append(v, sd*sd)
		}
	}
	if len(v) == 0 {
		return 0.09
	}
	slices.Sort(v)
	return min(0.09, v[len(v)/2])
}
