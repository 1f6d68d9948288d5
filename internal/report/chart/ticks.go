package chart

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// linearTicks labels about six round values (1, 2, 2.5 or 5 × 10^k apart)
// and puts unlabelled minor ticks between them.
type linearTicks struct{}

func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	step, minors := niceStep(lo, hi)
	prec := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	if x := step * math.Pow(10, float64(prec)); math.Abs(x-math.Round(x)) > 1e-6 {
		prec++ // 2.5 × 10^k needs one more digit
	}
	exp := math.Max(math.Abs(lo), math.Abs(hi)) >= 1e7 || step < 1e-4
	var ts []plot.Tick
	first := math.Floor(lo/step) * step
	for i := 0; ; i++ {
		v := first + float64(i)*step
		if v > hi+step*1e-9 {
			break
		}
		if v >= lo-step*1e-9 {
			ts = append(ts, plot.Tick{Value: v, Label: format(v, prec, step, exp)})
		}
		for j := 1; j < minors; j++ {
			if m := v + float64(j)*step/float64(minors); m >= lo && m <= hi {
				ts = append(ts, plot.Tick{Value: m})
			}
		}
	}
	return ts
}

// niceStep is the distance between labelled ticks (1, 2, 2.5 or 5 × 10^k,
// about six of them over [lo, hi]) and how many parts minor ticks cut it in.
func niceStep(lo, hi float64) (step float64, minors int) {
	raw := (hi - lo) / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []struct {
		f float64
		n int
	}{{1, 5}, {2, 4}, {2.5, 5}, {5, 5}} {
		if m.f*mag >= raw {
			return m.f * mag, m.n
		}
	}
	return 10 * mag, 5
}

// format prints a tick value with the digits its step needs, in exponent
// form (exp) for very large or small values.
func format(v float64, prec int, step float64, exp bool) string {
	switch {
	case math.Abs(v) < step*1e-9:
		return "0"
	case exp:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}
