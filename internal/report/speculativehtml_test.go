package report

import (
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
)

// TestSpeculativeCharts: a speculative comparison becomes a speedup chart
// under its model, with the break-even line and both configurations named;
// another model gets none.
func TestSpeculativeCharts(t *testing.T) {
	r := &Report{
		Configs: []ConfigReport{
			{Config: plan.Config{ID: "spec", ModelKey: "m"}, Display: "speculative-algorithm=EAGLE"},
			{Config: plan.Config{ID: "twin", ModelKey: "m"}, Display: "speculative-algorithm=none"},
		},
		Speculative: []SpecComparison{{ConfigID: "spec", Twin: "twin", Algorithm: "EAGLE", Level: "batch size",
			SpecCrossover: SpecCrossover{Verdict: "pays up to 8, loses from 64", Levels: []SpecLevel{
				{Concurrency: 1, Speedup: 1.9, Pays: true}, {Concurrency: 8, Speedup: 1.2, Pays: true}, {Concurrency: 64, Speedup: 0.87}}}}},
	}
	charts := r.speculativeCharts("m")
	if len(charts) != 1 {
		t.Fatalf("want one chart, got %d", len(charts))
	}
	for _, want := range []string{"break-even", "speculative-algorithm=EAGLE over speculative-algorithm=none", "speedup (×)", "batch size", "Speculative decoding (EAGLE) against its twin"} {
		if !strings.Contains(string(charts[0]), want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if len(r.speculativeCharts("other")) != 0 {
		t.Error("another model's section got the chart")
	}
}
