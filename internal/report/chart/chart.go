// Package chart draws the report's charts through gonum/plot as SVG to be
// inlined in an HTML page: horizontal bar charts with 95% CI whiskers, scatter
// plots whose points are numbered and named in a legend, and multi-series line
// charts (optionally log-scale x). Inputs are plain values (labels, units,
// points); the output is deterministic (no random ids, fixed fonts), so tests
// can compare it, and it loads nothing: text uses the Liberation Sans metrics
// gonum/plot lays out with, falling back to the metric-compatible Arial or
// Helvetica, then any sans-serif font.
//
// Every chart is one <svg class="chart KIND"> element with a <title>, a <desc>
// that spells the axes, ticks and legend out for screen readers, the
// attributes data-x-ticks and data-y-ticks (the tick labels drawn, joined by
// "|"), a <g class="plot"> with axes and data, and a <g class="legend"> below
// it whose entries carry the full names.
package chart

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"math"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Point is one (x, y) value in data units.
type Point struct{ X, Y float64 }

// Axis names an axis and its unit; Log draws it on a log10 scale (every value
// on it must then be > 0).
type Axis struct {
	Label string
	Unit  string
	Log   bool
}

// Title is the axis label as drawn: "ITL (ms)".
func (a Axis) Title() string {
	if a.Unit == "" {
		return a.Label
	}
	return a.Label + " (" + a.Unit + ")"
}

// Width is the drawing's width in points; it is shown at its true size (1 pt =
// 4/3 CSS px) and shrinks with the page (max-width: 100%).
const Width = 8 * vg.Inch

var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
	ink      = color.RGBA{R: 0x1d, G: 0x24, B: 0x30, A: 0xff}
	gridInk  = color.RGBA{R: 0xe3, G: 0xe7, B: 0xee, A: 0xff}
	// palette is Tableau 10: distinct for people with the common colour-vision deficiencies.
	palette = []color.RGBA{
		{0x4c, 0x78, 0xa8, 0xff}, {0xf5, 0x85, 0x18, 0xff}, {0xe4, 0x57, 0x56, 0xff}, {0x72, 0xb7, 0xb2, 0xff},
		{0x54, 0xa2, 0x4b, 0xff}, {0xee, 0xca, 0x3b, 0xff}, {0xb2, 0x79, 0xa2, 0xff}, {0xff, 0x9d, 0xa6, 0xff},
		{0x9d, 0x75, 0x5d, 0xff}, {0xba, 0xb0, 0xac, 0xff},
	}
)

// Color is the i-th colour of the charts' palette (it cycles).
func Color(i int) color.RGBA { return palette[i%len(palette)] }

func textStyle(f font.Font, size vg.Length, x draw.XAlignment, y draw.YAlignment) text.Style {
	return text.Style{Color: ink, Font: font.From(f, size), XAlign: x, YAlign: y, Handler: plot.DefaultTextHandler}
}

// newPlot is a plot in the charts' fonts with labelled axes whose drawn tick
// labels are recorded in ticks.
func newPlot(title string, x, y Axis, ticks *drawnTicks) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil
	p.Title.Text = title
	p.Title.TextStyle = textStyle(sansBold, 11, draw.XCenter, draw.YTop)
	p.Title.Padding = 6
	for _, a := range []struct {
		ax   *plot.Axis
		spec Axis
		rec  *[]string
	}{{&p.X, x, &ticks.x}, {&p.Y, y, &ticks.y}} {
		a.ax.Label.Text = a.spec.Title()
		a.ax.Label.TextStyle.Font = font.From(sans, 10)
		a.ax.Label.TextStyle.Color = ink
		a.ax.Tick.Label.Font = font.From(sans, 9)
		a.ax.Tick.Label.Color = ink
		a.ax.Tick.Length = 4
		a.ax.Color, a.ax.Tick.Color = ink, ink
		a.ax.Tick.Marker = linearTicks{}
		if a.spec.Log {
			a.ax.Scale = plot.LogScale{}
			a.ax.Tick.Marker = logTicks{}
		}
		a.ax.Tick.Marker = recorder{a.ax.Tick.Marker, a.rec}
	}
	return p
}

// drawnTicks are the tick labels the axes drew.
type drawnTicks struct{ x, y []string }

// recorder passes ticks through and keeps the labelled ones inside the range.
type recorder struct {
	plot.Ticker
	labels *[]string
}

func (r recorder) Ticks(min, max float64) []plot.Tick {
	ts := r.Ticker.Ticks(min, max)
	*r.labels = (*r.labels)[:0]
	for _, t := range ts {
		if t.Label != "" && t.Value >= min-1e-9*math.Abs(min) && t.Value <= max+1e-9*math.Abs(max) {
			*r.labels = append(*r.labels, t.Label)
		}
	}
	return ts
}

// svgBody renders a drawing function onto a w×h SVG canvas and returns the
// markup inside its root element.
func svgBody(w, h vg.Length, drawFn func(draw.Canvas)) (string, error) {
	c := vgsvg.New(w, h)
	drawFn(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", err
	}
	s := buf.String()
	start := strings.Index(s, "<svg")
	if start < 0 {
		return "", fmt.Errorf("chart: no <svg> in the rendered output")
	}
	end := strings.Index(s[start:], ">")
	last := strings.LastIndex(s, "</svg>")
	if end < 0 || last < 0 {
		return "", fmt.Errorf("chart: malformed SVG output")
	}
	body := s[start+end+1 : last]
	// gonum/plot measured the text with Liberation Sans; Arial and Helvetica share its metrics.
	body = strings.ReplaceAll(body, "font-family:Liberation Sans;", "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")
	return body, nil
}

// doc assembles one chart element from a plot and a legend below it.
type doc struct {
	class, title string
	p            *plot.Plot
	plotH        vg.Length
	legend       *legend
	ticks        *drawnTicks
	x, y         Axis
}

func (d doc) render() (string, error) {
	var err error
	var body string
	func() {
		defer func() { // gonum/plot panics on ranges it cannot draw; report them as errors
			if r := recover(); r != nil {
				err = fmt.Errorf("chart %q: %v", d.title, r)
			}
		}()
		body, err = svgBody(Width, d.plotH, func(c draw.Canvas) {
			d.p.Draw(draw.Crop(c, 10, -16, 2, -4)) // margins: no label touches the edge
		})
	}()
	if err != nil {
		return "", err
	}
	legH, legBody := vg.Length(0), ""
	if d.legend != nil && len(d.legend.entries) > 0 {
		legH = d.legend.height(Width)
		if legBody, err = svgBody(Width, legH, d.legend.draw); err != nil {
			return "", err
		}
	}
	w, h := Width.Points(), (d.plotH + legH).Points()
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart %s" viewBox="0 0 %.5g %.5g" width="%.5g" height="%.5g" role="img" aria-label="%s" data-x-ticks="%s" data-y-ticks="%s">`,
		html.EscapeString(d.class), w, h, w*4/3, h*4/3, html.EscapeString(d.title),
		html.EscapeString(strings.Join(d.ticks.x, "|")), html.EscapeString(strings.Join(d.ticks.y, "|")))
	fmt.Fprintf(&sb, "<title>%s</title><desc>%s</desc>\n", html.EscapeString(d.title), html.EscapeString(d.describe()))
	sb.WriteString(`<rect width="100%" height="100%" fill="#ffffff"/>` + "\n")
	sb.WriteString(`<g class="plot">` + body + "</g>\n")
	if legBody != "" {
		fmt.Fprintf(&sb, `<g class="legend" transform="translate(0,%.5g)">%s</g>`+"\n", d.plotH.Points(), legBody)
	}
	sb.WriteString("</svg>")
	return sb.String(), nil
}

// describe spells the chart out for screen readers.
func (d doc) describe() string {
	s := fmt.Sprintf("x axis: %s, ticks %s; y axis: %s, ticks %s.", d.x.Title(), strings.Join(d.ticks.x, ", "), d.y.Title(), strings.Join(d.ticks.y, ", "))
	if d.legend != nil && len(d.legend.entries) > 0 {
		var names []string
		for _, e := range d.legend.entries {
			names = append(names, e.text)
		}
		s += " Legend: " + strings.Join(names, "; ") + "."
	}
	return s
}
