package workload

import (
	"math"
	"testing"
)

func moments(l *Length, n int, seed uint64) (mean, std float64, lo, hi int) {
	r := rng(seed, 1, 2)
	lo, hi = math.MaxInt, 0
	var s, s2 float64
	for range n {
		x := l.Draw(r)
		s += float64(x)
		s2 += float64(x) * float64(x)
		lo, hi = min(lo, x), max(hi, x)
	}
	mean = s / float64(n)
	return mean, math.Sqrt(s2/float64(n) - mean*mean), lo, hi
}

// TestDistributionMoments: drawn lengths have the asked mean and standard
// deviation (within 3% at 20,000 draws, where clamping removes little mass).
func TestDistributionMoments(t *testing.T) {
	cases := []struct {
		l              Length
		wantM, wantStd float64
	}{
		{Length{Dist: Normal, Mean: 500, Std: 100, Min: 1}, 500, 100},
		{Length{Dist: LogNormal, Mean: 300, Std: 150, Min: 1}, 300, 150},
		{Length{Dist: Uniform, Min: 100, Max: 300, Mean: 200}, 200, 200 / math.Sqrt(12)},
	}
	for _, c := range cases {
		m, s, lo, hi := moments(&c.l, 20000, 7)
		if math.Abs(m-c.wantM)/c.wantM > 0.03 || math.Abs(s-c.wantStd)/c.wantStd > 0.03 {
			t.Errorf("%s: mean %.1f std %.1f, want %.1f and %.1f", c.l.Dist, m, s, c.wantM, c.wantStd)
		}
		if c.l.Dist == Uniform && (lo != 100 || hi != 300) {
			t.Errorf("uniform drew [%d, %d], want every value of [100, 300] reached at the ends", lo, hi)
		}
	}
}

// TestDistributionClamps: min and max bound every draw, and a clamp that
// cuts a wide distribution leaves draws piled at the bound.
func TestDistributionClamps(t *testing.T) {
	l := &Length{Dist: Normal, Mean: 100, Std: 200, Min: 50, Max: 150}
	r := rng(1, 2, 3)
	atMin, atMax := 0, 0
	for range 10000 {
		x := l.Draw(r)
		if x < 50 || x > 150 {
			t.Fatalf("drew %d outside [50, 150]", x)
		}
		if x == 50 {
			atMin++
		}
		if x == 150 {
			atMax++
		}
	}
	// P(N(100, 200) < 50) ≈ 0.40: about 4,000 draws on each bound.
	if atMin < 3500 || atMax < 3500 {
		t.Errorf("clamped draws: %d at min, %d at max; want about 4000 each", atMin, atMax)
	}
	if got := (&Length{Dist: LogNormal, Mean: 10, Std: 1000, Min: 2, Max: 20}).Draw(rng(5, 5, 5)); got < 2 || got > 20 {
		t.Errorf("lognormal drew %d outside [2, 20]", got)
	}
}

// TestDistributionSeeded: the same seed draws the same lengths, another seed others.
func TestDistributionSeeded(t *testing.T) {
	l := &Length{Dist: LogNormal, Mean: 200, Std: 80, Min: 1}
	draw := func(seed uint64) []int {
		r := rng(seed, 0, 0)
		out := make([]int, 50)
		for i := range out {
			out[i] = l.Draw(r)
		}
		return out
	}
	a, b, c := draw(9), draw(9), draw(10)
	same := func(x, y []int) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) || same(a, c) {
		t.Errorf("seed 9 twice: equal=%v; seeds 9 and 10: equal=%v; want true, false", same(a, b), same(a, c))
	}
}
