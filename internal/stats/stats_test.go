package stats

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	s := Summarize([]float64{10, 12, 11, 13, 9})
	if s.Median != 11 || s.Mean != 11 || math.Abs(s.Std-math.Sqrt(2.5)) > 1e-12 {
		t.Fatalf("%+v", s)
	}
	h := 2.776 * math.Sqrt(2.5) / math.Sqrt(5)
	if math.Abs(s.CI[0]-(11-h)) > 1e-9 || math.Abs(s.CI[1]-(11+h)) > 1e-9 {
		t.Fatalf("ci %v", s.CI)
	}
	if one := Summarize([]float64{7}); one.CI != [2]float64{7, 7} || one.Median != 7 {
		t.Fatalf("%+v", one)
	}
}

func TestPercentileAndWelch(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if Percentile(xs, 50) != 5.5 || Percentile(xs, 90) != 9.1 || Percentile(xs, 0) != 1 || Percentile(xs, 100) != 10 {
		t.Fatal("percentiles")
	}
	a := Summarize([]float64{10, 10.2, 9.8, 10.1, 9.9})
	b := Summarize([]float64{12, 12.2, 11.8, 12.1, 11.9})
	d, ci, ok := WelchDiff(a, b)
	if !ok || math.Abs(d+2) > 1e-9 || ci[1] >= 0 || a.Overlaps(b) {
		t.Fatalf("diff %v ci %v", d, ci)
	}
	c := Summarize([]float64{10.1, 9.5, 10.8, 9.9, 10.4})
	if !a.Overlaps(c) {
		t.Fatal("overlapping intervals")
	}
}
