package report

import (
	"fmt"
	"html/template"

	"github.com/servesweep/servesweep/internal/report/chart"
	"github.com/servesweep/servesweep/internal/stats"
)

// barChart draws each configuration's ITL (the mean over repeats of the
// geometric mean over cases) with its 95% CI as a whisker, names in full.
func (r *Report) barChart(model string) (template.HTML, error) {
	var bars []chart.Bar
	maxN := 0
	for _, c := range r.Configs {
		if c.ModelKey != model {
			continue
		}
		if xs := samples(c, objectives["itl"].value); len(xs) > 0 {
			s := stats.Summarize(xs)
			bars = append(bars, chart.Bar{Label: c.Display, Value: s.Mean, CI: s.N > 1, Low: s.CI[0], High: s.CI[1]})
			maxN = max(maxN, s.N)
		}
	}
	barName := "ITL, geometric mean over the cases"
	if maxN > 1 {
		barName = "ITL, mean over repeats of the geometric mean over the cases"
	}
	svg, err := chart.Bars(chart.BarChart{
		Title: "ITL per configuration (lower is better)", Class: "bars",
		Value: chart.Axis{Label: "ITL", Unit: "ms"}, Bars: bars, BarName: barName,
	})
	return template.HTML(svg), err // the chart escapes every text it draws
}

// paretoChart plots ITL against output cost; Pareto-optimal points are ringed
// and joined, every point is numbered and named in the legend.
func (r *Report) paretoChart(model string, pareto []string) (template.HTML, error) {
	onFront := map[string]bool{}
	for _, id := range pareto {
		onFront[id] = true
	}
	var pts []chart.ScatterPoint
	for _, c := range r.Configs {
		if c.ModelKey != model {
			continue
		}
		i, k := samples(c, objectives["itl"].value), samples(c, objectives["cost"].value)
		if len(i) == 0 || len(k) == 0 {
			continue
		}
		pts = append(pts, chart.ScatterPoint{Label: c.Display, X: stats.Summarize(k).Mean, Y: stats.Summarize(i).Mean, Highlight: onFront[c.ID]})
	}
	if len(pts) < 2 {
		return "", nil
	}
	svg, err := chart.Scatter(chart.ScatterChart{
		Title: "Speed against cost (lower left is better)", Class: "pareto",
		X: chart.Axis{Label: "output cost", Unit: "$/1M tokens"}, Y: chart.Axis{Label: "ITL", Unit: "ms"},
		Points: pts, Highlight: "Pareto-optimal",
	})
	if err != nil {
		return "", fmt.Errorf("Pareto chart of %s: %w", model, err)
	}
	return template.HTML(svg), nil
}
