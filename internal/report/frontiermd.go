package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/servesweep/servesweep/internal/load"
)

// chartColors name the mermaid chart's line colours (xychart-beta has no
// legend: the table under the chart names each line by its colour).
var chartColors = []struct{ name, hex string }{
	{"black", "#000000"}, {"blue", "#1f77b4"}, {"orange", "#ff7f0e"}, {"green", "#2ca02c"}, {"red", "#d62728"},
	{"purple", "#9467bd"}, {"brown", "#8c564b"}, {"pink", "#e377c2"}, {"grey", "#7f7f7f"}, {"olive", "#bcbd22"}, {"cyan", "#17becf"},
}

// chartColumns is the number of tokens-per-user values the chart samples.
const chartColumns = 12

// frontierMarkdown writes the frontier section: per model and length pair a
// mermaid chart, the Pareto set, the target question's answer and the
// ladders that stopped at saturation.
func (r *Report) frontierMarkdown(b *strings.Builder) {
	if len(r.Frontier) == 0 {
		return
	}
	b.WriteString("### Throughput–interactivity frontier\n\n")
	b.WriteString("Each load point: output tok/s per GPU (output throughput ÷ the GPUs the configuration uses; per machine for a CPU-only one) against tok/s per user (1000 ÷ median TPOT in ms). The Pareto set are the points no other point beats on both.\n\n")
	for _, f := range r.Frontier {
		fmt.Fprintf(b, "**%s** — input %d, output %d tokens\n\n", f.Model, f.InputLen, f.OutputLen)
		if len(f.Points) > 0 {
			frontierChart(b, f)
			paretoTable(b, f)
			targetMarkdown(b, f)
		} else {
			b.WriteString("No load point completed a request with more than one output token.\n\n")
		}
		for _, s := range f.Stopped {
			fmt.Fprintf(b, "⏹ **%s** stopped climbing its ladder: %s; not run: %s.\n\n", s.Display, s.Reason, strings.Join(s.NotRun, ", "))
		}
	}
	if r.Meta.FrontierTarget <= 0 {
		b.WriteString("_Ask which configuration gives the most tok/s per GPU at an interactivity target with `frontier: {target_tokens_per_s_per_user: N}` in the sweep file, or `servesweep report DIR --target-tps-per-user N`._\n\n")
	}
}

// FrontierSeries is one line of a frontier chart: Y[i] is the output tok/s
// per GPU its configuration gives at ≥ X[i] tok/s per user.
type FrontierSeries struct {
	ConfigID string // "" for the frontier: the best configuration at each x
	Display  string
	X, Y     []float64
}

// ChartSeries samples the frontier at n evenly spaced tok/s-per-user values
// across the measured range (one when every point has the same): first the
// frontier, then each configuration — Steffen's curve between its measured
// points, its least interactive point's figure below them, 0 above them.
// The HTML charts can draw these beside the measured Points and the Pareto set.
func (f Frontier) ChartSeries(n int) []FrontierSeries {
	ids, curves := configCurves(f.Points)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range f.Points {
		lo, hi = math.Min(lo, p.TokensPerSPerUser), math.Max(hi, p.TokensPerSPerUser)
	}
	if len(f.Points) == 0 {
		return nil
	}
	if hi <= lo || n < 2 {
		n = 1
	}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = lo
		if n > 1 {
			xs[i] = lo + (hi-lo)*float64(i)/float64(n-1)
		}
	}
	out := []FrontierSeries{{Display: "frontier", X: xs, Y: make([]float64, n)}}
	best := out[0].Y
	for _, id := range ids {
		s := FrontierSeries{ConfigID: id, Display: curves[id][0].Display, X: xs, Y: make([]float64, n)}
		for i, x := range xs {
			if y, how, _ := curveAt(curves[id], x); how != AtAboveRange {
				s.Y[i] = y
				best[i] = math.Max(best[i], y)
			}
		}
		out = append(out, s)
	}
	return out
}

// frontierChart draws ChartSeries as a mermaid xychart-beta (up to ten
// configurations) and names its lines in a table.
func frontierChart(b *strings.Builder, f Frontier) {
	series := f.ChartSeries(chartColumns)
	if len(series) > len(chartColors) {
		series = series[:len(chartColors)]
	}
	labels := make([]string, len(series[0].X))
	for i, x := range series[0].X {
		labels[i] = fmt.Sprintf("%q", fmt.Sprintf("%.3g", x))
	}
	var pal []string
	for _, c := range chartColors[:len(series)] {
		pal = append(pal, c.hex)
	}
	fmt.Fprintf(b, "```mermaid\n%%%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"%s\"}}}}%%%%\nxychart-beta\n", strings.Join(pal, ", "))
	fmt.Fprintf(b, "    title %q\n", chartText(f.Model+": output tok/s per GPU at ≥ x tok/s per user"))
	fmt.Fprintf(b, "    x-axis \"output tok/s per user\" [%s]\n    y-axis \"output tok/s per GPU\"\n", strings.Join(labels, ", "))
	for _, s := range series {
		fmt.Fprintf(b, "    line [%s]\n", numbers(s.Y))
	}
	b.WriteString("```\n\n| line | configuration | measured (load: tok/s per user, tok/s per GPU) |\n| --- | --- | --- |\n")
	fmt.Fprintf(b, "| %s | frontier: the best configuration at each x | |\n", chartColors[0].name)
	for j, s := range series[1:] {
		var pts []string
		for _, p := range f.Points {
			if p.ConfigID == s.ConfigID {
				pts = append(pts, fmt.Sprintf("%s: %.3g, %.4g", pointLabel(p), p.TokensPerSPerUser, p.TokensPerSPerGPU))
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", chartColors[j+1].name, s.Display, strings.Join(pts, "; "))
	}
	b.WriteString("\n")
}

func paretoTable(b *strings.Builder, f Frontier) {
	b.WriteString("Pareto set (most interactive first):\n\n| configuration | load | tok/s per user | tok/s per GPU | $/1M output |\n| --- | --- | --- | --- | --- |\n")
	for _, p := range f.Pareto {
		sat := ""
		if p.Saturated {
			sat = " (saturated)"
		}
		fmt.Fprintf(b, "| %s | %s%s | %.2f | %.2f | %s |\n", p.Display, pointLabel(p), sat, p.TokensPerSPerUser, p.TokensPerSPerGPU, dollars(p.OutputCostPer1M))
	}
	b.WriteString("\n")
}

func targetMarkdown(b *strings.Builder, f Frontier) {
	a := f.Target
	if a == nil {
		return
	}
	if a.Best == nil {
		fmt.Fprintf(b, "**At ≥ %g tok/s per user**: no configuration reaches the target in what was measured (lower-concurrency points, or a lower target, would answer).\n\n", a.TokensPerSPerUser)
	} else {
		p := a.Best
		fmt.Fprintf(b, "**At ≥ %g tok/s per user**: **%s** gives the most, %.2f output tok/s per GPU at %s per 1M output tokens (%s: %s).\n\n",
			a.TokensPerSPerUser, p.Display, p.TokensPerSPerGPU, dollars(p.OutputCostPer1M), strings.ReplaceAll(p.How, "_", " "), p.Note)
	}
	b.WriteString("| configuration | tok/s per GPU at the target | $/1M output | how |\n| --- | --- | --- | --- |\n")
	for _, p := range a.Configs {
		y, cost := fmt.Sprintf("%.2f", p.TokensPerSPerGPU), dollars(p.OutputCostPer1M)
		if p.How == AtAboveRange {
			y, cost = "—", "—"
		} else if p.How == AtBelowRange {
			y = "≥ " + y
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s: %s |\n", p.Display, y, cost, strings.ReplaceAll(p.How, "_", " "), p.Note)
	}
	b.WriteString("\n")
}

func dollars(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("$%.4g", v)
}

func numbers(vs []float64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprintf("%.2f", v)
	}
	return strings.Join(s, ", ")
}

// chartText keeps a mermaid string free of the quotes that would end it.
func chartText(s string) string {
	return strings.NewReplacer(`"`, "'", "\n", " ").Replace(s)
}

// loadLabel names a load row's profile, marking a saturated rung.
func loadLabel(l load.Result) string {
	if l.Saturated != "" {
		return load.ProfileLabel(l.Profile) + " ⏹ saturated"
	}
	return load.ProfileLabel(l.Profile)
}

// saturationNote says which rungs were saturated and why, and how the
// ladder decides.
func saturationNote(b *strings.Builder, ls []load.Result) {
	n := 0
	for _, l := range ls {
		if l.Saturated != "" {
			if n == 0 {
				b.WriteString("⏹ Saturated rungs (a ladder stops climbing after one unless `stop_at_saturation: false`):\n\n")
			}
			n++
			fmt.Fprintf(b, "- %s, %s, in/out %d/%d: %s\n", l.ConfigID, load.ProfileLabel(l.Profile), l.InputLen, l.OutputLen, l.Saturated)
		}
	}
	if n > 0 {
		fmt.Fprintf(b, "\nA rung is saturated when it achieves under %.0f%% of the offered request rate, or when, from the rung below, output throughput grows less than half as fast as the load while TTFT p50 grows faster than it (or throughput is flat, elasticity < %.2f, while TTFT still rises, elasticity > %.1f).\n\n",
			100*load.MinAchievedFraction, load.FlatThroughputElasticity, load.QueueingTTFTElasticity)
	}
}
