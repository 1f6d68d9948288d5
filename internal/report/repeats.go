package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/stats"
)

// caseRows returns one row per case: the row itself when a case ran once, else
// a row holding the medians of its passed repeats (or its first failure).
func caseRows(rows []results.Result) []results.Result {
	type key struct{ bs, in, out int }
	groups := map[key][]results.Result{}
	var order []key
	for _, r := range rows {
		k := key{r.BatchSize, r.InputLen, r.OutputLen}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out []results.Result
	for _, k := range order {
		g := groups[k]
		if len(g) == 1 {
			out = append(out, g[0])
			continue
		}
		var ok []results.Result
		for _, r := range g {
			if r.Status == results.StatusOK {
				ok = append(ok, r)
			}
		}
		if len(ok) == 0 {
			out = append(out, g[0])
			continue
		}
		m := ok[0]
		med := func(get func(results.Result) *float64) *float64 {
			var xs []float64
			for _, r := range ok {
				if v := get(r); v != nil {
					xs = append(xs, *v)
				}
			}
			if len(xs) == 0 {
				return nil
			}
			v := stats.Percentile(xs, 50)
			return &v
		}
		m.LatencyS = med(func(r results.Result) *float64 { return r.LatencyS })
		m.TTFTS = med(func(r results.Result) *float64 { return r.TTFTS })
		m.InputThroughput = med(func(r results.Result) *float64 { return r.InputThroughput })
		m.OutputThroughput = med(func(r results.Result) *float64 { return r.OutputThroughput })
		m.ITLMs = med(func(r results.Result) *float64 { return r.ITLMs })
		m.InputCostPer1M = med(func(r results.Result) *float64 { return r.InputCostPer1M })
		m.OutputCostPer1M = med(func(r results.Result) *float64 { return r.OutputCostPer1M })
		out = append(out, m)
	}
	return out
}

// CaseStats are a case's statistics over its repeats.
type CaseStats struct {
	Case             string        `json:"case"`
	Repeats          int           `json:"repeats"`
	ITLMs            stats.Summary `json:"itl_ms"`
	OutputThroughput stats.Summary `json:"output_throughput"`
	TTFTS            stats.Summary `json:"ttft_s"`
	TokenITLP50      float64       `json:"token_itl_p50_ms"`
	TokenITLP90      float64       `json:"token_itl_p90_ms"`
	TokenITLP99      float64       `json:"token_itl_p99_ms"`
}

// caseStats computes per-case statistics, with per-token ITL percentiles from
// the raw token arrival times.
func caseStats(rows []results.Result) []CaseStats {
	type key struct{ bs, in, out int }
	groups := map[key][]results.Result{}
	var order []key
	for _, r := range rows {
		if r.Status != results.StatusOK {
			continue
		}
		k := key{r.BatchSize, r.InputLen, r.OutputLen}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out []CaseStats
	for _, k := range order {
		g := groups[k]
		var itl, tput, ttft, tokens []float64
		for _, r := range g {
			itl = append(itl, *r.ITLMs)
			tput = append(tput, *r.OutputThroughput)
			ttft = append(ttft, *r.TTFTS)
			scale := 1.0
			for _, req := range r.TokenTimesMs {
				for i := 1; i < len(req); i++ {
					tokens = append(tokens, (req[i]-req[i-1])*scale)
				}
			}
		}
		cs := CaseStats{Case: fmt.Sprintf("%d/%d/%d", k.bs, k.in, k.out), Repeats: len(g),
			ITLMs: stats.Summarize(itl), OutputThroughput: stats.Summarize(tput), TTFTS: stats.Summarize(ttft)}
		if len(tokens) > 0 {
			sort.Float64s(tokens)
			cs.TokenITLP50, cs.TokenITLP90, cs.TokenITLP99 = stats.Percentile(tokens, 50), stats.Percentile(tokens, 90), stats.Percentile(tokens, 99)
		}
		out = append(out, cs)
	}
	return out
}

// repeatLine summarises repeats and per-token ITL under a configuration's table.
func repeatLine(c ConfigReport) string {
	var parts []string
	for _, cs := range caseStats(c.Rows) {
		p := fmt.Sprintf("%s: ", cs.Case)
		if cs.Repeats > 1 {
			p += fmt.Sprintf("median of %d runs; ITL %.2f ms (95%% CI %.2f…%.2f), output %.1f tok/s (95%% CI %.1f…%.1f), TTFT %.3f s; ",
				cs.Repeats, cs.ITLMs.Median, cs.ITLMs.CI[0], cs.ITLMs.CI[1], cs.OutputThroughput.Median, cs.OutputThroughput.CI[0], cs.OutputThroughput.CI[1], cs.TTFTS.Median)
		}
		if cs.TokenITLP50 > 0 {
			p += fmt.Sprintf("per-token ITL p50 %.2f / p90 %.2f / p99 %.2f ms", cs.TokenITLP50, cs.TokenITLP90, cs.TokenITLP99)
		}
		if p == fmt.Sprintf("%s: ", cs.Case) {
			continue
		}
		parts = append(parts, strings.TrimSuffix(p, "; "))
	}
	if len(parts) == 0 {
		return ""
	}
	return "_" + strings.Join(parts, "; ") + "_"
}

// recommendationsMarkdown writes each model's recommendations and a chart
// GitHub renders in step summaries (mermaid xychart-beta).
func (r *Report) recommendationsMarkdown(b *strings.Builder) {
	if len(r.Recommendations) == 0 {
		return
	}
	b.WriteString("### Recommendations\n\n")
	names := map[string]string{}
	for _, m := range r.Rankings {
		names[m.ModelKey] = m.Name
	}
	objLabel := map[string]string{"itl": "lowest ITL", "output_throughput": "highest output throughput", "cost": "lowest cost per 1M output tokens", "budget": "fastest within the cost budget"}
	last := ""
	for _, rec := range r.Recommendations {
		if rec.ModelKey != last {
			last = rec.ModelKey
			fmt.Fprintf(b, "**%s**\n\n", names[rec.ModelKey])
			r.chart(b, rec.ModelKey)
		}
		sig := "significant"
		switch {
		case rec.Repeats < 2 && rec.RunnerUp != "":
			sig = "noise unknown"
		case !rec.Significant:
			sig = "no significant difference"
		}
		fmt.Fprintf(b, "- %s: **%s** — %s [%s]\n", objLabel[rec.Objective], rec.WinnerLabel, rec.Reason, sig)
		if rec.Objective == "cost" && len(rec.Pareto) > 0 {
			var labels []string
			for _, id := range rec.Pareto {
				labels = append(labels, r.display(id))
			}
			fmt.Fprintf(b, "- speed vs cost Pareto set: %s\n\n", strings.Join(labels, ", "))
		}
	}
	b.WriteString("\n")
}

func (r *Report) display(id string) string {
	if c, ok := r.config(id); ok {
		return c.Display
	}
	return id
}

func (r *Report) chart(b *strings.Builder, model string) {
	var labels, values []string
	for _, c := range r.Configs {
		if c.ModelKey != model {
			continue
		}
		xs := samples(c, objectives["itl"].value)
		if len(xs) == 0 {
			continue
		}
		labels = append(labels, fmt.Sprintf("%q", c.Display))
		values = append(values, fmt.Sprintf("%.2f", stats.Summarize(xs).Mean))
	}
	if len(labels) < 2 {
		return
	}
	fmt.Fprintf(b, "```mermaid\nxychart-beta\n    title \"ITL (ms), lower is better\"\n    x-axis [%s]\n    y-axis \"ITL (ms)\"\n    bar [%s]\n```\n\n", strings.Join(labels, ", "), strings.Join(values, ", "))
}
