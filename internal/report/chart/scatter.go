package chart

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScatterPoint is one labelled point; Highlight marks it (e.g. Pareto-optimal).
type ScatterPoint struct {
	Label     string
	X, Y      float64
	Highlight bool
}

// ScatterChart numbers its points on the plot and names them in full in the
// legend, so long names never overlap each other or the data.
type ScatterChart struct {
	Title string
	Class string // CSS class beside "chart"
	X, Y  Axis
	// Points are numbered from 1 in this order.
	Points []ScatterPoint
	// Highlight names what highlighted points are ("Pareto-optimal"); they
	// get a dark ring and are joined, in x order, by a dashed line.
	Highlight string
}

// Scatter draws a scatter chart; no points give "".
func Scatter(s ScatterChart) (string, error) {
	if len(s.Points) == 0 {
		return "", nil
	}
	ticks := &drawnTicks{}
	p := newPlot(s.Title, s.X, s.Y, ticks)
	g := plotter.NewGrid()
	g.Vertical, g.Horizontal = gridStyle(), gridStyle()
	p.Add(g)
	leg := newLegend()
	var front plotter.XYs
	for _, pt := range s.Points {
		if pt.Highlight {
			front = append(front, plotter.XY{X: pt.X, Y: pt.Y})
		}
	}
	sort.SliceStable(front, func(i, j int) bool { return front[i].X < front[j].X })
	if len(front) > 1 {
		l, err := plotter.NewLine(front)
		if err != nil {
			return "", err
		}
		l.LineStyle = frontierStyle()
		p.Add(l)
	}
	var xys plotter.XYs
	for i, pt := range s.Points {
		if err := checkPoint(s.X, s.Y, pt.X, pt.Y, pt.Label); err != nil {
			return "", err
		}
		glyphs, err := pointGlyphs(pt, Color(i))
		if err != nil {
			return "", err
		}
		p.Add(glyphs...)
		xys = append(xys, plotter.XY{X: pt.X, Y: pt.Y})
		name := fmt.Sprintf("%d  %s", i+1, pt.Label)
		if pt.Highlight && s.Highlight != "" {
			name += " (" + s.Highlight + ")"
		}
		thumbs := []plot.Thumbnailer{glyphThumb(draw.GlyphStyle{Color: Color(i), Radius: 4.5, Shape: draw.CircleGlyph{}})}
		if pt.Highlight {
			thumbs = append(thumbs, glyphThumb(ringGlyph()))
		}
		leg.add(name, thumbs...)
	}
	if len(front) > 1 {
		leg.add(s.Highlight+" frontier", lineThumb(frontierStyle()))
	}
	p.Add(numbers{xys: xys, style: textStyle(sansBold, 9, draw.XLeft, draw.YBottom), r: 6.5})
	padAxis(&p.X, s.X.Log)
	padAxis(&p.Y, s.Y.Log)
	return doc{class: s.Class, title: s.Title, p: p, plotH: 260, legend: leg, ticks: ticks, x: s.X, y: s.Y}.render()
}

// pointGlyphs are a filled circle in the point's colour, ringed when highlighted.
func pointGlyphs(pt ScatterPoint, col color.Color) ([]plot.Plotter, error) {
	dot, err := plotter.NewScatter(plotter.XYs{{X: pt.X, Y: pt.Y}})
	if err != nil {
		return nil, err
	}
	dot.GlyphStyle = draw.GlyphStyle{Color: col, Radius: 4.5, Shape: draw.CircleGlyph{}}
	if !pt.Highlight {
		return []plot.Plotter{dot}, nil
	}
	ring, err := plotter.NewScatter(plotter.XYs{{X: pt.X, Y: pt.Y}})
	if err != nil {
		return nil, err
	}
	ring.GlyphStyle = ringGlyph()
	return []plot.Plotter{dot, ring}, nil
}

func ringGlyph() draw.GlyphStyle {
	return draw.GlyphStyle{Color: ink, Radius: 6.5, Shape: draw.RingGlyph{}}
}

func frontierStyle() draw.LineStyle {
	return draw.LineStyle{Color: ink, Width: 1.6, Dashes: []vg.Length{5, 3}}
}

// checkPoint refuses values the axes cannot draw.
func checkPoint(xa, ya Axis, x, y float64, name string) error {
	if err := plotter.CheckFloats(x, y); err != nil {
		return fmt.Errorf("%q: %w", name, err)
	}
	if xa.Log && x <= 0 {
		return fmt.Errorf("%q: x = %g on the log-scale axis %s: values there must be > 0", name, x, xa.Title())
	}
	if ya.Log && y <= 0 {
		return fmt.Errorf("%q: y = %g on the log-scale axis %s: values there must be > 0", name, y, ya.Title())
	}
	return nil
}

// padAxis widens the data range by 6% on each side (multiplicatively on a log
// axis) so that no point sits on an axis line.
func padAxis(a *plot.Axis, log bool) {
	if math.IsInf(a.Min, 0) || math.IsInf(a.Max, 0) {
		return
	}
	if log {
		lo, hi := math.Log10(a.Min), math.Log10(a.Max)
		d := math.Max((hi-lo)*0.06, 0.05)
		a.Min, a.Max = math.Pow(10, lo-d), math.Pow(10, hi+d)
		return
	}
	d := (a.Max - a.Min) * 0.06
	if d == 0 {
		d = math.Max(math.Abs(a.Max)*0.1, 1)
	}
	a.Min, a.Max = a.Min-d, a.Max+d
}
