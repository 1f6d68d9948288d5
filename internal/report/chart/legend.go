package chart

import (
	"image/color"

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

func (l *legend) add(s string, thumbs ...plot.Thumbnailer) {
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

func (l *legend) rowHeight() vg.Length {
	h := l.style.Rectangle("Ay").Max.Y
	for _, e := range l.entries {
		h = max(h, l.style.Rectangle(e.text).Max.Y)
	}
	return h + legendPad
}

func (l *legend) columns(w vg.Length) int {
	avail := w - 2*legendMargin
	n := int((avail + legendGap) / (l.entryWidth() + legendGap))
	return max(1, min(n, len(l.entries)))
}

func (l *legend) rows(w vg.Length) int {
	c := l.columns(w)
	return (len(l.entries) + c - 1) / c
}

func (l *legend) height(w vg.Length) vg.Length {
	return vg.Length(l.rows(w))*l.rowHeight() + 2*legendPad + 4
}

// draw fills the columns top to bottom, left to right.
func (l *legend) draw(c draw.Canvas) {
	rows, colW := l.rows(c.Size().X), l.entryWidth()+legendGap
	rh := l.rowHeight()
	for i, e := range l.entries {
		col, row := i/rows, i%rows
		x := c.Min.X + legendMargin + vg.Length(col)*colW
		top := c.Max.Y - legendPad - vg.Length(row)*rh
		icon := &draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: top - rh + legendPad},
			Max: vg.Point{X: x + legendThumb, Y: top},
		}}
		for _, t := range e.thumbs {
			t.Thumbnail(icon)
		}
		sty := l.style
		sty.YAlign = draw.YCenter
		c.FillText(sty, vg.Point{X: x + legendThumb + 5, Y: icon.Center().Y}, e.text)
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
