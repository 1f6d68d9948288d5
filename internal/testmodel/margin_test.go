package testmodel

import (
	"math"
	"path/filepath"
	"testing"
)

// TestSmallMarginRunnerUp: in the small-margin head the top two rows of every
// printable token c are Next(c) and Alt(c), deficit(c) apart (0: a tie), and
// every other row (EOS's too) stays far below both.
func TestSmallMarginRunnerUp(t *testing.T) {
	s, _ := ShapeOf("llama", "tiny")
	s.Margin = SmallMargin
	w := headFor(s)
	for c := PrintableFirst; c <= PrintableLast; c++ {
		col := c - PrintableFirst
		for id := 0; id < Vocab; id++ {
			if id != Next(c) && id != Alt(c) && w[id][col] > 0.5 {
				t.Fatalf("token %d: row %d has weight %v, close to the top two", c, id, w[id][col])
			}
		}
		gap := float64(w[Next(c)][col] - w[Alt(c)][col])
		if math.Abs(gap-s.deficit(c)) > 1e-6 || w[Next(c)][col] != 1 {
			t.Fatalf("token %d: Next %v, margin %v, want 1 and %v", c, w[Next(c)][col], gap, s.deficit(c))
		}
		if Alt(c) == c || Alt(c) == Next(c) {
			t.Fatalf("token %d: Alt %d", c, Alt(c))
		}
	}
	wide, _ := ShapeOf("llama", "tiny")
	if d := headFor(wide)[Alt(40)][40-PrintableFirst]; d != 0 {
		t.Fatalf("the wide head has a runner-up weight %v", d)
	}
}

func TestWriteMarginRejectsUnknown(t *testing.T) {
	if _, err := WriteMargin("llama", "tiny", "medium-rare", filepath.Join(t.TempDir(), "m"), 1); err == nil {
		t.Fatal("an unknown margin was accepted")
	}
}
