// Package stats has the few statistics servesweep reports: medians and
// percentiles, 95% confidence intervals of a mean (Student's t with exact
// quantiles; for positive quantities Cox's interval on the log scale, which
// never goes below zero), and Welch's interval for the difference of two
// means — the one significance test of the report and of compare.
package stats

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
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
	if ci, ok := coxCI(xs); ok {
		s.CI = ci
	}
	return s
}

// coxCI is Cox's 95% interval for the mean of positive, roughly log-normal
// measurements (latencies, throughputs, costs): on the log scale,
// ȳ + s²/2 ± t·√(s²/n + s⁴/(2(n−1))), exponentiated. It stays positive where
// the plain t interval of three noisy repeats can go below zero.
func coxCI(xs []float64) ([2]float64, bool) {
	n := len(xs)
	if n < 2 {
		return [2]float64{}, false
	}
	var m float64
	for _, x := range xs {
		if !(x > 0) || math.IsInf(x, 0) {
			return [2]float64{}, false
		}
		m += math.Log(x)
	}
	m /= float64(n)
	var v float64
	for _, x := range xs {
		d := math.Log(x) - m
		v += d * d
	}
	v /= float64(n - 1)
	h := TCritical95(n-1) * math.Sqrt(v/float64(n)+v*v/(2*float64(n-1)))
	c := m + v/2
	return [2]float64{math.Exp(c - h), math.Exp(c + h)}, true
}

// Significant reports whether two summaries differ at 95% by Welch's test:
// the interval of the difference of their means excludes zero. The report's
// recommendations and compare both use it.
func Significant(a, b Summary) bool {
	_, ci, ok := WelchDiff(a, b)
	return ok && (ci[0] > 0 || ci[1] < 0)
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

// TCritical95 is the two-sided 95% critical value of Student's t with df
// degrees of freedom (0 for df < 1).
func TCritical95(df int) float64 { return TQuantile975(float64(df)) }

// TQuantile975 is the exact 0.975 quantile of Student's t with df (possibly
// fractional, as Welch–Satterthwaite gives) degrees of freedom.
func TQuantile975(df float64) float64 {
	if !(df >= 1) {
		return 0
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975)
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
	h := TQuantile975(df) * se
	return diff, [2]float64{diff - h, diff + h}, true
}
