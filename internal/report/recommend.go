package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/stats"
)

// Recommendation is one model's choice for one objective.
type Recommendation struct {
	ModelKey      string     `json:"model_key"`
	Objective     string     `json:"objective"`
	Winner        string     `json:"winner"`
	WinnerLabel   string     `json:"winner_label"`
	RunnerUp      string     `json:"runner_up"`
	MarginPct     float64    `json:"margin_pct"`
	CIPct         [2]float64 `json:"ci_pct"`
	Significant   bool       `json:"significant"`
	Reason        string     `json:"reason"`
	Pareto        []string   `json:"pareto"`
	Metric        string     `json:"metric"`
	WinnerValue   float64    `json:"winner_value"`
	RunnerUpValue float64    `json:"runner_up_value"`
	Repeats       int        `json:"repeats"`
}

// objective describes how to read and compare one metric.
type objective struct {
	name, metric, unit string
	lowerIsBetter      bool
	value              func(results.Result) float64
}

var objectives = map[string]objective{
	"itl":               {"itl", "ITL", "ms", true, func(r results.Result) float64 { return *r.ITLMs }},
	"output_throughput": {"output_throughput", "output throughput", "tok/s", false, func(r results.Result) float64 { return *r.OutputThroughput }},
	"cost":              {"cost", "output cost", "$/1M", true, func(r results.Result) float64 { return *r.OutputCostPer1M }},
}

// samples are a configuration's per-repeat values: the geometric mean over
// its cases of the metric, for every repeat in which every case passed.
func samples(c ConfigReport, value func(results.Result) float64) []float64 {
	byRep := map[int][]results.Result{}
	for _, r := range c.Rows {
		byRep[r.Repeat] = append(byRep[r.Repeat], r)
	}
	var reps []int
	for k := range byRep {
		reps = append(reps, k)
	}
	sort.Ints(reps)
	var out []float64
	for _, rep := range reps {
		rows := byRep[rep]
		if len(rows) != len(c.Cases) && len(c.Cases) > 0 {
			continue
		}
		ok, logs := true, 0.0
		for _, r := range rows {
			if r.Status != results.StatusOK || r.ITLMs == nil || value(r) <= 0 {
				ok = false
				break
			}
			logs += math.Log(value(r))
		}
		if ok && len(rows) > 0 {
			out = append(out, math.Exp(logs/float64(len(rows))))
		}
	}
	return out
}

type candidate struct {
	cfg     ConfigReport
	summary stats.Summary
	cost    float64
}

// recommend picks, per model and objective, the winner, the runner-up, the
// margin with its confidence interval, and prefers the cheaper configuration
// when the difference is not significant.
func (r *Report) recommend() {
	models := map[string][]ConfigReport{}
	var order []string
	for _, c := range r.Configs {
		if _, ok := models[c.ModelKey]; !ok {
			order = append(order, c.ModelKey)
		}
		models[c.ModelKey] = append(models[c.ModelKey], c)
	}
	objs := []string{"itl", "output_throughput", "cost"}
	if r.Meta.CostBudget > 0 {
		objs = append(objs, "budget")
	}
	for _, key := range order {
		pareto := paretoSet(models[key])
		for _, name := range objs {
			rec, ok := r.recommendOne(key, models[key], name)
			if ok {
				rec.Pareto = pareto
				r.Recommendations = append(r.Recommendations, rec)
			}
		}
	}
	r.qualityNotes()
}

func (r *Report) recommendOne(key string, cfgs []ConfigReport, name string) (Recommendation, bool) {
	obj := objectives[name]
	budget := name == "budget"
	if budget {
		obj = objectives["itl"]
	}
	cands := r.candidates(cfgs, obj, budget)
	if len(cands) == 0 {
		return Recommendation{}, false
	}
	objName := name
	rec := Recommendation{ModelKey: key, Objective: objName, Metric: obj.metric, Repeats: cands[0].summary.N}
	w := cands[0]
	if len(cands) == 1 {
		rec.Winner, rec.WinnerLabel, rec.WinnerValue = w.cfg.ID, w.cfg.Display, w.summary.Mean
		rec.Reason = fmt.Sprintf("%s is the only configuration with results%s.", w.cfg.Display, map[bool]string{true: fmt.Sprintf(" within the $%.2f/1M budget", r.Meta.CostBudget), false: ""}[budget])
		return rec, true
	}
	ru := cands[1]
	significant := stats.Significant(w.summary, ru.summary) // the test compare uses too (Welch)
	margin := func(a, b candidate) (float64, [2]float64) {
		// Positive: a is better than b, in % of b.
		diff, ci, _ := stats.WelchDiff(b.summary, a.summary)
		if !obj.lowerIsBetter {
			diff, ci = -diff, [2]float64{-ci[1], -ci[0]}
		}
		m := b.summary.Mean
		return 100 * diff / m, [2]float64{100 * ci[0] / m, 100 * ci[1] / m}
	}
	rec.MarginPct, rec.CIPct = margin(w, ru)
	rec.Significant = significant
	noise := ""
	switch {
	case w.summary.N < 2:
		noise = "one run each, so the noise is unknown (set repeats: 3 or more)"
	case !significant:
		noise = fmt.Sprintf("the 95%% intervals overlap (margin %.1f%%, CI %.1f…%.1f%%)", rec.MarginPct, rec.CIPct[0], rec.CIPct[1])
	}
	if w.summary.N >= 2 && !significant && ru.cfg.GPUs < w.cfg.GPUs {
		// No significant difference: the cheaper configuration wins.
		w, ru = ru, w
		rec.MarginPct, rec.CIPct = margin(w, ru)
		rec.Reason = fmt.Sprintf("No significant difference in %s between %s and %s (%s): use the cheaper one, %s on %d GPUs instead of %d.",
			obj.metric, w.cfg.Display, ru.cfg.Display, noise, w.cfg.Display, w.cfg.GPUs, ru.cfg.GPUs)
	} else if w.summary.N >= 2 && !significant {
		rec.Reason = fmt.Sprintf("No significant difference in %s between %s and %s (%s); %s is ahead on the means and uses no more GPUs.",
			obj.metric, w.cfg.Display, ru.cfg.Display, noise, w.cfg.Display)
	} else {
		rec.Reason = fmt.Sprintf("%s has the %s %s: %s vs %s for %s (%.1f%% better", w.cfg.Display,
			map[bool]string{true: "lowest", false: "highest"}[obj.lowerIsBetter], obj.metric,
			fmtVal(w.summary.Mean, obj.unit), fmtVal(ru.summary.Mean, obj.unit), ru.cfg.Display, rec.MarginPct)
		if w.summary.N >= 2 {
			rec.Reason += fmt.Sprintf(", 95%% CI %.1f…%.1f%%", rec.CIPct[0], rec.CIPct[1])
		} else {
			rec.Reason += "; " + noise
		}
		rec.Reason += ")"
		if budget {
			rec.Reason += fmt.Sprintf(" within the $%.2f/1M output budget", r.Meta.CostBudget)
		}
		if d := r.traceReason(w.cfg, ru.cfg); d != "" {
			rec.Reason += "; " + d
		}
		rec.Reason += "."
	}
	rec.Winner, rec.WinnerLabel, rec.WinnerValue = w.cfg.ID, w.cfg.Display, w.summary.Mean
	rec.RunnerUp, rec.RunnerUpValue = ru.cfg.ID, ru.summary.Mean
	return rec, true
}

// candidates are the configurations with results (within the budget when the
// objective is one), best first by the objective's mean.
func (r *Report) candidates(cfgs []ConfigReport, obj objective, budget bool) []candidate {
	var cands []candidate
	for _, c := range cfgs {
		xs := samples(c, obj.value)
		if len(xs) == 0 || qualityExcluded(c) {
			continue
		}
		cost := stats.Summarize(samples(c, objectives["cost"].value)).Mean
		if budget && cost > r.Meta.CostBudget {
			continue
		}
		cands = append(cands, candidate{cfg: c, summary: stats.Summarize(xs), cost: cost})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if obj.lowerIsBetter {
			return cands[i].summary.Mean < cands[j].summary.Mean
		}
		return cands[i].summary.Mean > cands[j].summary.Mean
	})
	return cands
}

func fmtVal(v float64, unit string) string {
	if unit == "$/1M" {
		return fmt.Sprintf("$%.2f/1M", v)
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}

// traceReason explains a winner with the decode breakdown, when both have one.
func (r *Report) traceReason(a, b ConfigReport) string {
	cat, sa, sb, ok := decodeDifference(a.Breakdown, b.Breakdown, true)
	if !ok {
		return ""
	}
	return fmt.Sprintf("its decode step spends %.2f ms in %s vs %.2f ms", sa.PerStepMs[cat], cat, sb.PerStepMs[cat])
}

// paretoSet is the set of configurations not beaten on both ITL and output cost.
func paretoSet(cfgs []ConfigReport) []string {
	type pt struct {
		id        string
		itl, cost float64
	}
	var pts []pt
	for _, c := range cfgs {
		i := samples(c, objectives["itl"].value)
		k := samples(c, objectives["cost"].value)
		if len(i) == 0 || len(k) == 0 {
			continue
		}
		pts = append(pts, pt{c.ID, stats.Summarize(i).Mean, stats.Summarize(k).Mean})
	}
	var out []string
	for _, p := range pts {
		dominated := false
		for _, q := range pts {
			if q.id != p.id && q.itl <= p.itl && q.cost <= p.cost && (q.itl < p.itl || q.cost < p.cost) {
				dominated = true
				break
			}
		}
		if !dominated {
			out = append(out, p.id)
		}
	}
	return out
}

// primaryObjective is the sweep's objective, or ITL when every case is batch 1.
func (r *Report) primaryObjective() string {
	if r.Meta.Objective != "" {
		return r.Meta.Objective
	}
	for _, c := range r.Configs {
		for _, k := range c.Cases {
			if k.BatchSize != 1 {
				return "output_throughput"
			}
		}
	}
	return "itl"
}
