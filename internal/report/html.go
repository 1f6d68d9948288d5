package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/servesweep/servesweep/internal/results"
)

//go:embed report.html.tmpl
var htmlTemplate string

// HTMLOptions tune the HTML report.
type HTMLOptions struct {
	// Serve adds "Open in Perfetto" buttons that fetch traces from the serving
	// server (servesweep serve) and hand them to Perfetto by postMessage.
	Serve bool
	// PerfettoURL is the Perfetto UI the buttons open (https://ui.perfetto.dev).
	PerfettoURL string
}

type htmlRow struct {
	Cells          []string
	Extend, Decode string // trace paths relative to the run directory
}

type htmlConfig struct {
	ConfigReport
	Header string
	Rows   []htmlRow
	Lines  []string
	Stats  string
	Bound  []string // % of bound and the prediction
	// Charts are drawn under the configuration's table (e.g. telemetry time
	// series: chart.Lines with x in seconds); chartOrNote wraps each.
	Charts []template.HTML
}

type htmlModel struct {
	Name, Model  string
	Bars, Pareto template.HTML
	// More are further charts of the model, drawn after the Pareto chart
	// (e.g. the frontier: chart.Lines with a log-scale x and the Pareto
	// frontier as an Emphasis series); chartOrNote wraps each.
	More       []template.HTML
	Recs       []Recommendation
	Difference string
	Knobs      string
}

// HTML writes one self-contained page: no request leaves it to render (styles
// and charts are inline; charts are SVG drawn by gonum/plot, see package chart).
func (r *Report) HTML(w io.Writer, o HTMLOptions) error {
	if o.PerfettoURL == "" {
		o.PerfettoURL = "https://ui.perfetto.dev"
	}
	t, err := template.New("report").Funcs(template.FuncMap{
		"link": func(p string) string { return r.Links.TraceLink(p) },
		"objective": func(o string) string {
			return map[string]string{"itl": "lowest ITL", "output_throughput": "highest output throughput", "cost": "lowest cost per 1M output tokens", "budget": "fastest within the cost budget"}[o]
		},
	}).Parse(htmlTemplate)
	if err != nil {
		return err
	}
	var cfgs []htmlConfig
	for _, c := range r.Configs {
		hc := htmlConfig{ConfigReport: c, Header: fmt.Sprintf("%s (%s) [%s]", c.Model, c.Variant, r.Meta.GPULabel), Stats: strings.Trim(repeatLine(c), "_")}
		for _, l := range boundLines(c) {
			hc.Bound = append(hc.Bound, strings.NewReplacer("**", "", "_", "").Replace(l))
		}
		for _, x := range caseRows(c.Rows) {
			cells := strings.Split(strings.Trim(strings.TrimSpace(r.row(x)), "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			row := htmlRow{Cells: cells[:9]}
			if x.Status == results.StatusOK {
				if x.TraceExtend != nil {
					row.Extend = *x.TraceExtend
				}
				if x.TraceDecode != nil {
					row.Decode = *x.TraceDecode
				}
			}
			hc.Rows = append(hc.Rows, row)
		}
		if c.Breakdown != nil {
			for _, st := range []string{"extend", "decode", "all"} {
				if s, ok := c.Breakdown.Stages[st]; ok {
					hc.Lines = append(hc.Lines, s.Line(st))
				}
			}
		}
		if q := qualityLine(c); q != "" {
			hc.Lines = append(hc.Lines, strings.ReplaceAll(q, "**", ""))
		}
		hc.Charts = append(hc.Charts, r.telemetryCharts(c.ID)...)
		cfgs = append(cfgs, hc)
	}
	models := r.htmlModels()
	var failures []results.Result
	for _, c := range r.Configs {
		for _, x := range c.Rows {
			if x.Status != results.StatusOK {
				failures = append(failures, x)
			}
		}
	}
	return t.Execute(w, map[string]any{
		"R": r, "Configs": cfgs, "Models": models, "Failures": failures, "Opt": o,
		"Columns": []string{"batch size", "input len", "latency (s)", "input throughput (tok/s)", "output throughput (tok/s)", "acc length", "ITL (ms)", "input cost ($/1M)", "output cost ($/1M)"},
	})
}

// htmlModels are the per-model sections: recommendations and their charts.
func (r *Report) htmlModels() []htmlModel {
	var models []htmlModel
	for _, m := range r.Rankings {
		hm := htmlModel{Name: m.Name, Model: m.Model, Difference: m.Difference, Knobs: strings.ReplaceAll(knobSentence(m.Knobs), "**", "")}
		var pareto []string
		for _, rec := range r.Recommendations {
			if rec.ModelKey == m.ModelKey {
				hm.Recs = append(hm.Recs, rec)
				pareto = rec.Pareto
			}
		}
		hm.Bars = chartOrNote(r.barChart(m.ModelKey))
		hm.Pareto = chartOrNote(r.paretoChart(m.ModelKey, pareto))
		hm.More = append(hm.More, r.frontierCharts(m.ModelKey)...)
		hm.More = append(hm.More, r.speculativeCharts(m.ModelKey)...)
		models = append(models, hm)
	}
	return models
}

// chartOrNote is the chart, or a line saying why it could not be drawn: the
// rest of the page is still worth having.
func chartOrNote(svg template.HTML, err error) template.HTML {
	if err != nil {
		return template.HTML(`<p class="muted">chart not drawn: ` + template.HTMLEscapeString(err.Error()) + `</p>`)
	}
	return svg
}
