package report

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// writeTelemetry writes one case's samples: server edges whose ITL histogram
// grew by 30 gaps in (10, 20] ms (or (20, 30]), and one GPU whose energy counter grew by
// 320 J over 2 s at 160 W.
func writeTelemetry(t *testing.T, dir string, itlBucket int) {
	a, err := results.OpenAppender(filepath.Join(dir, telemetry.File))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	label := telemetry.CaseLabel(1, 8, 8)
	up := []float64{0.005, 0.010, 0.020, 0.030}
	hist := func(n float64) map[string]telemetry.Histogram {
		counts := []float64{0, 0, 0, 0}
		for i := itlBucket; i < 4; i++ {
			counts[i] = n
		}
		return map[string]telemetry.Histogram{engine.MetricITL: {Upper: up, Counts: counts, Count: n, Sum: n * 0.012}}
	}
	g := 0
	for _, s := range []telemetry.Sample{
		{Source: telemetry.SourceServer, Edge: telemetry.EdgeStart, Histograms: hist(0), Values: map[string]float64{engine.MetricRunning: 0}},
		{Source: telemetry.SourceGPU, Edge: telemetry.EdgeStart, GPU: &g, Values: map[string]float64{"power_w": 160, "energy_j": 5000}},
		{Source: telemetry.SourceServer, T: 1, Values: map[string]float64{engine.MetricRunning: 1, engine.MetricKVUsage: 0.25}},
		{Source: telemetry.SourceServer, T: 2, Edge: telemetry.EdgeEnd, Histograms: hist(30), Values: map[string]float64{engine.MetricRunning: 0}},
		{Source: telemetry.SourceGPU, T: 2, Edge: telemetry.EdgeEnd, GPU: &g, Values: map[string]float64{"power_w": 160, "energy_j": 5320}},
	} {
		s.ConfigID, s.Case, s.At = "c", label, time.Unix(0, 0)
		if err := a.Append(s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTelemetrySectionEnergyAndAgreement(t *testing.T) {
	for _, bucket := range []int{2, 3} { // the server's ITL median in (10, 20] or (20, 30] ms
		dir := t.TempDir()
		writeTelemetry(t, dir, bucket)
		x := row("c", 100)
		x.TokenTimesMs = [][]float64{{50, 62, 74, 86, 98, 110, 122, 134}} // 12 ms gaps
		x.CompletionTokens = []int{8}
		meta := rundir.Meta{PowerPrice: 0.2, Configs: []plan.Config{{ID: "c", ModelKey: "m", Model: "org/m", GPUs: 1}}}
		rep := Build(meta, []results.Result{x}, nil, LinkOptions{})
		rep.readTelemetry(dir)
		if rep.Telemetry == nil || len(rep.Telemetry.Segments) != 1 {
			t.Fatalf("%+v", rep.Telemetry)
		}
		s := rep.Telemetry.Segments[0]
		if s.GPU == nil || s.GPU.EnergyJ != 320 || s.GPU.EnergySource != "counter" || *s.JPerToken != 40 {
			t.Fatalf("energy: %+v", s.GPU)
		}
		if math.Abs(*s.TokensPerKWh-90000) > 1e-6 || math.Abs(*s.PowerCostPer1M-40*1e6/3.6e6*0.2) > 1e-9 || math.Abs(*s.CostPer1M-(2+*s.PowerCostPer1M)) > 1e-9 {
			t.Fatalf("per kWh %v, power $/1M %v, total %v", *s.TokensPerKWh, *s.PowerCostPer1M, *s.CostPer1M)
		}
		if s.Server.Running.Peak != 1 || s.Server.KVUsage.Peak != 0.25 || *s.ClientITLP50Ms != 12 {
			t.Fatalf("server %+v client ITL %v", s.Server, *s.ClientITLP50Ms)
		}
		var b strings.Builder
		rep.telemetryMarkdown(&b)
		md := b.String()
		flagged := strings.Contains(md, "⚠ In 1 case(s) the client and the server disagree")
		if want := bucket == 3; *s.ITLAgrees == want || flagged != want {
			t.Fatalf("bucket %d: agrees %v, flagged %v\n%s", bucket, *s.ITLAgrees, flagged, md)
		}
		for _, want := range []string{"| bs=1 in=8 out=8 |", "320.0 (counter)", "| 40.000 |", "| 90000 |"} {
			if !strings.Contains(md, want) {
				t.Fatalf("markdown lacks %q:\n%s", want, md)
			}
		}
	}
}
