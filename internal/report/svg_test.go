package report

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
)

// chartReport is three Ollama-style configurations with long names, three
// repeats each (so every bar has a 95% interval).
func chartReport(t *testing.T) *Report {
	t.Helper()
	params := []map[string]string{
		{"--num-thread": "1", "--quantization": "f16"},
		{"--num-thread": "2", "--quantization": "q8_0"},
		{"--num-thread": "2", "--quantization": "q4_K_M", "--num-ctx": "32768", "--flash-attention": "on", "--kv-cache-type": "q8_0"},
	}
	var cfgs []plan.Config
	var rs []results.Result
	for i, p := range params {
		id := string(rune('a' + i))
		cfgs = append(cfgs, plan.Config{ID: id, ModelKey: "m", Model: "org/m", ModelName: "M", Params: p, GPUs: 2, TP: 2,
			Variant: id, Cases: []plan.Case{{BatchSize: 1, InputLen: 8, OutputLen: 8}}})
		for rep, tput := range []float64{100, 104, 97} {
			x := row(id, tput*float64(i+1))
			x.Repeat = rep
			x.OutputCostPer1M = f([]float64{1, 3.5, 3}[i]) // b costs more than c and is slower: not Pareto-optimal
			rs = append(rs, x)
		}
	}
	return Build(rundir.Meta{GPULabel: "cpu", GPUHourPrice: 1, Repeats: 3, Configs: cfgs}, rs, nil, LinkOptions{})
}

var (
	svgRe   = regexp.MustCompile(`(?s)<svg class="chart ([a-z]+)".*?</svg>`)
	textRe  = regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)
	ticksRe = regexp.MustCompile(`data-([xy])-ticks="([^"]*)"`)
)

// chartTexts are the texts drawn in a chart's plot and legend groups.
func chartTexts(svg string) (plot, legend []string) {
	i := strings.Index(svg, `<g class="legend"`)
	if i < 0 {
		i = len(svg)
	}
	for _, m := range textRe.FindAllStringSubmatch(svg[:i], -1) {
		plot = append(plot, html.UnescapeString(m[1]))
	}
	for _, m := range textRe.FindAllStringSubmatch(svg[i:], -1) {
		legend = append(legend, html.UnescapeString(m[1]))
	}
	return plot, legend
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestHTMLChartsNameEveryConfigurationInFull(t *testing.T) {
	rep := chartReport(t)
	var b strings.Builder
	if err := rep.HTML(&b, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	charts := map[string]string{}
	for _, m := range svgRe.FindAllStringSubmatch(b.String(), -1) {
		charts[m[1]] = m[0]
	}
	if len(charts) != 2 || charts["bars"] == "" || charts["pareto"] == "" {
		t.Fatalf("want a bar chart and a Pareto chart, got %d charts", len(charts))
	}
	barsPlot, barsLegend := chartTexts(charts["bars"])
	paretoPlot, paretoLegend := chartTexts(charts["pareto"])
	joined := strings.Join(barsPlot, " ")
	for i, c := range rep.Configs {
		name := c.Display
		// a name wider than half the chart wraps at " + ": its lines, joined, give it back whole
		if !strings.Contains(joined, name) {
			t.Errorf("bar chart lacks the full name %q: %q", name, barsPlot)
		}
		if len(name) > 80 && contains(barsPlot, name) {
			t.Errorf("the %d-character name %q should wrap", len(name), name)
		}
		num := string(rune('1' + i))
		if !contains(paretoPlot, num) {
			t.Errorf("Pareto point %s is not numbered", num)
		}
		found := false
		for _, l := range paretoLegend {
			if strings.HasPrefix(l, num+"  "+name) {
				found = true
			}
		}
		if !found {
			t.Errorf("Pareto legend lacks %q: %q", num+"  "+name, paretoLegend)
		}
	}
	if strings.Contains(charts["bars"]+charts["pareto"], "…") {
		t.Fatal("a chart shortened a name with an ellipsis")
	}
	// a is cheapest, c fastest; b is slower than c and costs more
	if !contains(paretoLegend, "1  "+rep.Configs[0].Display+" (Pareto-optimal)") || !contains(paretoLegend, "2  "+rep.Configs[1].Display) {
		t.Errorf("the legend does not mark the Pareto set {1, 3}: %q", paretoLegend)
	}
	for _, want := range []string{"ITL (ms)", "output cost ($/1M tokens)"} {
		if !contains(barsPlot, want) && !contains(paretoPlot, want) {
			t.Errorf("no axis is titled %q", want)
		}
	}
	if !contains(barsLegend, "95% confidence interval of the mean") || !contains(paretoLegend, "Pareto-optimal frontier") {
		t.Errorf("legends: bars %q, Pareto %q", barsLegend, paretoLegend)
	}
	for kind, svg := range charts {
		plot, _ := chartTexts(svg)
		for _, m := range ticksRe.FindAllStringSubmatch(svg, -1) {
			ticks := strings.Split(html.UnescapeString(m[2]), "|")
			if len(ticks) < 2 {
				t.Errorf("%s chart: %s axis has %d tick labels", kind, m[1], len(ticks))
			}
			for _, tk := range ticks {
				for _, line := range strings.Split(tk, "\n") {
					if !contains(plot, line) {
						t.Errorf("%s chart: %s tick %q is not drawn", kind, m[1], line)
					}
				}
			}
		}
	}
}

func TestChartThatCannotBeDrawnLeavesANote(t *testing.T) {
	got := string(chartOrNote("<svg/>", fmt.Errorf(`"<b>" x = -1 on the log-scale axis`)))
	if got != `<p class="muted">chart not drawn: &#34;&lt;b&gt;&#34; x = -1 on the log-scale axis</p>` {
		t.Fatalf("note = %s", got)
	}
	if chartOrNote("<svg/>", nil) != "<svg/>" {
		t.Fatal("a drawn chart must pass through")
	}
}
