package chart

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Bar is one horizontal bar: Value, and when CI is set, the 95% confidence
// interval [Low, High] drawn as a whisker.
type Bar struct {
	Label     string
	Value     float64
	CI        bool
	Low, High float64
}

// BarChart is one bar per label, the labels on the y axis in full (wrapped at
// " + " when longer than half the width, never cut), the first bar on top.
type BarChart struct {
	Title string
	Class string // CSS class beside "chart"
	Value Axis   // the horizontal axis the bars measure
	Bars  []Bar
	// ValueFormat prints each bar's value at its end ("%.2f" when empty).
	ValueFormat string
	// BarName and CIName are the legend's words for a bar and a whisker
	// ("mean", "95% confidence interval of the mean" when empty).
	BarName, CIName string
}

// Bars draws a horizontal bar chart; no bars give "".
func Bars(b BarChart) (string, error) {
	if len(b.Bars) == 0 {
		return "", nil
	}
	b.ValueFormat = cmp.Or(b.ValueFormat, "%.2f")
	b.BarName = cmp.Or(b.BarName, "mean")
	b.CIName = cmp.Or(b.CIName, "95% confidence interval of the mean")
	ticks := &drawnTicks{}
	p := newPlot(b.Title, b.Value, Axis{}, ticks)
	p.Add(&plotter.Grid{Vertical: gridStyle()})
	n := len(b.Bars)
	vals := make(plotter.Values, n)
	names := make([]string, n)
	var whiskers plotter.XErrors
	var wxy plotter.XYs
	labels := plotter.XYLabels{}
	var maxLines int
	for i, bar := range b.Bars {
		if err := plotter.CheckFloats(bar.Value, bar.Low, bar.High); err != nil {
			return "", fmt.Errorf("bar %q: %w", bar.Label, err)
		}
		j := n - 1 - i // first bar on top
		vals[j] = bar.Value
		names[j] = wrap(bar.Label, Width*0.5, p.Y.Tick.Label)
		maxLines = max(maxLines, strings.Count(names[j], "\n")+1)
		end := bar.Value
		if bar.CI {
			wxy = append(wxy, plotter.XY{X: bar.Value, Y: float64(j)})
			whiskers = append(whiskers, struct{ Low, High float64 }{bar.Value - bar.Low, bar.High - bar.Value})
			end = math.Max(end, bar.High)
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: end, Y: float64(j)})
		labels.Labels = append(labels.Labels, fmt.Sprintf(b.ValueFormat, bar.Value))
	}
	rowH := max(vg.Length(22), vg.Length(maxLines)*11+8)
	bars, err := plotter.NewBarChart(vals, rowH*0.6)
	if err != nil {
		return "", err
	}
	bars.Horizontal = true
	bars.Color = Color(0)
	bars.LineStyle.Width = 0
	p.Add(bars)
	leg := newLegend()
	leg.add(b.BarName, boxThumb(Color(0)))
	if len(wxy) > 0 {
		eb, err := plotter.NewXErrorBars(struct {
			plotter.XYs
			plotter.XErrors
		}{wxy, whiskers})
		if err != nil {
			return "", err
		}
		eb.LineStyle = draw.LineStyle{Color: ink, Width: 1.2}
		eb.CapWidth = rowH * 0.4
		p.Add(eb)
		leg.add(b.CIName, whiskerThumb(ink))
	}
	if err := addValueLabels(p, labels); err != nil {
		return "", err
	}
	p.NominalY(names...)
	p.Y.Tick.Marker = recorder{p.Y.Tick.Marker, &ticks.y}
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	p.X.Min = math.Min(0, p.X.Min)
	if p.X.Max > p.X.Min { // end the axis on a labelled tick past the longest bar
		step, _ := niceStep(p.X.Min, p.X.Max)
		p.X.Max = math.Ceil(p.X.Max/step*(1+1e-9)) * step
	}
	plotH := rowH*vg.Length(n) + 70
	return doc{class: b.Class, title: b.Title, p: p, plotH: plotH, legend: leg, ticks: ticks, x: b.Value, y: Axis{Label: "configuration"}}.render()
}

// addValueLabels prints each bar's value just right of its end.
func addValueLabels(p *plot.Plot, labels plotter.XYLabels) error {
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		l.TextStyle[i] = textStyle(sans, 8.5, draw.XLeft, draw.YCenter)
	}
	l.Offset = vg.Point{X: 5}
	p.Add(l)
	return nil
}

func gridStyle() draw.LineStyle { return draw.LineStyle{Color: gridInk, Width: 0.6} }

// wrap breaks a label that is wider than w at " + " (then at spaces) into
// lines; every character is kept.
func wrap(s string, w vg.Length, sty text.Style) string {
	if sty.Width(s) <= w {
		return s
	}
	parts := strings.SplitAfter(s, " + ")
	if len(parts) == 1 {
		parts = strings.SplitAfter(s, " ")
	}
	var lines []string
	cur := ""
	for _, part := range parts {
		if cur != "" && sty.Width(strings.TrimSpace(cur+part)) > w {
			lines = append(lines, strings.TrimRight(cur, " "))
			cur = ""
		}
		cur += part
	}
	lines = append(lines, strings.TrimRight(cur, " "))
	return strings.Join(lines, "\n")
}
