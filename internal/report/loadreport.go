package report

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
	"github.com/servesweep/servesweep/internal/sweep"
)

func (r *Report) readLoad(dir string) {
	ls, err := results.ReadLinesWarn[load.Result](filepath.Join(dir, rundir.LoadFile), func(w string) { r.Warnings = append(r.Warnings, w) })
	if err == nil {
		r.Load = ls
		r.buildFrontiers()
	}
}

// loadMarkdown writes the serving-load tables.
func (r *Report) loadMarkdown(b *strings.Builder) {
	if len(r.Load) == 0 {
		return
	}
	b.WriteString("### Serving load\n\n")
	last := ""
	saturated := 0
	for _, l := range r.Load {
		if l.ConfigID != last {
			if last != "" {
				b.WriteString("\n") // a table ends at a blank line
			}
			last = l.ConfigID
			fmt.Fprintf(b, "**%s**\n\n| load | in/out | ok/failed | req/s | output tok/s | TTFT p50/p90/p99 (ms) | ITL p50/p90/p99 (ms) | TPOT p50 (ms) | E2E p50/p99 (ms) | goodput (req/s) | client CPU |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n", r.display(l.ConfigID))
		}
		if l.NotRun != "" {
			fmt.Fprintf(b, "| %s | %d/%d | not run: %s | | | | | | | | |\n", load.ProfileLabel(l.Profile), l.InputLen, l.OutputLen, l.NotRun)
			continue
		}
		good := "-"
		if l.Goodput != nil {
			good = fmt.Sprintf("%.2f", *l.Goodput)
		}
		cpu := fmt.Sprintf("%.0f%%", l.ClientCPUPct)
		if l.ClientSaturated {
			cpu += " ⚠"
			saturated++
		}
		fmt.Fprintf(b, "| %s | %d/%d | %d/%d | %.2f | %.1f | %.1f / %.1f / %.1f | %.2f / %.2f / %.2f | %.2f | %.0f / %.0f | %s | %s |\n",
			loadLabel(l), l.InputLen, l.OutputLen, l.Completed, l.Failed, l.RequestThroughput, l.OutputThroughput,
			l.TTFTMs.P50, l.TTFTMs.P90, l.TTFTMs.P99, l.ITLMs.P50, l.ITLMs.P90, l.ITLMs.P99, l.TPOTMs.P50, l.E2EMs.P50, l.E2EMs.P99, good, cpu)
	}
	b.WriteString("\n")
	if saturated > 0 {
		fmt.Fprintf(b, "⚠ In %d load result(s) the client used ≥ %.0f%% of the machine's CPU: the client, not the server, may have set those numbers (check with `servesweep selftest`).\n\n", saturated, load.SaturationPct)
	}
	if len(r.Load) > 0 && r.Load[0].SLO != nil {
		if bounds := sloBounds(r.Load[0].SLO); bounds != "" {
			fmt.Fprintf(b, "Goodput counts requests per second with %s.\n\n", bounds)
		}
	}
	saturationNote(b, r.Load)
	r.frontierMarkdown(b)
}

// sloBounds names the bounds an SLO sets, as the goodput compares them.
func sloBounds(s *sweep.SLO) string {
	var parts []string
	if s.TTFTMs > 0 {
		parts = append(parts, fmt.Sprintf("TTFT ≤ %g ms", s.TTFTMs))
	}
	if s.ITLMs > 0 {
		parts = append(parts, fmt.Sprintf("every inter-token latency ≤ %g ms", s.ITLMs))
	}
	if s.TPOTMs > 0 {
		parts = append(parts, fmt.Sprintf("TPOT ≤ %g ms", s.TPOTMs))
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
