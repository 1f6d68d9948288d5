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
	// Positive data: Cox's interval on the log scale (hand-checked: 9.193…13.220),
	// close to the t interval 11 ± 1.963 and inside (0, ∞).
	if math.Abs(s.CI[0]-9.19296) > 1e-4 || math.Abs(s.CI[1]-13.21967) > 1e-4 {
		t.Fatalf("ci %v", s.CI)
	}
	// Data with a zero or a negative value keeps the t interval, exact quantile 2.776445.
	z := Summarize([]float64{-1, 1, 0, 2, -2})
	h := 2.7764451051977987 * math.Sqrt(2.5) / math.Sqrt(5)
	if math.Abs(z.CI[0]+h) > 1e-9 || math.Abs(z.CI[1]-h) > 1e-9 {
		t.Fatalf("t interval %v", z.CI)
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

// TestPositiveIntervalsStayPositive: three noisy repeats of an ITL used to give
// "95% CI −2.77…51.29 ms".
func TestPositiveIntervalsStayPositive(t *testing.T) {
	s := Summarize([]float64{5.1, 48.0, 20.2})
	if !(s.CI[0] > 0) || !(s.CI[1] > s.Mean) {
		t.Fatalf("ci %v for mean %v", s.CI, s.Mean)
	}
}

// TestExactTQuantiles against published values, for every kind of df.
func TestExactTQuantiles(t *testing.T) {
	for df, want := range map[float64]float64{1: 12.7062047, 2: 4.3026527, 4: 2.7764451, 30: 2.0422725, 31: 2.0395134, 45: 2.0141034, 100: 1.9839715, 1e6: 1.959966} {
		if got := TQuantile975(df); math.Abs(got-want) > 2e-4*want {
			t.Errorf("t(0.975, %v) = %v, want %v", df, got, want)
		}
	}
	if q := TQuantile975(2.5); !(q < TQuantile975(2) && q > TQuantile975(3)) {
		t.Fatalf("fractional df (Welch) lies between its neighbours: %v", q)
	}
	if TCritical95(0) != 0 {
		t.Fatal("df 0")
	}
}

func TestSignificantIsWelch(t *testing.T) {
	a := Summarize([]float64{10, 10.2, 9.8, 10.1, 9.9})
	b := Summarize([]float64{12, 12.2, 11.8, 12.1, 11.9})
	c := Summarize([]float64{10.1, 9.5, 10.8, 9.9, 10.4})
	if !Significant(a, b) || Significant(a, c) || Significant(a, Summarize([]float64{11})) {
		t.Fatal("Welch significance")
	}
}
