package report

import (
	"fmt"
	"html/template"
	"sort"

	"github.com/servesweep/servesweep/internal/report/chart"
)

// frontierCharts are the model's throughput–interactivity charts, one per
// (input, output) pair: every configuration's measured ladder (tok/s per GPU
// against tok/s per user) and the Pareto frontier across them, emphasised.
func (r *Report) frontierCharts(modelKey string) []template.HTML {
	var out []template.HTML
	for _, f := range r.Frontier {
		if f.ModelKey != modelKey || len(f.Points) == 0 {
			continue
		}
		out = append(out, chartOrNote(frontierSVG(f)))
	}
	return out
}

func frontierSVG(f Frontier) (template.HTML, error) {
	byConfig := map[string][]FrontierPoint{}
	var ids []string
	names := map[string]string{}
	for _, p := range f.Points {
		if _, ok := byConfig[p.ConfigID]; !ok {
			ids = append(ids, p.ConfigID)
		}
		byConfig[p.ConfigID] = append(byConfig[p.ConfigID], p)
		names[p.ConfigID] = p.Display
	}
	lc := chart.LineChart{
		Title: fmt.Sprintf("Throughput–interactivity frontier, %d in / %d out", f.InputLen, f.OutputLen),
		Class: "frontier",
		X:     chart.Axis{Label: "output tok/s per user", Unit: "tok/s"},
		Y:     chart.Axis{Label: "output tok/s per GPU", Unit: "tok/s"}, // per machine when CPU only
	}
	for _, id := range ids {
		name := names[id]
		if name == "" {
			name = id
		}
		lc.Series = append(lc.Series, chart.Series{Name: name, Points: xyPoints(byConfig[id]), Markers: true})
	}
	if len(f.Pareto) > 1 {
		lc.Series = append(lc.Series, chart.Series{Name: "Pareto frontier (across configurations)", Points: xyPoints(f.Pareto), Emphasis: true})
	}
	svg, err := chart.Lines(lc)
	return template.HTML(svg), err
}

// xyPoints are the points as (tok/s per user, tok/s per GPU), by tok/s per user.
func xyPoints(ps []FrontierPoint) []chart.Point {
	out := make([]chart.Point, 0, len(ps))
	for _, p := range ps {
		if p.TokensPerSPerUser > 0 {
			out = append(out, chart.Point{X: p.TokensPerSPerUser, Y: p.TokensPerSPerGPU})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].X < out[b].X })
	return out
}
