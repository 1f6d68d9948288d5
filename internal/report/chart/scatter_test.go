package chart

import (
	"fmt"
	"strings"
	"testing"
)

func paretoChart() ScatterChart {
	return ScatterChart{
		Title: "Speed and cost", Class: "pareto",
		X: Axis{Label: "output cost", Unit: "$/1M tokens"}, Y: Axis{Label: "ITL", Unit: "ms"},
		Highlight: "Pareto-optimal",
		Points: []ScatterPoint{
			{Label: "TP4 + flashinfer_cutlass", X: 20.27, Y: 9.12, Highlight: true},
			{Label: "TP8 + flashinfer_cutlass", X: 33.36, Y: 7.50, Highlight: true},
			// nearly on top of the first point: numbers, not names, sit by the points
			{Label: "TP4 + triton (a configuration with a rather long name that must not be cut)", X: 20.5, Y: 9.2},
			{Label: longName, X: 40, Y: 12},
		},
	}
}

func TestScatterNamesPointsInTheLegend(t *testing.T) {
	s := paretoChart()
	svg, err := Scatter(s)
	if err != nil {
		t.Fatal(err)
	}
	preview(t, "scatter", svg)
	n := parse(t, svg)
	checkTicks(t, n, "x", 3)
	checkTicks(t, n, "y", 3)
	plot, legend := n.texts("plot", false), n.texts("legend", false)
	for i, p := range s.Points {
		num := fmt.Sprint(i + 1)
		if !has(plot, num) {
			t.Errorf("point %s is not numbered on the plot: %q", num, plot)
		}
		want := num + "  " + p.Label
		if p.Highlight {
			want += " (Pareto-optimal)"
		}
		if !has(legend, want) {
			t.Errorf("legend lacks %q: %q", want, legend)
		}
		if has(plot, p.Label) {
			t.Errorf("the plot area carries the name %q: names belong in the legend", p.Label)
		}
	}
	if !has(legend, "Pareto-optimal frontier") {
		t.Errorf("legend lacks the frontier line: %q", legend)
	}
	for _, want := range []string{"output cost ($/1M tokens)", "ITL (ms)"} {
		if !has(plot, want) {
			t.Errorf("plot lacks the axis title %q", want)
		}
	}
	if !strings.Contains(n.attr("aria-label"), "Speed and cost") {
		t.Fatalf("aria-label = %q", n.attr("aria-label"))
	}
}

func TestScatterRefusesWhatItCannotDraw(t *testing.T) {
	s := paretoChart()
	s.X.Log = true
	s.Points[2].X = 0
	if _, err := Scatter(s); err == nil || !strings.Contains(err.Error(), "must be > 0") {
		t.Fatalf("x = 0 on a log axis: want an error, got %v", err)
	}
	s = paretoChart()
	s.Points[0].Y = nan()
	if _, err := Scatter(s); err == nil {
		t.Fatal("NaN: want an error")
	}
	if out, err := Scatter(ScatterChart{}); out != "" || err != nil {
		t.Fatalf("no points: %q, %v", out, err)
	}
	one := paretoChart()
	one.Points = one.Points[:1] // one point: a degenerate range still draws
	if _, err := Scatter(one); err != nil {
		t.Fatal(err)
	}
}

func TestLegendWrapsNamesWiderThanTheChart(t *testing.T) {
	huge := strings.Repeat(longName+" + ", 2) + "tail=1"
	s := paretoChart()
	s.Points[3].Label = huge
	svg, err := Scatter(s)
	if err != nil {
		t.Fatal(err)
	}
	preview(t, "scatter-huge", svg)
	_, legend := chartTexts(parse(t, svg))
	if !strings.Contains(strings.Join(legend, " "), "4  "+huge) {
		t.Fatalf("the %d-character name is not in the legend whole: %q", len(huge), legend)
	}
	sty := newLegend().style
	for _, line := range legend {
		if w := sty.Width(line); w > Width-2*legendMargin-legendThumb {
			t.Errorf("legend line %q is %.0f pt wide: it runs past the %.0f pt drawing", line, w.Points(), Width.Points())
		}
	}
}
