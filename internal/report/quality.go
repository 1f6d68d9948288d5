package report

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/servesweep/servesweep/internal/quality"
	"github.com/servesweep/servesweep/internal/results"
)

// readQuality judges every configuration's quality record (quality.jsonl)
// against its reference's: report --format json carries the verdict as
// configs[].quality {reference, agreement, first_divergence, …}.
func (r *Report) readQuality(dir string) {
	recs, err := results.ReadLinesWarn[quality.Record](filepath.Join(dir, quality.File), func(w string) { r.Warnings = append(r.Warnings, w) })
	if err != nil {
		r.Warnings = append(r.Warnings, "quality records unreadable: "+err.Error())
	}
	r.setQuality(recs)
}

// setQuality attaches each configuration's verdict.
func (r *Report) setQuality(recs []quality.Record) {
	if len(recs) == 0 {
		return
	}
	ev := quality.Evaluate(recs)
	for i := range r.Configs {
		if res, ok := ev[r.Configs[i].ID]; ok {
			r.Configs[i].Quality = &res
		}
	}
}

// qualityExcluded reports whether the quality guard keeps c out of every recommendation.
func qualityExcluded(c ConfigReport) bool {
	return c.Quality != nil && c.Quality.Flagged
}

// qualityNotes says, in each recommendation of a model with flagged
// configurations, which were left out and why.
func (r *Report) qualityNotes() {
	for i := range r.Recommendations {
		rec := &r.Recommendations[i]
		var out []string
		for _, c := range r.Configs {
			if c.ModelKey == rec.ModelKey && qualityExcluded(c) {
				out = append(out, fmt.Sprintf("%s (%s)", c.Display, c.Quality.Note))
			}
		}
		if len(out) > 0 {
			rec.Reason += " Not considered, whatever their speed — the quality guard flagged " + strings.Join(out, "; ") + "."
		}
	}
}

// qualityCell is a configuration's verdict in a few words.
func qualityCell(q *quality.Result) (agreement, divergence, verdict string) {
	agreement, divergence, verdict = "n/a", "none", "ok"
	if q.Agreement != nil {
		agreement = fmt.Sprintf("%.1f%%", 100**q.Agreement)
	}
	if q.FirstDivergence != nil {
		divergence = fmt.Sprintf("token %d", *q.FirstDivergence)
	}
	switch {
	case q.Flagged:
		verdict = "⚠ flagged: " + q.Note
	case q.Note != "":
		verdict = "unknown: " + q.Note
	}
	return
}

// qualityLine is the line under a configuration's table.
func qualityLine(c ConfigReport) string {
	q := c.Quality
	if q == nil {
		return ""
	}
	if q.Reference == c.ID && !q.Flagged {
		return fmt.Sprintf("Quality guard: the reference of %s (%d greedy prompts, %d tokens).", c.ModelKey, q.Prompts, q.TokensCompared) + accuracyText(q)
	}
	a, d, v := qualityCell(q)
	line := fmt.Sprintf("Quality guard: %s token agreement with %s, first divergence: %s.", a, q.Reference, d) + accuracyText(q)
	if q.Flagged {
		return line + " **⚠ Not recommended: " + q.Note + ".**"
	}
	if v != "ok" {
		line += " (" + v + ")"
	}
	return line
}

func accuracyText(q *quality.Result) string {
	if q.Accuracy == nil {
		return ""
	}
	return fmt.Sprintf(" Dataset accuracy %.1f%% (%d questions).", 100**q.Accuracy, q.DatasetItems)
}

// qualityMarkdown is the report's quality-guard table: one row per
// configuration with a verdict.
func (r *Report) qualityMarkdown(b *strings.Builder) {
	display := map[string]string{}
	for _, c := range r.Configs {
		display[c.ID] = c.Display
	}
	var rows []string
	for _, c := range r.Configs {
		q := c.Quality
		if q == nil {
			continue
		}
		a, d, v := qualityCell(q)
		acc := "-"
		if q.Accuracy != nil {
			acc = fmt.Sprintf("%.1f%%", 100**q.Accuracy)
		}
		ref := display[q.Reference]
		switch {
		case q.Reference == c.ID:
			ref = "(reference)"
		case ref == "":
			ref = q.Reference
		}
		name := c.ModelName
		if name == "" {
			name = c.ModelKey
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |", cell(name), cell(c.Display), cell(ref), a, d, acc, cell(v)))
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("### Quality guard\n\n")
	b.WriteString("Greedy outputs of every configuration against its model's reference: token agreement (positions where both generated the same token), the first token where any prompt's output diverges, and the dataset's exact-match accuracy. Flagged configurations are never recommended.\n\n")
	b.WriteString("| model | configuration | reference | token agreement | first divergence | dataset accuracy | verdict |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	b.WriteString(strings.Join(rows, "\n") + "\n\n")
}
