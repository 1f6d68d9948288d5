package report

import (
	"math"

	"gonum.org/v1/gonum/interp"
)

// steffen fits Steffen's monotone cubic through (xs, ys), xs strictly
// increasing and at least two points: M. Steffen, "A simple method for
// monotonic interpolation in one dimension", Astron. Astrophys. 239, 443–450
// (1990). A knot's slope is the smaller of its two secants, and at most half
// the slope of the parabola through it and its neighbours (zero at a local
// extremum); an end knot's comes from the one-sided parabola, bounded by
// twice the end secant. The curve stays between the values of the knots
// around it: no overshoot, monotone where the data are, exact at every knot. gonum's PiecewiseCubic evaluates the
// Hermite cubics; gonum has Fritsch–Butland and Akima but not Steffen's slopes.
func steffen(xs, ys []float64) *interp.PiecewiseCubic {
	n := len(xs)
	h := make([]float64, n-1)
	s := make([]float64, n-1)
	for i := range h {
		h[i] = xs[i+1] - xs[i]
		s[i] = (ys[i+1] - ys[i]) / h[i]
	}
	d := make([]float64, n)
	if n == 2 {
		d[0], d[1] = s[0], s[0]
	} else {
		for i := 1; i < n-1; i++ {
			p := (s[i-1]*h[i] + s[i]*h[i-1]) / (h[i-1] + h[i])
			d[i] = (sign(s[i-1]) + sign(s[i])) * math.Min(math.Min(math.Abs(s[i-1]), math.Abs(s[i])), 0.5*math.Abs(p))
		}
		p0 := s[0]*(1+h[0]/(h[0]+h[1])) - s[1]*h[0]/(h[0]+h[1])
		d[0] = steffenEnd(p0, s[0])
		m := n - 2
		pn := s[m]*(1+h[m]/(h[m]+h[m-1])) - s[m-1]*h[m]/(h[m]+h[m-1])
		d[n-1] = steffenEnd(pn, s[m])
	}
	pc := &interp.PiecewiseCubic{}
	pc.FitWithDerivatives(xs, ys, d)
	return pc
}

// steffenEnd is an end knot's slope from its parabola slope p and the
// secant s next to it.
func steffenEnd(p, s float64) float64 {
	switch {
	case p*s <= 0:
		return 0
	case math.Abs(p) > 2*math.Abs(s):
		return 2 * s
	}
	return p
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
