package workload

import (
	"math"
	"math/rand/v2"
)

// Draw samples one length: a fixed length as it is; a distribution's sample
// rounded to the nearest integer and clamped to [Min, Max]. Lognormal is
// parameterised by the lengths' own mean and standard deviation (not the
// logarithm's): σ² = ln(1 + std²/mean²), μ = ln(mean) − σ²/2. Clamping
// moves the mean of the drawn lengths when much of the mass lies outside.
func (l *Length) Draw(r *rand.Rand) int {
	var x float64
	switch l.Dist {
	case Fixed:
		return l.Min
	case Uniform:
		return l.Min + r.IntN(l.Max-l.Min+1)
	case Normal:
		x = l.Mean + l.Std*r.NormFloat64()
	case LogNormal:
		s2 := math.Log1p(l.Std * l.Std / (l.Mean * l.Mean))
		x = math.Exp(math.Log(l.Mean) - s2/2 + math.Sqrt(s2)*r.NormFloat64())
	}
	return l.clamp(x)
}

func (l *Length) clamp(x float64) int {
	hi := float64(MaxLength)
	if l.Max > 0 {
		hi = float64(l.Max)
	}
	x = math.Round(x)
	switch {
	case math.IsNaN(x) || x < float64(l.Min):
		return l.Min
	case x > hi:
		return int(hi)
	}
	return int(x)
}

// drawOr draws from l, or returns def when l is nil.
func drawOr(l *Length, r *rand.Rand, def int) int {
	if l == nil {
		return def
	}
	return l.Draw(r)
}

// rng returns a generator for one stream position: the same (seed, a, b)
// always gives the same numbers.
func rng(seed, a, b uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15*(a+1), b*0xbf58476d1ce4e5b9+a))
}

// Vocab is the range of random token ids, as bench.PromptVocab (SGLang's
// benchmark's 16384).
const Vocab = 16384

func randomIDs(r *rand.Rand, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = r.IntN(Vocab)
	}
	return out
}

// fitIDs cuts ids to n or repeats them until n (bench.FitIDs, which workload
// cannot import: bench → plan → sweep → workload; SGLang's
// sample_random_requests).
func fitIDs(ids []int, n int) []int {
	out := make([]int, 0, n)
	if len(ids) == 0 {
		return out
	}
	for len(out) < n {
		out = append(out, ids[:min(len(ids), n-len(out))]...)
	}
	return out
}
