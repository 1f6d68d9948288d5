package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/registry"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

// LoadPoint is one configuration measured at one load level: the batch size of
// a batch case, or the concurrency of a serving-load ladder.
type LoadPoint struct {
	ConfigID    string  `json:"config_id"`
	Concurrency int     `json:"concurrency"`
	OutputTokS  float64 `json:"output_throughput"`
	TPOTMs      float64 `json:"tpot_ms,omitempty"`
}

// SpecLevel compares a speculative configuration with its twin at one level.
type SpecLevel struct {
	Concurrency int     `json:"concurrency"`
	Spec        float64 `json:"output_throughput"`
	Twin        float64 `json:"twin_output_throughput"`
	SpecTPOTMs  float64 `json:"tpot_ms,omitempty"`
	TwinTPOTMs  float64 `json:"twin_tpot_ms,omitempty"`
	Speedup     float64 `json:"speedup"`
	Pays        bool    `json:"pays"`
}

// SpecCrossover is where speculation stops paying: it pays up to LastPays
// (0: at no measured level) and loses from FirstLoses on (0: at none);
// Crossover is the load where the speedup crosses 1, interpolated on log
// scales between the two (0 when it does not cross).
type SpecCrossover struct {
	Levels     []SpecLevel `json:"levels"`
	LastPays   int         `json:"last_pays,omitempty"`
	FirstLoses int         `json:"first_loses,omitempty"`
	Crossover  float64     `json:"crossover,omitempty"`
	// Monotone is false when speculation pays again after losing.
	Monotone bool   `json:"monotone"`
	Verdict  string `json:"verdict"`
}

// Crossover compares a speculative configuration's points with its
// non-speculative twin's at every load level both were measured at.
func Crossover(spec, twin []LoadPoint) SpecCrossover {
	byLevel := map[int]LoadPoint{}
	for _, p := range twin {
		byLevel[p.Concurrency] = p
	}
	var out SpecCrossover
	for _, p := range spec {
		t, ok := byLevel[p.Concurrency]
		if !ok || p.OutputTokS <= 0 || t.OutputTokS <= 0 {
			continue
		}
		s := p.OutputTokS / t.OutputTokS
		out.Levels = append(out.Levels, SpecLevel{Concurrency: p.Concurrency, Spec: p.OutputTokS, Twin: t.OutputTokS,
			SpecTPOTMs: p.TPOTMs, TwinTPOTMs: t.TPOTMs, Speedup: s, Pays: s > 1})
	}
	sort.Slice(out.Levels, func(i, j int) bool { return out.Levels[i].Concurrency < out.Levels[j].Concurrency })
	out.Monotone = true
	lv := out.Levels
	if len(lv) == 0 {
		out.Verdict = "no load level measured for both"
		return out
	}
	// The crossover is the last change from paying to losing.
	k := -1
	for i := 1; i < len(lv); i++ {
		if lv[i-1].Pays && !lv[i].Pays {
			k = i
		}
		if !lv[i-1].Pays && lv[i].Pays {
			out.Monotone = false
		}
	}
	last := lv[len(lv)-1]
	switch {
	case k < 0 && last.Pays && lv[0].Pays:
		out.LastPays = last.Concurrency
		out.Verdict = fmt.Sprintf("pays at every measured level (%s), up to %d", speedups(lv), last.Concurrency)
	case k < 0 && !lv[0].Pays && !last.Pays && out.Monotone:
		out.FirstLoses = lv[0].Concurrency
		out.Verdict = fmt.Sprintf("loses at every measured level (%s), from %d", speedups(lv), lv[0].Concurrency)
	case k < 0:
		out.Verdict = fmt.Sprintf("pays only at higher load (%s)", speedups(lv))
	default:
		a, b := lv[k-1], lv[k]
		out.LastPays, out.FirstLoses = a.Concurrency, b.Concurrency
		t := math.Log(a.Speedup) / (math.Log(a.Speedup) - math.Log(b.Speedup))
		out.Crossover = math.Exp(math.Log(float64(a.Concurrency)) + t*(math.Log(float64(b.Concurrency))-math.Log(float64(a.Concurrency))))
		out.Verdict = fmt.Sprintf("pays up to %d (%.2f×), loses from %d (%.2f×): crossover ≈ %.0f", a.Concurrency, a.Speedup, b.Concurrency, b.Speedup, out.Crossover)
		if !out.Monotone {
			out.Verdict += " (not monotone: it pays again at a higher level)"
		}
	}
	return out
}

func speedups(lv []SpecLevel) string {
	var parts []string
	for _, l := range lv {
		parts = append(parts, fmt.Sprintf("%.2f× at %d", l.Speedup, l.Concurrency))
	}
	return strings.Join(parts, ", ")
}

// SpecComparison is one speculative configuration against its twin, for one
// kind of load level (batch size or concurrency) and one length pair.
type SpecComparison struct {
	ConfigID     string   `json:"config_id"`
	Twin         string   `json:"twin"`
	Algorithm    string   `json:"algorithm"`
	Level        string   `json:"level"` // "batch size" or "concurrency"
	InputLen     int      `json:"input_len"`
	OutputLen    int      `json:"output_len"`
	AcceptLength *float64 `json:"accept_length,omitempty"`
	SpecCrossover
	// Note names what shaped the comparison (a server cap on running requests).
	Note string `json:"note,omitempty"`
}

// speculator is the engine's speculative-flag knowledge, or its stand-in's.
func speculator(name string) engine.Speculator {
	eng, err := registry.Get(name)
	if err != nil {
		return nil
	}
	if s, ok := eng.(engine.Speculator); ok {
		return s
	}
	if st, ok := eng.(engine.StandIn); ok && st.StandsInFor() != "" && st.StandsInFor() != name {
		return speculator(st.StandsInFor())
	}
	return nil
}

// SpecTwins pairs each speculative configuration with its non-speculative
// twin: same model, TP, MoE backend and every server parameter but the
// speculative ones. A twin without any speculative flag comes first.
func SpecTwins(cfgs []plan.Config) (twins map[string]string, algos map[string]string) {
	twins, algos = map[string]string{}, map[string]string{}
	key := func(c plan.Config, sp engine.Speculator) string {
		p := map[string]string{}
		for k, v := range c.Params {
			if !sp.SpeculativeFlag(k) {
				p[k] = v
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s|%d|%s", c.ModelKey, c.TP, c.MoEBackend)
		for _, k := range slices.Sorted(maps.Keys(p)) {
			b.WriteString("|" + k + "=" + p[k])
		}
		return b.String()
	}
	plain := map[string]plan.Config{}
	for _, c := range cfgs {
		sp := speculator(c.Engine)
		if sp == nil || sp.Speculation(c.Args) != "" {
			continue
		}
		k := key(c, sp)
		if prev, ok := plain[k]; !ok || len(specParams(prev, sp)) > len(specParams(c, sp)) {
			plain[k] = c
		}
	}
	for _, c := range cfgs {
		sp := speculator(c.Engine)
		if sp == nil {
			continue
		}
		if a := sp.Speculation(c.Args); a != "" {
			if t, ok := plain[key(c, sp)]; ok {
				twins[c.ID], algos[c.ID] = t.ID, a
			}
		}
	}
	return twins, algos
}

func specParams(c plan.Config, sp engine.Speculator) []string {
	var out []string
	for k := range c.Params {
		if sp.SpeculativeFlag(k) {
			out = append(out, k)
		}
	}
	return out
}

// batchPoints are the batch cases of c as load points per (input, output)
// length pair: the mean over repeats of the cases that passed.
func batchPoints(c ConfigReport) map[[2]int][]LoadPoint {
	type acc struct {
		tput, itl float64
		n         int
	}
	sums := map[[3]int]*acc{}
	for _, x := range c.Rows {
		if x.Status != results.StatusOK || x.OutputThroughput == nil {
			continue
		}
		k := [3]int{x.InputLen, x.OutputLen, x.BatchSize}
		if sums[k] == nil {
			sums[k] = &acc{}
		}
		sums[k].tput += *x.OutputThroughput
		if x.ITLMs != nil {
			sums[k].itl += *x.ITLMs
		}
		sums[k].n++
	}
	out := map[[2]int][]LoadPoint{}
	for k, a := range sums {
		shape := [2]int{k[0], k[1]}
		out[shape] = append(out[shape], LoadPoint{ConfigID: c.ID, Concurrency: k[2], OutputTokS: a.tput / float64(a.n), TPOTMs: a.itl / float64(a.n)})
	}
	return out
}
