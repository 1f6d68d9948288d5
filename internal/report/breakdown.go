package report

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/traces"
)

// Breakdown is where a configuration's GPU time goes, per stage, from rank 0's
// traces of its first profiled case, with every rank's busy time compared.
type Breakdown struct {
	Case   string                    `json:"case"`
	Stages map[string]StageBreakdown `json:"stages"`
}

// StageBreakdown is one stage, per step.
type StageBreakdown struct {
	Steps         int                `json:"steps"`
	StepMs        float64            `json:"step_ms"`
	BusyPerStepMs float64            `json:"busy_per_step_ms"`
	PerStepMs     map[string]float64 `json:"categories_per_step_ms"`
	SharePct      map[string]float64 `json:"categories_pct"`
	ExposedCommMs float64            `json:"exposed_communication_per_step_ms"`
	TopKernel     string             `json:"top_kernel"`
	ImbalancePct  float64            `json:"rank_imbalance_pct,omitempty"`
	// Ranks is how many ranks' traces were analysed; BusiestRank the one with
	// the most GPU busy time in this stage (with more than one rank).
	Ranks       int    `json:"ranks,omitempty"`
	BusiestRank string `json:"busiest_rank,omitempty"`
}

// addBreakdowns analyses each configuration's traces (cached next to them in
// trace-analysis.json) and names the biggest difference per model.
func (r *Report) addBreakdowns(dir string) {
	for i := range r.Configs {
		c := &r.Configs[i]
		for _, row := range c.Rows {
			if row.Status != results.StatusOK || len(row.Traces) == 0 {
				continue
			}
			b, err := breakdownOf(dir, row)
			if err == nil {
				c.Breakdown = b
			} else {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s: trace breakdown left out: %v", c.ID, err))
			}
			break
		}
	}
	for i := range r.Rankings {
		r.Rankings[i].Difference = r.biggestDifference(r.Rankings[i])
	}
}

func breakdownOf(dir string, row results.Result) (*Breakdown, error) {
	var files []string
	for _, t := range row.Traces {
		files = append(files, filepath.Join(dir, t))
	}
	cache := filepath.Join(dir, row.ConfigID, "trace-analysis.json")
	var a *traces.Analysis
	if b, err := os.ReadFile(cache); err == nil && json.Unmarshal(b, &a) == nil && a != nil {
		// cached
	} else {
		var err error
		if a, err = traces.Analyze(files); err != nil {
			return nil, err
		}
		if b, err := json.MarshalIndent(a, "", "  "); err == nil {
			os.WriteFile(cache, b, 0o644)
		}
	}
	bd := &Breakdown{Case: fmt.Sprintf("bs=%d in=%d out=%d", row.BatchSize, row.InputLen, row.OutputLen), Stages: map[string]StageBreakdown{}}
	if len(a.Ranks) == 0 {
		return nil, fmt.Errorf("no ranks")
	}
	for _, s := range a.Ranks[0].Stages {
		steps := max(1, s.Steps)
		sb := StageBreakdown{Steps: s.Steps, StepMs: s.StepMs, BusyPerStepMs: s.BusyMs / float64(steps), PerStepMs: map[string]float64{},
			SharePct: map[string]float64{}, ExposedCommMs: s.ExposedCommMs / float64(steps), ImbalancePct: a.Imbalance[s.Stage]}
		total := 0.0
		for _, v := range s.Categories {
			total += v
		}
		for k, v := range s.Categories {
			sb.PerStepMs[k] = v / float64(steps)
			if total > 0 {
				sb.SharePct[k] = 100 * v / total
			}
		}
		if len(s.TopKernels) > 0 {
			sb.TopKernel = s.TopKernels[0].Name
		}
		sb.Ranks, sb.BusiestRank = busiest(a, s.Stage)
		bd.Stages[s.Stage] = sb
	}
	return bd, nil
}

// busiest counts the ranks with the stage and names the one with the most GPU busy time.
func busiest(a *traces.Analysis, stage string) (int, string) {
	n, best, label := 0, -1.0, ""
	for _, r := range a.Ranks {
		for _, s := range r.Stages {
			if s.Stage != stage {
				continue
			}
			n++
			if s.BusyMs > best {
				best, label = s.BusyMs, r.Label
				if label == "" {
					label = fmt.Sprintf("rank %d", r.Rank)
				}
			}
		}
	}
	if n < 2 {
		label = ""
	}
	return n, label
}

// Line is the compact "where the time goes" line of a stage.
func (s StageBreakdown) Line(stage string) string {
	var parts []string
	for _, c := range orderedCategories(s.SharePct) {
		if s.SharePct[c] < 0.5 {
			continue
		}
		p := fmt.Sprintf("%s %.0f%%", c, s.SharePct[c])
		if c == "communication" {
			p += fmt.Sprintf(" (exposed %.2f ms)", s.ExposedCommMs)
		}
		parts = append(parts, p)
	}
	top := s.TopKernel
	if len(top) > 60 {
		top = top[:60] + "…"
	}
	line := fmt.Sprintf("%s: %d step(s), %.2f ms GPU busy per step — %s; top kernel `%s`", stage, s.Steps, s.BusyPerStepMs, strings.Join(parts, " · "), top)
	if s.Ranks > 1 {
		line += fmt.Sprintf("; %d ranks, busiest %s (%.1f%% above the mean)", s.Ranks, s.BusiestRank, s.ImbalancePct)
	}
	return line
}

func orderedCategories(m map[string]float64) []string {
	var cs []string
	for c := range m {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		if m[cs[i]] != m[cs[j]] {
			return m[cs[i]] > m[cs[j]]
		}
		return cs[i] < cs[j]
	})
	return cs
}

// biggestDifference compares the best configuration's decode breakdown with
// the runner-up's and names the category whose per-step time differs most.
func (r *Report) biggestDifference(m ModelRanking) string {
	if len(m.Ranked) < 2 {
		return ""
	}
	best, _ := r.config(m.Ranked[0].ConfigID)
	next, _ := r.config(m.Ranked[1].ConfigID)
	cat, sa, sb, ok := decodeDifference(best.Breakdown, next.Breakdown, false)
	if !ok {
		return ""
	}
	va, vb := sa.PerStepMs[cat], sb.PerStepMs[cat]
	change := ""
	if vb > 0 {
		change = fmt.Sprintf(" (%+.0f%%)", 100*(va/vb-1))
	}
	s := fmt.Sprintf("%s vs %s: the biggest difference is %s, %.2f vs %.2f ms per decode step%s", m.Ranked[0].Display, m.Ranked[1].Display, cat, va, vb, change)
	if cat != "communication" {
		s += fmt.Sprintf("; communication %.0f%% vs %.0f%% of GPU time", sa.SharePct["communication"], sb.SharePct["communication"])
	}
	return s + "."
}

// decodeDifference finds the category whose time per decode step differs most
// between a and b: the largest saving of a over b when gainOnly, else the
// largest difference either way.
func decodeDifference(a, b *Breakdown, gainOnly bool) (cat string, sa, sb StageBreakdown, ok bool) {
	if a == nil || b == nil {
		return "", sa, sb, false
	}
	var ok1, ok2 bool
	sa, ok1 = a.Stages["decode"]
	sb, ok2 = b.Stages["decode"]
	if !ok1 || !ok2 {
		return "", sa, sb, false
	}
	diff := 0.0
	for c, v := range sa.PerStepMs {
		d := sb.PerStepMs[c] - v
		if !gainOnly {
			d = math.Abs(d)
		}
		if d > diff {
			cat, diff = c, d
		}
	}
	return cat, sa, sb, cat != ""
}

// config returns the configuration with id.
func (r *Report) config(id string) (ConfigReport, bool) {
	for _, c := range r.Configs {
		if c.ID == id {
			return c, true
		}
	}
	return ConfigReport{}, false
}
