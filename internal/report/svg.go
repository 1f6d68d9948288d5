package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/servesweep/servesweep/internal/stats"
)

// barChart draws each configuration's mean ITL with its 95% CI as an error bar.
func (r *Report) barChart(model string) template.HTML {
	type bar struct {
		label string
		s     stats.Summary
	}
	var bars []bar
	for _, c := range r.Configs {
		if c.ModelKey != model {
			continue
		}
		if xs := samples(c, objectives["itl"].value); len(xs) > 0 {
			bars = append(bars, bar{c.Display, stats.Summarize(xs)})
		}
	}
	if len(bars) == 0 {
		return ""
	}
	top := 0.0
	for _, b := range bars {
		top = math.Max(top, math.Max(b.s.CI[1], b.s.Mean))
	}
	top *= 1.15
	const w, h, left, bottom = 640.0, 260.0, 50.0, 70.0
	bw := (w - left - 10) / float64(len(bars))
	y := func(v float64) float64 { return (h - bottom) * (1 - v/top) }
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart bars" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="ITL per configuration">`, w, h, w, h)
	fmt.Fprintf(&sb, `<text x="4" y="12" class="axis">ITL (ms)</text><line x1="%g" y1="0" x2="%g" y2="%g" class="axisline"/>`, left, left, h-bottom)
	for i, b := range bars {
		x := left + float64(i)*bw + bw*0.15
		bwid := bw * 0.7
		fmt.Fprintf(&sb, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %.2f ms</title></rect>`,
			x, y(b.s.Mean), bwid, (h-bottom)-y(b.s.Mean), template.HTMLEscapeString(b.label), b.s.Mean)
		if b.s.N > 1 {
			cx := x + bwid/2
			fmt.Fprintf(&sb, `<line class="errorbar" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, cx, y(b.s.CI[1]), cx, y(b.s.CI[0]))
		}
		fmt.Fprintf(&sb, `<text class="value" x="%.1f" y="%.1f">%.2f</text>`, x+bwid/2, y(b.s.Mean)-4, b.s.Mean)
		fmt.Fprintf(&sb, `<text class="label" transform="translate(%.1f,%.1f) rotate(25)">%s</text>`, x, h-bottom+14, template.HTMLEscapeString(b.label))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// paretoChart plots ITL against output cost; Pareto-optimal points are filled.
func (r *Report) paretoChart(model string, pareto []string) template.HTML {
	type pt struct {
		label, id string
		itl, cost float64
	}
	var pts []pt
	for _, c := range r.Configs {
		if c.ModelKey != model {
			continue
		}
		i, k := samples(c, objectives["itl"].value), samples(c, objectives["cost"].value)
		if len(i) == 0 || len(k) == 0 {
			continue
		}
		pts = append(pts, pt{c.Display, c.ID, stats.Summarize(i).Mean, stats.Summarize(k).Mean})
	}
	if len(pts) < 2 {
		return ""
	}
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		minX, maxX = math.Min(minX, p.cost), math.Max(maxX, p.cost)
		minY, maxY = math.Min(minY, p.itl), math.Max(maxY, p.itl)
	}
	padX, padY := (maxX-minX)*0.15+1e-9, (maxY-minY)*0.15+1e-9
	minX, maxX, minY, maxY = minX-padX, maxX+padX, minY-padY, maxY+padY
	const w, h, left, bottom = 640.0, 260.0, 50.0, 30.0
	sx := func(v float64) float64 { return left + (w-left-190)*(v-minX)/(maxX-minX) }
	sy := func(v float64) float64 { return (h - bottom) * (1 - (v-minY)/(maxY-minY)) }
	onFront := map[string]bool{}
	for _, id := range pareto {
		onFront[id] = true
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart pareto" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="speed vs cost">`, w, h, w, h)
	fmt.Fprintf(&sb, `<text x="4" y="12" class="axis">ITL (ms)</text><text x="%g" y="%g" class="axis">output cost ($/1M tokens)</text>`, w-190, h-6)
	fmt.Fprintf(&sb, `<line x1="%g" y1="0" x2="%g" y2="%g" class="axisline"/><line x1="%g" y1="%g" x2="%g" y2="%g" class="axisline"/>`, left, left, h-bottom, left, h-bottom, w-10, h-bottom)
	for _, p := range pts {
		cls := "point"
		if onFront[p.id] {
			cls = "point pareto-point"
		}
		fmt.Fprintf(&sb, `<circle class="%s" cx="%.1f" cy="%.1f" r="6"><title>%s: %.2f ms, $%.2f/1M</title></circle>`, cls, sx(p.cost), sy(p.itl), template.HTMLEscapeString(p.label), p.itl, p.cost)
		fmt.Fprintf(&sb, `<text class="label" x="%.1f" y="%.1f">%s</text>`, sx(p.cost)+8, sy(p.itl)+4, template.HTMLEscapeString(p.label))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}
