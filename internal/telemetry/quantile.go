package telemetry

import (
	"math"
	"slices"
)

// Sub is the histogram of the observations made between before and h (both
// cumulative since the server started): what one case or load profile added.
// ok is false when the two cannot be compared (other bounds, or a counter
// that went down: the server restarted).
func (h Histogram) Sub(before Histogram) (Histogram, bool) {
	if len(before.Upper) == 0 && before.Count == 0 {
		return h, true
	}
	if !slices.Equal(h.Upper, before.Upper) || h.Count < before.Count {
		return Histogram{}, false
	}
	out := Histogram{Upper: h.Upper, Counts: make([]float64, len(h.Counts)), Count: h.Count - before.Count, Sum: h.Sum - before.Sum}
	for i := range h.Counts {
		out.Counts[i] = h.Counts[i] - before.Counts[i]
		if out.Counts[i] < 0 {
			return Histogram{}, false
		}
	}
	return out, true
}

// Quantile estimates the q-quantile (0..1) as Prometheus's histogram_quantile
// does: linear interpolation inside the bucket that holds it, the first
// bucket starting at 0; a quantile in the +Inf bucket is the highest finite
// bound. It also returns that bucket's bounds (lo, hi], the resolution the
// server's own figure has. NaN when there are no observations.
func (h Histogram) Quantile(q float64) (v, lo, hi float64) {
	if h.Count <= 0 || len(h.Upper) == 0 || math.IsNaN(q) {
		return math.NaN(), math.NaN(), math.NaN()
	}
	q = math.Min(1, math.Max(0, q))
	rank := q * h.Count
	prevCount, prevBound := 0.0, 0.0
	for i, u := range h.Upper {
		c := h.Counts[i]
		if c >= rank && c > prevCount {
			lo := prevBound
			if i == 0 && u <= 0 {
				return u, u, u
			}
			return lo + (u-lo)*(rank-prevCount)/(c-prevCount), lo, u
		}
		prevCount, prevBound = c, u
	}
	last := h.Upper[len(h.Upper)-1]
	return last, last, math.Inf(1)
}

// Mean is Sum/Count (NaN without observations).
func (h Histogram) Mean() float64 {
	if h.Count <= 0 {
		return math.NaN()
	}
	return h.Sum / h.Count
}
