package cli

import (
	"fmt"
	"strings"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/quality"
	"github.com/servesweep/servesweep/internal/sweep"
)

// checkQuality checks the quality: section against the plan (its reference
// must be a configuration) and says what the guard will compare.
func checkQuality(env Env, f *sweep.File, cfgs []plan.Config) error {
	q := f.Quality
	if q == nil {
		return nil
	}
	ids := make([]string, len(cfgs))
	cs := make([]quality.Config, len(cfgs))
	for i, c := range cfgs {
		ids[i] = c.ID
		cs[i] = quality.Config{ID: c.ID, ModelKey: c.ModelKey, Runs: c.Verdict != plan.VerdictSkip}
	}
	if err := q.CheckReference(ids); err != nil {
		return usageError{err}
	}
	refs := quality.References(cs, q.Reference)
	var per []string
	seen := map[string]bool{}
	for _, c := range cfgs {
		if r := refs[c.ID]; r != "" && !seen[r] {
			seen[r] = true
			per = append(per, r)
		}
	}
	line := fmt.Sprintf("quality guard: %d greedy prompts × %d tokens per configuration, against %s; flagged below min_agreement %.0f%%",
		len(q.Prompts), q.MaxTokens, strings.Join(per, ", "), 100*q.MinAgreement)
	if q.Dataset != "" {
		line += fmt.Sprintf("; dataset %s: %d questions × up to %d tokens", q.Dataset, len(q.Items), q.DatasetMaxTokens)
		if q.MinAccuracy != nil {
			line += fmt.Sprintf(", flagged below min_accuracy %.0f%%", 100**q.MinAccuracy)
		}
	}
	fmt.Fprintln(env.Stderr, "servesweep: "+line)
	return nil
}
