package report

import (
	"fmt"
	"html/template"

	"github.com/servesweep/servesweep/internal/report/chart"
)

// speculativeCharts are the model's "does speculation still pay?" charts:
// per speculative configuration, its speedup over its twin without
// speculation at each load level, against the break-even line at 1×.
func (r *Report) speculativeCharts(modelKey string) []template.HTML {
	var out []template.HTML
	for _, s := range r.Speculative {
		if r.modelOf(s.ConfigID) != modelKey || len(s.Levels) == 0 {
			continue
		}
		speed := chart.Series{Name: fmt.Sprintf("%s over %s", r.display(s.ConfigID), r.display(s.Twin)), Markers: true}
		even := chart.Series{Name: "break-even (1×): speculation loses below it"}
		for _, l := range s.Levels {
			if l.Concurrency <= 0 || l.Speedup <= 0 {
				continue
			}
			speed.Points = append(speed.Points, chart.Point{X: float64(l.Concurrency), Y: l.Speedup})
			even.Points = append(even.Points, chart.Point{X: float64(l.Concurrency), Y: 1})
		}
		svg, err := chart.Lines(chart.LineChart{
			Title:  fmt.Sprintf("Speculative decoding (%s) against its twin without speculation", s.Algorithm),
			Class:  "speculative",
			X:      chart.Axis{Label: s.Level, Log: true},
			Y:      chart.Axis{Label: "output throughput speedup", Unit: "×"},
			Series: []chart.Series{speed, even},
		})
		out = append(out, chartOrNote(template.HTML(svg), err))
	}
	return out
}

// modelOf is configuration id's model key ("" when unknown).
func (r *Report) modelOf(id string) string {
	if c, ok := r.config(id); ok {
		return c.ModelKey
	}
	return ""
}
