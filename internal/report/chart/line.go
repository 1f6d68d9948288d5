package chart

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named curve.
type Series struct {
	Name   string
	Points []Point // drawn in this order
	// Markers marks every point (e.g. each measured step of a ladder).
	Markers bool
	// Emphasis draws the series dark, thick and dashed above the others
	// (e.g. the Pareto frontier across configurations).
	Emphasis bool
}

// LineChart is several series on shared axes, named in a legend below.
type LineChart struct {
	Title  string
	Class  string // CSS class beside "chart"
	X, Y   Axis   // X.Log draws x on a log10 scale
	Series []Series
	// Height of the plot area in points (default 260); the legend adds its own.
	Height vg.Length
}

// Lines draws a line chart; no points at all give "".
func Lines(l LineChart) (string, error) {
	ticks := &drawnTicks{}
	p := newPlot(l.Title, l.X, l.Y, ticks)
	g := plotter.NewGrid()
	g.Vertical, g.Horizontal = gridStyle(), gridStyle()
	p.Add(g)
	leg := newLegend()
	var last []plot.Plotter // emphasised series go on top
	colour, drawn := 0, 0
	for _, s := range l.Series {
		if len(s.Points) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(s.Points))
		for i, pt := range s.Points {
			if err := checkPoint(l.X, l.Y, pt.X, pt.Y, s.Name); err != nil {
				return "", err
			}
			xys[i] = plotter.XY{X: pt.X, Y: pt.Y}
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return "", err
		}
		line.LineStyle = draw.LineStyle{Color: Color(colour), Width: 1.6}
		glyph := draw.GlyphStyle{Color: Color(colour), Radius: 2.8, Shape: draw.CircleGlyph{}}
		if s.Emphasis {
			line.LineStyle = draw.LineStyle{Color: ink, Width: 2.4, Dashes: []vg.Length{6, 3}}
			glyph = draw.GlyphStyle{Color: ink, Radius: 4, Shape: draw.RingGlyph{}}
		} else {
			colour++
		}
		parts := []plot.Plotter{line}
		thumbs := []plot.Thumbnailer{lineThumb(line.LineStyle)}
		if s.Markers {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return "", err
			}
			sc.GlyphStyle = glyph
			parts = append(parts, sc)
			thumbs = append(thumbs, glyphThumb(glyph))
		}
		if s.Emphasis {
			last = append(last, parts...)
		} else {
			p.Add(parts...)
		}
		leg.add(s.Name, thumbs...)
		drawn++
	}
	if drawn == 0 {
		return "", nil
	}
	p.Add(last...)
	padAxis(&p.X, l.X.Log)
	padAxis(&p.Y, l.Y.Log)
	if l.Height == 0 {
		l.Height = 260
	}
	return doc{class: l.Class, title: l.Title, p: p, plotH: l.Height, legend: leg, ticks: ticks, x: l.X, y: l.Y}.render()
}

// logTicks labels 1-2-5 steps when the range spans few decades, else powers
// of ten; the other integer multiples get unlabelled minor ticks.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= min {
		return nil
	}
	lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	label := map[int]bool{1: true}
	switch {
	case hi-lo <= 1:
		label[2], label[3], label[5] = true, true, true
	case hi-lo <= 3:
		label[2], label[5] = true, true
	}
	var ts []plot.Tick
	for e := lo; e <= hi; e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			t := plot.Tick{Value: v}
			if label[m] {
				t.Label = strconv.FormatFloat(v, 'g', 6, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}
