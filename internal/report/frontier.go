package report

import (
	"math"
	"sort"

	"github.com/servesweep/servesweep/internal/load"
)

// FrontierPoint is one measured load point of a configuration: output
// tokens per second per GPU (per machine for a CPU-only configuration)
// against tokens per second per user (1000 / median TPOT in ms).
type FrontierPoint struct {
	ConfigID          string  `json:"config_id"`
	Display           string  `json:"display"`
	Concurrency       int     `json:"concurrency"`
	Rate              float64 `json:"rate,omitempty"` // offered requests/s of a rate profile (concurrency 0)
	TokensPerSPerGPU  float64 `json:"tokens_per_s_per_gpu"`
	TokensPerSPerUser float64 `json:"tokens_per_s_per_user"`
	// GPUs the configuration uses (0: CPU only, priced by cpu_hour_price).
	GPUs int `json:"gpus"`
	// OutputCostPer1M is USD per 1M output tokens at this point.
	OutputCostPer1M float64 `json:"output_cost_per_1m"`
	Saturated       bool    `json:"saturated,omitempty"`
}

// Frontier is the throughput–interactivity frontier of one model at one
// (input, output) length pair: every measured point and the Pareto set
// across configurations (points no other point beats on both axes), most
// interactive first.
type Frontier struct {
	ModelKey  string          `json:"model_key"`
	Model     string          `json:"model"`
	InputLen  int             `json:"input_len"`
	OutputLen int             `json:"output_len"`
	Points    []FrontierPoint `json:"points"`
	Pareto    []FrontierPoint `json:"pareto"`
	// Target answers the frontier question at the target interactivity.
	Target *FrontierAnswer `json:"target,omitempty"`
	// Stopped are the ladders that stopped climbing at saturation.
	Stopped []LadderStop `json:"saturation,omitempty"`
}

// LadderStop is a configuration's ladder that stopped below its top rung.
type LadderStop struct {
	ConfigID string   `json:"config_id"`
	Display  string   `json:"display"`
	Reason   string   `json:"reason"`  // "saturated at concurrency 8: …"
	NotRun   []string `json:"not_run"` // the rungs left: "concurrency 16"
}

// buildFrontiers collects the load points of every model and length pair.
func (r *Report) buildFrontiers() {
	r.Frontier = nil
	cfgs := map[string]*ConfigReport{}
	for i := range r.Configs {
		cfgs[r.Configs[i].ID] = &r.Configs[i]
	}
	type key struct {
		model   string
		in, out int
	}
	idx := map[key]int{}
	for _, l := range r.Load {
		c := cfgs[l.ConfigID]
		if c == nil {
			continue
		}
		k := key{l.ModelKey, l.InputLen, l.OutputLen}
		i, ok := idx[k]
		if !ok {
			i = len(r.Frontier)
			idx[k] = i
			name := c.ModelName
			if name == "" {
				name = c.Model
			}
			r.Frontier = append(r.Frontier, Frontier{ModelKey: l.ModelKey, Model: name, InputLen: l.InputLen, OutputLen: l.OutputLen, Points: []FrontierPoint{}})
		}
		f := &r.Frontier[i]
		if l.NotRun != "" {
			f.addStop(c, l)
			continue
		}
		if p, ok := r.point(c, l); ok {
			f.Points = append(f.Points, p)
		}
	}
	for i := range r.Frontier {
		r.Frontier[i].Pareto = pareto(r.Frontier[i].Points)
	}
	r.answerFrontiers()
}

// point turns a load result into a frontier point; false when it has no
// decode to measure (no completed request, one-token outputs).
func (r *Report) point(c *ConfigReport, l load.Result) (FrontierPoint, bool) {
	if l.Completed == 0 || l.TPOTMs.P50 <= 0 || l.OutputThroughput <= 0 {
		return FrontierPoint{}, false
	}
	per := l.OutputThroughput / float64(max(1, c.GPUs))
	p := FrontierPoint{ConfigID: c.ID, Display: c.Display, Concurrency: l.Profile.Concurrency, Rate: l.Profile.Rate,
		TokensPerSPerGPU: per, TokensPerSPerUser: 1000 / l.TPOTMs.P50, GPUs: c.GPUs, Saturated: l.Saturated != ""}
	p.OutputCostPer1M = r.costPer1M(c.GPUs, per)
	return p, true
}

// costPer1M is USD per 1M output tokens of a configuration of gpus GPUs
// making perGPU tokens per second per GPU: the GPU-hour price per GPU, or
// cpu_hour_price for a CPU-only configuration.
func (r *Report) costPer1M(gpus int, perGPU float64) float64 {
	if perGPU <= 0 {
		return math.Inf(1)
	}
	hourly := r.Meta.GPUHourPrice
	if gpus <= 0 {
		hourly = r.Meta.CPUHourPrice
	}
	return 1e6 * hourly / 3600 / perGPU
}

func (f *Frontier) addStop(c *ConfigReport, l load.Result) {
	for i := range f.Stopped {
		if s := &f.Stopped[i]; s.ConfigID == c.ID && s.Reason == l.NotRun {
			s.NotRun = append(s.NotRun, load.ProfileLabel(l.Profile))
			return
		}
	}
	f.Stopped = append(f.Stopped, LadderStop{ConfigID: c.ID, Display: c.Display, Reason: l.NotRun, NotRun: []string{load.ProfileLabel(l.Profile)}})
}

// dominates reports whether a is at least as good as b on both axes and
// better on one.
func dominates(a, b FrontierPoint) bool {
	return a.TokensPerSPerGPU >= b.TokensPerSPerGPU && a.TokensPerSPerUser >= b.TokensPerSPerUser &&
		(a.TokensPerSPerGPU > b.TokensPerSPerGPU || a.TokensPerSPerUser > b.TokensPerSPerUser)
}

// pareto returns the points no other point dominates, most interactive
// first (of equal points, the first measured).
func pareto(pts []FrontierPoint) []FrontierPoint {
	out := []FrontierPoint{}
	for i, p := range pts {
		keep := true
		for j, q := range pts {
			if dominates(q, p) || (j < i && q.TokensPerSPerGPU == p.TokensPerSPerGPU && q.TokensPerSPerUser == p.TokensPerSPerUser) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].TokensPerSPerUser > out[b].TokensPerSPerUser })
	return out
}

// configCurves groups a frontier's points by configuration, in order of
// first appearance: each configuration's own Pareto set, least interactive
// first (tokens per user rising, tokens per GPU falling).
func configCurves(pts []FrontierPoint) (ids []string, curves map[string][]FrontierPoint) {
	by := map[string][]FrontierPoint{}
	for _, p := range pts {
		if _, ok := by[p.ConfigID]; !ok {
			ids = append(ids, p.ConfigID)
		}
		by[p.ConfigID] = append(by[p.ConfigID], p)
	}
	curves = map[string][]FrontierPoint{}
	for id, ps := range by {
		env := pareto(ps)
		sort.SliceStable(env, func(a, b int) bool { return env[a].TokensPerSPerUser < env[b].TokensPerSPerUser })
		curves[id] = env
	}
	return ids, curves
}
