package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/perfmodel"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
)

func TestPercentOfBound(t *testing.T) {
	setup := perfmodel.Setup{Family: "llama", Device: perfmodel.Device{Name: "H100", MemGBps: 1000, PeakTFLOPS: 1000},
		Parallel: perfmodel.Parallel{TP: 1, DP: 1}, Layers: 2, Hidden: 64, Heads: 1, HeadDim: 64, SharedBytes: 2e9, ActiveParams: 1e9}
	m := &perfmodel.Model{Setup: setup, Params: perfmodel.Defaults}
	cfgs := []plan.Config{
		{ID: "a", ModelKey: "m", Model: "org/m", Variant: "TP1", GPUs: 1, Perf: m}, // older records: bound from the model
		{ID: "b", ModelKey: "m", Model: "org/m", Variant: "TP2", GPUs: 2, Perf: m}, // the record's own bound wins
		{ID: "c", ModelKey: "m", Model: "org/m", Variant: "TP4", GPUs: 4},          // nothing known
	}
	a, b, c := row("a", 250), row("b", 250), row("c", 250) // ITL 4 ms
	b.ITLBoundMs = f(1)
	rep := Build(rundir.Meta{Configs: cfgs}, []results.Result{a, b, c}, nil, LinkOptions{})
	var md strings.Builder
	if err := rep.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	// a: 2 GB at 1000 GB/s = 2 ms against 4 ms measured.
	for _, want := range []string{"1/8/8: ITL 4.00 ms, bound 2.000 ms → **50.0% of bound**", "1/8/8: ITL 4.00 ms, bound 1.000 ms → **25.0% of bound**",
		"_Predicted_ (" + perfmodel.Uncalibrated + "; H100 ×1 (TP1), "} {
		if !strings.Contains(md.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, md.String())
		}
	}
	if n := strings.Count(md.String(), "_% of bound_"); n != 2 {
		t.Fatalf("%d %% of bound lines, want 2 (none for the configuration without a model)", n)
	}
	if strings.Contains(md.String(), "performance-model prediction") {
		t.Fatal("a real run is not labelled as the model's prediction")
	}
	rep.Summary.Simulated = true
	if got := rep.simTimingNote(); !strings.Contains(got, fmt.Sprintf("for %d configuration(s)", 2)) {
		t.Fatalf("dry-run note %q", got)
	}
}
