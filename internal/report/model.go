// Package report turns a run directory's raw records into reports: markdown in
// the seed's shape (one table per configuration, failures, per-model ranking and
// a closing recommendation list) and JSON. It reads files only; it never runs
// anything, so a report can be rebuilt at any time from what was measured.
package report

import (
	"fmt"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/registry"
	"math"
	"sort"
	"strings"

	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/quality"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
)

// Report is everything a format renders.
type Report struct {
	Meta     rundir.Meta      `json:"run"`
	Configs  []ConfigReport   `json:"configs"`
	Summary  Summary          `json:"summary"`
	Rankings []ModelRanking   `json:"rankings"`
	Issues   []results.Server `json:"server_issues"`
	CostNote string           `json:"cost_note"`
	Links    LinkOptions      `json:"-"`
	// Recommendations per model and objective (itl, output_throughput, cost, budget).
	Recommendations []Recommendation `json:"recommendations"`
	// Objective is the one the closing list follows.
	Objective string `json:"objective"`
	// Load are the serving-load results (load.jsonl).
	Load []load.Result `json:"load,omitempty"`
	// Frontier is the throughput–interactivity frontier of the load results,
	// per model and length pair (see frontier.go).
	Frontier []Frontier `json:"frontier,omitempty"`
	// Warnings name the torn or corrupt lines of the run directory read past.
	Warnings []string `json:"warnings,omitempty"`
	// Search is what the sweep's search: strategy did (nil: no search log).
	Search *SearchReport `json:"search,omitempty"`
	// Speculative compares each speculative configuration with its twin
	// without speculation, per load level (speculative.go).
	Speculative []SpecComparison `json:"speculative,omitempty"`
	// Telemetry is the server and GPU telemetry (nil: none recorded); see telemetry.go.
	Telemetry *TelemetryReport `json:"telemetry,omitempty"`
}

// ConfigReport is one configuration's table.
type ConfigReport struct {
	plan.Config
	Display   string           `json:"display"`
	Rows      []results.Result `json:"rows"`
	Server    *results.Server  `json:"server,omitempty"`
	Breakdown *Breakdown       `json:"where_the_time_goes,omitempty"`
	// RanAs is set when the server ran something other than the variant says.
	RanAs *RanAs `json:"ran_as,omitempty"`
	// Quality is the quality guard's verdict (quality.jsonl; nil: not measured).
	Quality *quality.Result `json:"quality,omitempty"`
}

// Summary counts cases and configurations.
type Summary struct {
	CasesOK       int  `json:"cases_ok"`
	CasesFailed   int  `json:"cases_failed"`
	CasesSkipped  int  `json:"cases_skipped"`
	CasesMissing  int  `json:"cases_missing"`
	ConfigsOK     int  `json:"configs_ok"`
	ConfigsFailed int  `json:"configs_failed"`
	Simulated     bool `json:"simulated"`

	// ConfigsIncomplete were interrupted or stopped by a write failure: `run
	// --resume` runs them again.
	ConfigsIncomplete int `json:"configs_incomplete"`
	// Complete is true when every case of every configuration has a record and
	// no configuration is left to finish.
	Complete bool `json:"complete"`
}

// Ranked is one configuration's place in its model's ranking.
type Ranked struct {
	ConfigID         string  `json:"config_id"`
	Variant          string  `json:"variant"`
	Display          string  `json:"display"`
	GPUs             int     `json:"gpus"`
	OutputThroughput float64 `json:"output_throughput"`
	ITLMs            float64 `json:"itl_ms"`
	OutputCostPer1M  float64 `json:"output_cost_per_1m"`
	GapPct           float64 `json:"gap_pct"`
}

// ModelRanking ranks one model's configurations by output throughput.
type ModelRanking struct {
	ModelKey  string       `json:"model_key"`
	Model     string       `json:"model"`
	Name      string       `json:"name"`
	Ranked    []Ranked     `json:"ranked"`
	Failed    []string     `json:"failed"`
	Best      string       `json:"best,omitempty"`
	BestLabel string       `json:"best_label,omitempty"`
	Knobs     []KnobEffect `json:"knobs,omitempty"`
	// Difference names the biggest difference between the best configuration's
	// trace breakdown and the runner-up's.
	Difference string `json:"trace_difference,omitempty"`
}

// Load builds a report from a run directory.
func Load(dir string, links LinkOptions) (*Report, error) {
	recs, err := rundir.Read(dir)
	if err != nil {
		return nil, err
	}
	rep := build(*recs.Meta, results.Latest(recs.Results), results.LatestServers(recs.Servers), links)
	rep.Warnings = recs.Warnings
	rep.readLoad(dir)
	rep.addSpeculative()   // after the load results: they are load levels too
	rep.readTelemetry(dir) // telemetry.go
	rep.readSearch(dir)
	rep.readQuality(dir)
	rep.addBreakdowns(dir) // before the recommendations: their reasons cite the breakdowns
	rep.recommend()
	return rep, nil
}

// Build assembles a report from records (without trace breakdowns).
func Build(meta rundir.Meta, rs []results.Result, servers map[string]results.Server, links LinkOptions) *Report {
	rep := build(meta, rs, servers, links)
	rep.addSpeculative()
	rep.recommend()
	return rep
}

// build assembles everything but the recommendations.
func build(meta rundir.Meta, rs []results.Result, servers map[string]results.Server, links LinkOptions) *Report {
	rep := &Report{Meta: meta, Links: links}
	byConfig := map[string][]results.Result{}
	for _, r := range rs {
		byConfig[r.ConfigID] = append(byConfig[r.ConfigID], r)
		if r.Simulated {
			rep.Summary.Simulated = true
		}
	}
	cfgs := meta.Configs
	known := map[string]bool{}
	for _, c := range cfgs {
		known[c.ID] = true
	}
	for _, r := range rs { // results of configs the meta does not list still get a table
		if !known[r.ConfigID] {
			known[r.ConfigID] = true
			cfgs = append(cfgs, plan.Config{ID: r.ConfigID, ModelKey: r.ModelKey, Model: r.Model, ModelName: r.ModelName, Variant: r.Variant, GPUs: r.GPUs, Engine: r.Engine})
		}
	}
	for _, c := range cfgs {
		cr := ConfigReport{Config: c, Display: Display(c), Rows: byConfig[c.ID]}
		if s, ok := servers[c.ID]; ok {
			rep.attachServer(&cr, s)
		}
		rep.Summary.add(cr, meta.Repeats)
		rep.Configs = append(rep.Configs, cr)
	}
	rep.Summary.Complete = rep.Summary.CasesMissing == 0 && rep.Summary.ConfigsIncomplete == 0
	rep.Rankings = rank(rep.Configs)
	for i := range rep.Rankings {
		rep.Rankings[i].Knobs = knobEffects(rep.Rankings[i], rep.Configs)
		judgeKnobs(rep.Rankings[i].Knobs, rep.Rankings[i], rep.Configs)
	}
	rep.Objective = rep.primaryObjective()
	price := meta.GPUHourPrice
	gpuSet := map[int]bool{}
	for _, c := range cfgs {
		gpuSet[c.GPUs] = true
	}
	var gpus []int
	for g := range gpuSet {
		gpus = append(gpus, g)
	}
	sort.Ints(gpus)
	var examples []string
	for _, g := range gpus {
		if g == 0 {
			examples = append(examples, fmt.Sprintf("CPU only → $%.2f/h (cpu_hour_price, not a GPU)", meta.CPUHourPrice))
			continue
		}
		examples = append(examples, fmt.Sprintf("%d GPU(s) → $%.2f/h", g, price*float64(g)))
	}
	rep.CostNote = fmt.Sprintf("Cost columns: hourly cost = $%.2f per GPU-hour × the GPUs the configuration uses (here %s); "+
		"input $/1M = 1e6 / (input throughput × 0.7) / 3600 × hourly; output $/1M = 1e6 / output throughput / 3600 × hourly. "+
		"ITL (ms) = 1000 × batch size / output throughput; input throughput = batch × input len / last TTFT; output throughput = batch × output len / (latency − last TTFT).",
		price, strings.Join(examples, ", "))
	return rep
}

// attachServer gives a configuration its server record, lists the record's
// stop issues, and names what the server really ran when it differs.
func (rep *Report) attachServer(cr *ConfigReport, s results.Server) {
	cr.Server = &s
	if s.FailureKind == results.KindStopTimeout || s.FailureKind == results.KindLeftover {
		rep.Issues = append(rep.Issues, s)
	}
	if cr.RanAs = ranAs(cr.Config, cr.Server); cr.RanAs != nil {
		cr.Display += " (ran as " + cr.RanAs.Label + ")"
	}
}

// add counts one configuration's cases; a configuration fully passes when
// every case passed and it was not cut short (interrupted, write failure).
func (s *Summary) add(cr ConfigReport, repeats int) {
	okAll := len(cr.Rows) > 0
	for _, r := range cr.Rows {
		switch r.Status {
		case results.StatusOK:
			s.CasesOK++
		case results.StatusSkipped:
			s.CasesSkipped++
			okAll = false
		default:
			s.CasesFailed++
			okAll = false
		}
	}
	if missing := len(cr.Cases)*max(1, repeats) - len(cr.Rows); missing > 0 {
		s.CasesMissing += missing
		okAll = false
	}
	if cr.Server != nil && rundir.Incomplete(*cr.Server) {
		s.ConfigsIncomplete++
		okAll = false
	}
	if okAll {
		s.ConfigsOK++
	} else {
		s.ConfigsFailed++
	}
}

// Display is a configuration's name in the seed's closing style: "TP8 + flashinfer_trtllm".
func Display(c plan.Config) string {
	if c.TP == 0 {
		return strings.ReplaceAll(c.Variant, "_", " + ")
	}
	var parts []string
	if c.TP > 1 || !noTP(c.Engine) {
		parts = append(parts, fmt.Sprintf("TP%d", c.TP))
	}
	if c.MoEBackend != "" {
		parts = append(parts, c.MoEBackend)
	}
	var keys []string
	for k := range c.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, strings.TrimLeft(k, "-")+"="+c.Params[k])
	}
	if len(parts) == 0 {
		return c.Variant
	}
	return strings.Join(parts, " + ")
}

// rank orders each model's fully successful configurations by the geometric
// mean of output throughput over their cases.
func rank(cfgs []ConfigReport) []ModelRanking {
	var out []ModelRanking
	idx := map[string]int{}
	for _, c := range cfgs {
		i, ok := idx[c.ModelKey]
		if !ok {
			i = len(out)
			idx[c.ModelKey] = i
			out = append(out, ModelRanking{ModelKey: c.ModelKey, Model: c.Model, Name: c.ModelName})
		}
		m := &out[i]
		rows := caseRows(c.Rows)
		good := len(rows) == len(c.Cases) && len(rows) > 0
		var logT, logI, logC float64
		for _, r := range rows {
			if r.Status != results.StatusOK || r.OutputThroughput == nil || *r.OutputThroughput <= 0 {
				good = false
				break
			}
			logT += math.Log(*r.OutputThroughput)
			logI += math.Log(*r.ITLMs)
			logC += math.Log(math.Max(*r.OutputCostPer1M, 1e-12))
		}
		if !good {
			m.Failed = append(m.Failed, c.Display)
			continue
		}
		n := float64(len(rows))
		m.Ranked = append(m.Ranked, Ranked{ConfigID: c.ID, Variant: c.Variant, Display: c.Display, GPUs: c.GPUs,
			OutputThroughput: math.Exp(logT / n), ITLMs: math.Exp(logI / n), OutputCostPer1M: math.Exp(logC / n)})
	}
	for i := range out {
		m := &out[i]
		sort.SliceStable(m.Ranked, func(a, b int) bool { return m.Ranked[a].OutputThroughput > m.Ranked[b].OutputThroughput })
		if len(m.Ranked) > 0 {
			best := m.Ranked[0].OutputThroughput
			for j := range m.Ranked {
				m.Ranked[j].GapPct = (best - m.Ranked[j].OutputThroughput) / best * 100
			}
			m.Best, m.BestLabel = m.Ranked[0].ConfigID, m.Ranked[0].Display
		}
		if m.Name == "" {
			m.Name = m.Model
		}
	}
	return out
}

// noTP reports whether an engine has no tensor parallelism to name (Ollama).
func noTP(name string) bool {
	eng, err := registry.Get(name)
	return err == nil && engine.TraitsOf(eng).NoTP
}
