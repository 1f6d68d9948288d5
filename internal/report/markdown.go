package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/servesweep/servesweep/internal/results"
)

// TableHeader is the seed's table header, column for column.
const TableHeader = "| batch size | input len | latency (s) | input throughput (tok/s)  | output throughput (tok/s) | acc length | ITL (ms) | input cost ($/1M) | output cost ($/1M) | profile (extend) | profile (decode)|\n" +
	"| ---------- | --------- | ----------- | ------------------------- | ------------------------- | ---------- | -------- | ----------------- | ------------------ | ---------------- | --------------- |\n"

// Markdown writes the report in the seed's shape.
func (r *Report) Markdown(w io.Writer) error {
	b := &strings.Builder{}
	title := r.Meta.Name
	if title == "" {
		title = "sweep"
	}
	fmt.Fprintf(b, "## servesweep: %s (run %s)\n\n", title, r.Meta.RunID)
	if r.Summary.Simulated {
		b.WriteString("> **Simulated results** (dry run / `sim` engine): every number below comes from servesweep's simulated server, not a real engine.\n\n")
		b.WriteString(r.simTimingNote())
	}
	sched := r.Meta.ScheduleLabel()
	if len(r.Meta.EarlierSchedules) > 0 {
		sched += "; resumed, earlier parts ran " + strings.Join(r.Meta.EarlierSchedules, ", ")
	}
	fmt.Fprintf(b, "Engine `%s`, schedule: %s, %d configurations.\n\n", r.Meta.Engine, sched, len(r.Configs))
	for _, c := range r.Configs {
		fmt.Fprintf(b, "### %s (%s) [%s]\n", tableModel(c), c.Variant, r.tableLabel(c))
		b.WriteString(TableHeader)
		if len(c.Rows) == 0 {
			b.WriteString("| not run | | | | | | | | | | |\n")
		}
		for _, row := range caseRows(c.Rows) {
			b.WriteString(r.row(row))
		}
		if line := repeatLine(c); line != "" {
			b.WriteString("\n" + line + "\n")
		}
		for _, line := range boundLines(c) {
			b.WriteString("\n" + line + "\n")
		}
		if c.RanAs != nil {
			b.WriteString("\n" + c.RanAs.Line + "\n")
		}
		if line := qualityLine(c); line != "" {
			b.WriteString("\n" + line + "\n")
		}
		if c.Breakdown != nil {
			b.WriteString("\n_Where the time goes (" + c.Breakdown.Case + ", rank 0)_:\n")
			for _, st := range []string{"extend", "decode", "all"} {
				if s, ok := c.Breakdown.Stages[st]; ok {
					b.WriteString("- " + s.Line(st) + "\n")
				}
			}
		}
		b.WriteString("\n")
	}
	r.summaryMarkdown(b)
	r.searchMarkdown(b)
	r.loadMarkdown(b)
	r.speculativeMarkdown(b) // speculative.go
	r.telemetryMarkdown(b)   // telemetry.go
	r.qualityMarkdown(b)
	r.rankingMarkdown(b)
	fmt.Fprintf(b, "_%s_\n", r.CostNote)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) row(x results.Result) string {
	if x.Status != results.StatusOK {
		cause := x.FailureKind
		if cause == "" {
			cause = x.Status
		}
		return fmt.Sprintf("| %d | %d | %s (%s) | - | - | - | - | - | - | - | - |\n", x.BatchSize, x.InputLen, x.Status, cause)
	}
	acc := "n/a"
	if x.AccLength != nil && *x.AccLength > 0 {
		acc = fmt.Sprintf("%.2f", *x.AccLength)
	}
	return fmt.Sprintf("| %d | %d | %.2f | %.2f | %.2f | %s | %.2f | %.2f | %.2f | %s | %s |\n",
		x.BatchSize, x.InputLen, *x.LatencyS, *x.InputThroughput, *x.OutputThroughput, acc, *x.ITLMs,
		*x.InputCostPer1M, *x.OutputCostPer1M, r.traceCell(x.TraceExtend), r.traceCell(x.TraceDecode))
}

func (r *Report) traceCell(p *string) string {
	if p == nil {
		return "n/a"
	}
	return "[trace](" + r.Links.TraceLink(*p) + ")"
}

func (r *Report) summaryMarkdown(b *strings.Builder) {
	s := r.Summary
	b.WriteString("### Summary\n\n")
	fmt.Fprintf(b, "**%d passed, %d failed** (cases); %d of %d configurations fully passed.", s.CasesOK, s.CasesFailed, s.ConfigsOK, len(r.Configs))
	if s.CasesSkipped > 0 {
		fmt.Fprintf(b, " %d cases skipped.", s.CasesSkipped)
	}
	if !s.Complete {
		fmt.Fprintf(b, " **Run incomplete**: %d cases not run yet, %d configurations cut short (interrupted, or their records could not be written); finish it with `servesweep run SWEEP --resume DIR`.", s.CasesMissing, s.ConfigsIncomplete)
	}
	b.WriteString("\n\n")
	for _, w := range r.Warnings {
		b.WriteString("- ⚠ " + w + "\n")
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n")
	}
	var failed []results.Result
	for _, c := range r.Configs {
		for _, x := range c.Rows {
			if x.Status != results.StatusOK {
				failed = append(failed, x)
			}
		}
	}
	if len(failed) > 0 {
		b.WriteString("| configuration | case (bs/in/out) | status | cause | error |\n| --- | --- | --- | --- | --- |\n")
		for _, x := range failed {
			fmt.Fprintf(b, "| %s (%s) | %d/%d/%d | %s | %s | %s |\n", x.Model, x.Variant, x.BatchSize, x.InputLen, x.OutputLen, x.Status, x.FailureKind, cell(x.Error))
		}
		b.WriteString("\n")
		shown := map[string]bool{}
		for _, x := range failed {
			if x.LogTail == "" || shown[x.ConfigID] {
				continue
			}
			shown[x.ConfigID] = true
			fmt.Fprintf(b, "<details><summary>%s (%s): last lines of server.log</summary>\n\n```\n%s\n```\n</details>\n\n", x.Model, x.Variant, strings.ReplaceAll(x.LogTail, "```", "'''"))
		}
	}
	busyClient := 0
	for _, c := range r.Configs {
		for _, x := range c.Rows {
			if x.Status == results.StatusOK && x.ClientCPUPct >= 70 {
				busyClient++
			}
		}
	}
	if busyClient > 0 {
		fmt.Fprintf(b, "- ⚠ %d case(s) ran with servesweep itself using ≥ 70%% of the machine's CPU: the client may have set those numbers (check with `servesweep selftest`)\n", busyClient)
	}
	noTrace := map[string]int{}
	for _, c := range r.Configs {
		for _, x := range c.Rows {
			if x.Status == results.StatusOK && x.ProfileError != "" {
				noTrace[x.ProfileError]++
			}
		}
	}
	for reason, n := range noTrace {
		fmt.Fprintf(b, "- %d case(s) without traces — %s\n", n, reason)
	}
	if len(noTrace) > 0 {
		b.WriteString("\n")
	}
	for _, s := range r.Issues {
		fmt.Fprintf(b, "- **%s**: %s — %s (shutdown took %.2fs)\n", s.ConfigID, s.FailureKind, s.Error, s.ShutdownS)
	}
	if len(r.Issues) > 0 {
		b.WriteString("\n")
	}
}

func (r *Report) rankingMarkdown(b *strings.Builder) {
	b.WriteString("### Ranking by output throughput\n\n")
	for _, m := range r.Rankings {
		fmt.Fprintf(b, "**%s** (`%s`)\n\n", m.Name, m.Model)
		if len(m.Ranked) > 0 {
			b.WriteString("| rank | configuration | GPUs | output throughput (tok/s) | ITL (ms) | output cost ($/1M) | gap to best |\n| --- | --- | --- | --- | --- | --- | --- |\n")
			for i, x := range m.Ranked {
				gap := "best"
				if i > 0 {
					gap = fmt.Sprintf("-%.1f%%", x.GapPct)
				}
				fmt.Fprintf(b, "| %d | %s | %d | %.2f | %.2f | %.2f | %s |\n", i+1, x.Display, x.GPUs, x.OutputThroughput, x.ITLMs, x.OutputCostPer1M, gap)
			}
		}
		if len(m.Failed) > 0 {
			fmt.Fprintf(b, "\nNot ranked (failed or incomplete): %s\n", strings.Join(m.Failed, ", "))
		}
		if s := knobSentence(m.Knobs); s != "" {
			fmt.Fprintf(b, "\n%s\n", s)
		}
		if m.Difference != "" {
			fmt.Fprintf(b, "\nTraces: %s\n", m.Difference)
		}
		b.WriteString("\n")
	}
	r.recommendationsMarkdown(b)
	b.WriteString("### Recommended configurations\n\n")
	for _, m := range r.Rankings {
		label := ""
		for _, rec := range r.Recommendations {
			if rec.ModelKey == m.ModelKey && rec.Objective == r.Objective {
				label = rec.WinnerLabel
			}
		}
		if label == "" {
			fmt.Fprintf(b, "- %s: no configuration passed\n", m.Name)
			continue
		}
		fmt.Fprintf(b, "- %s: %s\n", m.Name, label)
	}
	b.WriteString("\n")
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// JSON writes the report as one JSON document; raw token times are left out
// (they stay in results.jsonl).
func (r *Report) JSON(w io.Writer) error {
	cp := *r
	cp.Configs = make([]ConfigReport, len(r.Configs))
	for i, c := range r.Configs {
		c.Rows = append([]results.Result{}, c.Rows...)
		for j := range c.Rows {
			c.Rows[j].TokenTimesMs = nil
			if c.Rows[j].TraceExtend != nil {
				l := r.Links.TraceLink(*c.Rows[j].TraceExtend)
				c.Rows[j].TraceExtend = &l
			}
			if c.Rows[j].TraceDecode != nil {
				l := r.Links.TraceLink(*c.Rows[j].TraceDecode)
				c.Rows[j].TraceDecode = &l
			}
		}
		cp.Configs[i] = c
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(cp)
}
