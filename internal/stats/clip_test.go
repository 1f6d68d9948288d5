package stats

import "testing"

// TestCIOfAPositiveQuantityNeverGoesNegative: the report once said "output
// 43.5 tok/s (95% CI −6.6…101.6)" from three noisy repeats.
func TestCIOfAPositiveQuantityNeverGoesNegative(t *testing.T) {
	s := Summarize([]float64{12, 20, 98.5})
	if !(s.CI[0] > 0) || s.CI[1] <= s.Mean { // Cox's log-scale interval: positive
		t.Fatalf("CI %v for mean %v", s.CI, s.Mean)
	}
	d := Summarize([]float64{-5, 1, 30}) // a difference may be negative
	if d.CI[0] >= 0 {
		t.Fatalf("a signed quantity keeps its interval: %v", d.CI)
	}
	if w := Summarize([]float64{40, 42, 44}); w.CI[0] <= 0 || w.CI[0] >= 42 {
		t.Fatalf("a tight interval is untouched: %v", w.CI)
	}
}
