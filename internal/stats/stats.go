// Package stats has the few statistics servesweep reports: medians and
// percentiles, 95% confidence intervals of a mean (Student's t), and Welch's
// interval for the difference of two means.
package stats

import (
	"math"
	"sort"
)

// Summary describes repeated measurements of one metric.
type Summary struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Mean   float64 `json:"mean"`
	Std    float64 `json:"std"`
	// CI is the 95% confidence interval of the mean; equal to the mean when
	// N < 2; clipped at 0 when every sample is positive.
	CI [2]float64 `json:"ci95"`
}

// Summarize computes a Summary of xs.
func Summarize(xs []float64) Summary {
	s := Summary{N: len(xs)}
	if len(xs) == 0 {
		return s
	}
	s.Median = Percentile(xs, 50)
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(len(xs))
	if len(xs) > 1 {
		for _, x := range xs {
			s.Std += (x - s.Mean) * (x - s.Mean)
		}
		s.Std = math.Sqrt(s.Std / float64(len(xs)-1))
	}
	h := TCritical95(len(xs)-1) * s.Std / math.Sqrt(float64(len(xs)))
	s.CI = [2]float64{s.Mean - h, s.Mean + h}
	if s.CI[0] < 0 && positive(xs) {
		// A positive quantity (throughput, latency, cost) has no negative
		// values: Student's interval of few noisy samples is clipped at 0.
		s.CI[0] = 0
	}
	return s
}

func positive(xs []float64) bool {
	for _, x := range xs {
		if x <= 0 {
			return false
		}
	}
	return true
}

// Overlaps reports whether two summaries' confidence intervals overlap.
func (s Summary) Overlaps(o Summary) bool { return s.CI[0] <= o.CI[1] && o.CI[0] <= s.CI[1] }

// Percentile returns the p-th percentile (0..100) with linear interpolation.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	r := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(r))
	hi := int(math.Ceil(r))
	return s[lo] + (s[hi]-s[lo])*(r-float64(lo))
}

// tTable holds two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
var tTable = []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
	2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// TCritical95 is the two-sided 95% critical value of Student's t with df degrees of freedom.
func TCritical95(df int) float64 {
	switch {
	case df < 1:
		return 0
	case df <= len(tTable):
		return tTable[df-1]
	case df <= 60:
		return 2.000
	case df <= 120:
		return 1.980
	}
	return 1.960
}

// WelchDiff is the 95% interval of mean(a) − mean(b) (Welch–Satterthwaite).
func WelchDiff(a, b Summary) (diff float64, ci [2]float64, ok bool) {
	diff = a.Mean - b.Mean
	if a.N < 2 || b.N < 2 {
		return diff, [2]float64{diff, diff}, false
	}
	va, vb := a.Std*a.Std/float64(a.N), b.Std*b.Std/float64(b.N)
	se := math.Sqrt(va + vb)
	if se == 0 {
		return diff, [2]float64{diff, diff}, true
	}
	df := (va + vb) * (va + vb) / (va*va/float64(a.N-1) + vb*vb/float64(b.N-1))
	h := TCritical95(int(math.Floor(df))) * se
	return diff, [2]float64{diff - h, diff + h}, true
}
