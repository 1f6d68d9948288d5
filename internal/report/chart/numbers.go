package chart

import (
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// numbers writes each point's number (from 1) beside it, in the first of
// eight places around the point that covers no point and no number placed
// before it, so that close points keep readable numbers.
type numbers struct {
	xys   plotter.XYs
	style text.Style
	r     vg.Length // the room a point takes around its centre
}

func (n numbers) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	taken := make([]vg.Rectangle, 0, 2*len(n.xys))
	for _, xy := range n.xys {
		pt := vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		taken = append(taken, vg.Rectangle{Min: pt.Sub(vg.Point{X: n.r, Y: n.r}), Max: pt.Add(vg.Point{X: n.r, Y: n.r})})
	}
	sty := n.style
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
	for i, xy := range n.xys {
		label := strconv.Itoa(i + 1)
		pt := vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		var box vg.Rectangle
		for k, off := range n.places(label) {
			cand := vg.Rectangle{Min: pt.Add(off), Max: pt.Add(off).Add(n.size(label))}
			if k == 0 {
				box = cand
			}
			if inside(c.Rectangle, cand) && !overlapsAny(cand, taken, i) {
				box = cand
				break
			}
		}
		taken = append(taken, box)
		c.FillText(sty, box.Min, label)
	}
}

func (n numbers) size(label string) vg.Point {
	return vg.Point{X: n.style.Width(label), Y: n.style.Height(label)}
}

// places are the offsets of a label's lower-left corner from its point.
func (n numbers) places(label string) []vg.Point {
	s, d, g := n.size(label), n.r*0.75, vg.Length(1.5)
	return []vg.Point{
		{X: d, Y: d}, {X: d, Y: -d - s.Y}, {X: -d - s.X, Y: d}, {X: -d - s.X, Y: -d - s.Y},
		{X: n.r + g, Y: -s.Y / 2}, {X: -n.r - g - s.X, Y: -s.Y / 2},
		{X: -s.X / 2, Y: n.r + g}, {X: -s.X / 2, Y: -n.r - g - s.Y},
	}
}

// GlyphBoxes keep room on every side of each point for its number.
func (n numbers) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	boxes := make([]plot.GlyphBox, len(n.xys))
	for i, xy := range n.xys {
		s := n.size(strconv.Itoa(i + 1))
		boxes[i] = plot.GlyphBox{X: p.X.Norm(xy.X), Y: p.Y.Norm(xy.Y), Rectangle: vg.Rectangle{
			Min: vg.Point{X: -n.r - s.X - 2, Y: -n.r - s.Y - 2}, Max: vg.Point{X: n.r + s.X + 2, Y: n.r + s.Y + 2},
		}}
	}
	return boxes
}

func inside(outer, r vg.Rectangle) bool {
	return r.Min.X >= outer.Min.X && r.Min.Y >= outer.Min.Y && r.Max.X <= outer.Max.X && r.Max.Y <= outer.Max.Y
}

// overlapsAny tells whether r overlaps a taken box other than point own's.
func overlapsAny(r vg.Rectangle, taken []vg.Rectangle, own int) bool {
	for j, t := range taken {
		if j != own && r.Min.X < t.Max.X && t.Min.X < r.Max.X && r.Min.Y < t.Max.Y && t.Min.Y < r.Max.Y {
			return true
		}
	}
	return false
}
