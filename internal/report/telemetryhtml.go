package report

import (
	"fmt"
	"html/template"
	"sort"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/report/chart"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// maxTelemetrySegments bounds the time-series charts per configuration:
// load profiles first (they run long enough to have a shape), then cases.
const maxTelemetrySegments = 4

// telemetryCharts are configuration id's time series: the server's running
// and queued requests and KV usage, and each GPU's power, against seconds
// since the segment began; segments with fewer than 3 samples of a source
// draw nothing for it.
func (r *Report) telemetryCharts(id string) []template.HTML {
	if r.Telemetry == nil {
		return nil
	}
	var segs []TelemetrySegment
	for _, s := range r.Telemetry.Segments {
		if s.ConfigID == id {
			segs = append(segs, s)
		}
	}
	sort.SliceStable(segs, func(a, b int) bool { return segs[a].Profile != "" && segs[b].Profile == "" })
	var out []template.HTML
	for _, s := range segs[:min(len(segs), maxTelemetrySegments)] {
		label := s.Case
		if s.Profile != "" {
			label = s.Profile + ", " + s.Case
		}
		server := []chart.Series{
			seriesOf(s.Series, "server", engine.MetricRunning, "running requests", 1, nil),
			seriesOf(s.Series, "server", engine.MetricQueued, "queued requests", 1, nil),
			seriesOf(s.Series, "server", engine.MetricKVUsage, "KV cache used (% of capacity)", 100, nil),
		}
		if drawable(server) {
			out = append(out, chartOrNote(lineSVG("Server: "+label, "requests or KV %", "", server)))
		}
		var power []chart.Series
		for _, g := range gpusOf(s.Series) {
			power = append(power, seriesOf(s.Series, "gpu", "power_w", fmt.Sprintf("GPU %d power", g), 1, &g))
		}
		if drawable(power) {
			out = append(out, chartOrNote(lineSVG("GPU power: "+label, "power", "W", power)))
		}
	}
	return out
}

func lineSVG(title, yLabel, unit string, ss []chart.Series) (template.HTML, error) {
	svg, err := chart.Lines(chart.LineChart{Title: title, Class: "telemetry",
		X: chart.Axis{Label: "time since start", Unit: "s"}, Y: chart.Axis{Label: yLabel, Unit: unit}, Series: ss})
	return template.HTML(svg), err
}

// seriesOf is one value of one source over time (scaled), from the samples
// of GPU gpu when gpu is set.
func seriesOf(samples []telemetry.Sample, source, key, name string, scale float64, gpu *int) chart.Series {
	s := chart.Series{Name: name, Markers: true}
	for _, x := range samples {
		if x.Source != source || (gpu != nil && (x.GPU == nil || *x.GPU != *gpu)) {
			continue
		}
		if v, ok := x.Values[key]; ok {
			s.Points = append(s.Points, chart.Point{X: x.T, Y: v * scale})
		}
	}
	return s
}

func gpusOf(samples []telemetry.Sample) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range samples {
		if x.Source == "gpu" && x.GPU != nil && !seen[*x.GPU] {
			seen[*x.GPU] = true
			out = append(out, *x.GPU)
		}
	}
	sort.Ints(out)
	return out
}

// drawable: some series has at least 3 points.
func drawable(ss []chart.Series) bool {
	for _, s := range ss {
		if len(s.Points) >= 3 {
			return true
		}
	}
	return false
}
