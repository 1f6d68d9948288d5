package report

import (
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// TestTelemetryCharts: a load profile's server and GPU samples become two
// time-series charts (requests, power) under the configuration; a segment
// with too few samples and another configuration's segments draw nothing.
func TestTelemetryCharts(t *testing.T) {
	g0, g1 := 0, 1
	var ss []telemetry.Sample
	for i := range 5 {
		ti := float64(i)
		ss = append(ss,
			telemetry.Sample{T: ti, Source: "server", Values: map[string]float64{engine.MetricRunning: ti, engine.MetricQueued: 4 - ti, engine.MetricKVUsage: 0.1 * ti}},
			telemetry.Sample{T: ti, Source: "gpu", GPU: &g0, Values: map[string]float64{"power_w": 300 + ti}},
			telemetry.Sample{T: ti, Source: "gpu", GPU: &g1, Values: map[string]float64{"power_w": 310 + ti}})
	}
	seg := func(id, profile string, s []telemetry.Sample) TelemetrySegment {
		x := TelemetrySegment{Series: s}
		x.ConfigID, x.Case, x.Profile = id, "in=64 out=8", profile
		return x
	}
	r := &Report{Telemetry: &TelemetryReport{Segments: []TelemetrySegment{
		seg("a", "concurrency 4", ss), seg("a", "", ss[:3]), seg("b", "concurrency 4", ss),
	}}}
	charts := r.telemetryCharts("a")
	if len(charts) != 2 {
		t.Fatalf("want 2 charts (server, GPU power) for a, got %d", len(charts))
	}
	for _, want := range []string{"running requests", "queued requests", "KV cache used", "Server: concurrency 4, in=64 out=8", "time since start (s)"} {
		if !strings.Contains(string(charts[0]), want) {
			t.Errorf("server chart lacks %q", want)
		}
	}
	for _, want := range []string{"GPU 0 power", "GPU 1 power", "power (W)"} {
		if !strings.Contains(string(charts[1]), want) {
			t.Errorf("power chart lacks %q", want)
		}
	}
	if len((&Report{}).telemetryCharts("a")) != 0 {
		t.Error("no telemetry, yet charts")
	}
}
