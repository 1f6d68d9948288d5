package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// KnobEffect is how much one knob moved a model's output throughput: the
// geometric mean over the ranked configurations that share each value.
type KnobEffect struct {
	Knob   string             `json:"knob"`
	Values map[string]float64 `json:"output_throughput_by_value"`
	Best   string             `json:"best_value"`
	Worst  string             `json:"worst_value"`
	Ratio  float64            `json:"ratio"` // best / worst
	// PairedRatio is best/worst over configurations that differ only in this
	// knob (PairedCI its 95% interval, Pairs how many); NoEffect marks a knob
	// within noise or ignored by the engine, Why says which; Ignored counts
	// the engine's log lines that it ignored the best value.
	PairedRatio float64    `json:"paired_ratio,omitempty"`
	PairedCI    [2]float64 `json:"paired_ci,omitempty"`
	Pairs       int        `json:"pairs,omitempty"`
	NoEffect    bool       `json:"no_effect,omitempty"`
	Why         string     `json:"why,omitempty"`
	Ignored     string     `json:"ignored,omitempty"`
}

// knobEffects finds, per knob that varies within the model, the effect on
// output throughput, largest first.
func knobEffects(m ModelRanking, cfgs []ConfigReport) []KnobEffect {
	byID := map[string]ConfigReport{}
	for _, c := range cfgs {
		byID[c.ID] = c
	}
	values := map[string]map[string][]float64{}
	add := func(knob, val string, v float64) {
		if values[knob] == nil {
			values[knob] = map[string][]float64{}
		}
		values[knob][val] = append(values[knob][val], math.Log(v))
	}
	for _, r := range m.Ranked {
		c := byID[r.ConfigID]
		add("TP", "TP"+strconv.Itoa(c.TP), r.OutputThroughput)
		be := c.MoEBackend
		if be == "" {
			be = "default"
		}
		if ran, ok := c.RanAs.moeBackend(); ok {
			be = ran + " (asked " + be + ")" // grouped by what ran
		}
		add("moe backend", be, r.OutputThroughput)
		for k, v := range c.Params {
			add(strings.TrimLeft(k, "-"), v, r.OutputThroughput)
		}
	}
	var out []KnobEffect
	for knob, vals := range values {
		if len(vals) < 2 {
			continue
		}
		e := KnobEffect{Knob: knob, Values: map[string]float64{}}
		for v, logs := range vals {
			s := 0.0
			for _, l := range logs {
				s += l
			}
			e.Values[v] = math.Exp(s / float64(len(logs)))
		}
		for v, t := range e.Values {
			if e.Best == "" || t > e.Values[e.Best] || t == e.Values[e.Best] && v < e.Best {
				e.Best = v
			}
			if e.Worst == "" || t < e.Values[e.Worst] || t == e.Values[e.Worst] && v < e.Worst {
				e.Worst = v
			}
		}
		e.Ratio = e.Values[e.Best] / e.Values[e.Worst]
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Ratio != out[j].Ratio {
			return out[i].Ratio > out[j].Ratio
		}
		return out[i].Knob < out[j].Knob
	})
	return out
}

// knobSentence says which knob mattered most, e.g. "num-thread mattered most:
// 1 → 1353 tok/s vs 2 → 305 tok/s (4.43×); quantization: q8_0 1.21× f16".
func knobSentence(effects []KnobEffect) string {
	if len(effects) == 0 {
		return ""
	}
	var parts, none []string
	first := true
	for _, e := range effects {
		if e.NoEffect {
			none = append(none, fmt.Sprintf("**%s** no effect (%s)", e.Knob, e.Why))
			continue
		}
		if first {
			first = false
			parts = append(parts, fmt.Sprintf("**%s** mattered most: %s → %.1f tok/s vs %s → %.1f tok/s (%.2f×)",
				e.Knob, e.Best, e.Values[e.Best], e.Worst, e.Values[e.Worst], e.Ratio))
			continue
		}
		p := fmt.Sprintf("%s: %s %.2f× %s", e.Knob, e.Best, e.Ratio, e.Worst)
		if e.Why != "" {
			p += " (" + e.Why + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(append(parts, none...), "; ") + "."
}
