package chart

import (
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legend is drawn below the plot, in as many columns as its longest entry
// allows, so that full names need no room inside the data area.
type legend struct {
	entries []legendEntry
	style   text.Style
}

type legendEntry struct {
	text   string
	thumbs []plot.Thumbnailer
}

const (
	legendMargin = vg.Length(12)
	legendGap    = vg.Length(18)
	legendThumb  = vg.Length(18)
	legendPad    = vg.Length(5)
)

func newLegend() *legend {
	return &legend{style: textStyle(sans, 9, draw.XLeft, draw.YBottom)}
}

// add appends an entry; text wider than the legend wraps (see wrap), so
// that nothing runs past the drawing's edge.
func (l *legend) add(s string, thumbs ...plot.Thumbnailer) {
	s = wrap(s, Width-2*legendMargin-legendThumb-10, l.style)
	l.entries = append(l.entries, legendEntry{s, thumbs})
}

// entryWidth is the widest entry, thumbnail included.
func (l *legend) entryWidth() vg.Length {
	var w vg.Length
	for _, e := range l.entries {
		w = max(w, legendThumb+l.style.Rectangle(" "+e.text).Max.X)
	}
	return w
}

func (l *legend) columns(w vg.Length) int {
	for _, e := range l.entries {
		if strings.Contains(e.text, "\n") {
			return 1 // wrapped entries take a column of their own heights
		}
	}
	avail := w - 2*legendMargin
	n := int((avail + legendGap) / (l.entryWidth() + legendGap))
	return max(1, min(n, len(l.entries)))
}

// slot is where an entry goes: its left edge, its top (down from the
// legend's top) and its height.
type slot struct{ x, top, h vg.Length }

// layout fills the columns top to bottom, left to right, and returns the
// legend's height.
func (l *legend) layout(w vg.Length) ([]slot, vg.Length) {
	cols := l.columns(w)
	rows := (len(l.entries) + cols - 1) / cols
	colW := l.entryWidth() + legendGap
	minH := l.style.Rectangle("Ay").Max.Y
	var slots []slot
	var y, height vg.Length
	for i, e := range l.entries {
		col, row := i/rows, i%rows
		if row == 0 {
			y = legendPad
		}
		h := max(minH, l.style.Rectangle(e.text).Max.Y) + legendPad
		slots = append(slots, slot{x: legendMargin + vg.Length(col)*colW, top: y, h: h})
		y += h
		height = max(height, y)
	}
	return slots, height + legendPad + 4
}

func (l *legend) height(w vg.Length) vg.Length {
	_, h := l.layout(w)
	return h
}

func (l *legend) draw(c draw.Canvas) {
	slots, _ := l.layout(c.Size().X)
	for i, e := range l.entries {
		s := slots[i]
		top := c.Max.Y - s.top
		icon := &draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: c.Min.X + s.x, Y: top - s.h + legendPad},
			Max: vg.Point{X: c.Min.X + s.x + legendThumb, Y: top},
		}}
		for _, t := range e.thumbs {
			t.Thumbnail(icon)
		}
		sty := l.style
		sty.YAlign = draw.YCenter
		c.FillText(sty, vg.Point{X: icon.Max.X + 5, Y: icon.Center().Y}, e.text)
	}
}

// thumb draws a legend thumbnail with a function.
type thumb func(c *draw.Canvas)

func (t thumb) Thumbnail(c *draw.Canvas) { t(c) }

// lineThumb is a horizontal line across the thumbnail.
func lineThumb(sty draw.LineStyle) thumb {
	return func(c *draw.Canvas) {
		y := (c.Min.Y + c.Max.Y) / 2
		c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
	}
}

// glyphThumb is one glyph in the middle of the thumbnail.
func glyphThumb(g draw.GlyphStyle) thumb {
	return func(c *draw.Canvas) {
		c.DrawGlyph(g, c.Center())
	}
}

// whiskerThumb is an error bar with caps.
func whiskerThumb(col color.Color) thumb {
	return func(c *draw.Canvas) {
		sty := draw.LineStyle{Color: col, Width: 1.2}
		y, h := (c.Min.Y+c.Max.Y)/2, (c.Max.Y-c.Min.Y)*0.6
		x0, x1 := c.Min.X+2, c.Max.X-2
		c.StrokeLine2(sty, x0, y, x1, y)
		c.StrokeLine2(sty, x0, y-h/2, x0, y+h/2)
		c.StrokeLine2(sty, x1, y-h/2, x1, y+h/2)
	}
}

// boxThumb is a filled box.
func boxThumb(col color.Color) thumb {
	return func(c *draw.Canvas) {
		r := vg.Rectangle{Min: vg.Point{X: c.Min.X + 2, Y: c.Min.Y + 2}, Max: vg.Point{X: c.Max.X - 2, Y: c.Max.Y - 1}}
		c.FillPolygon(col, []vg.Point{r.Min, {X: r.Min.X, Y: r.Max.Y}, r.Max, {X: r.Max.X, Y: r.Min.Y}})
	}
}
