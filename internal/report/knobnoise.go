package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/servesweep/servesweep/internal/stats"
)

// IgnoredPrefix marks an effective setting that says the engine ignored a
// knob: "ignored:<knob>" = the value it ignored (engine log patterns set it,
// e.g. Ollama's "quantized kv cache requested but flash attention disabled"
// sets ignored:OLLAMA_KV_CACHE_TYPE = q8_0).
const IgnoredPrefix = "ignored:"

// ignoredValue is the value of knob the configuration's engine logged as
// ignored ("" when none).
func ignoredValue(c ConfigReport, knob string) string {
	if c.Server == nil {
		return ""
	}
	for k, v := range c.Server.Effective {
		if strings.TrimPrefix(k, IgnoredPrefix) != k && strings.TrimLeft(strings.TrimPrefix(k, IgnoredPrefix), "-") == knob {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// pairKey is a configuration's other knobs: configurations with equal keys
// differ only in knob.
func pairKey(c ConfigReport, knob string) string {
	var parts []string
	for k, v := range c.Params {
		if strings.TrimLeft(k, "-") != knob {
			parts = append(parts, k+"="+v)
		}
	}
	sort.Strings(parts)
	return fmt.Sprintf("TP%d|%s|%s", c.TP, c.MoEBackend, strings.Join(parts, "|"))
}

// judgeKnobs marks the knobs whose effect is within noise or that the engine
// ignored: "no effect", with why. The effect of best over worst is measured
// on pairs of configurations that differ only in the knob and in which the
// engine applied both values; its 95% interval is Student's over the pairs'
// log ratios (two or more pairs), or Welch's over the repeats of one pair.
func judgeKnobs(effects []KnobEffect, m ModelRanking, cfgs []ConfigReport) {
	byID := map[string]ConfigReport{}
	for _, c := range cfgs {
		byID[c.ID] = c
	}
	for i := range effects {
		e := &effects[i]
		if e.Knob == "TP" || e.Knob == "moe backend" {
			continue
		}
		best, worst := map[string]ConfigReport{}, map[string]ConfigReport{}
		ignored, with := map[string]int{}, map[string]int{}
		for _, r := range m.Ranked {
			c := byID[r.ConfigID]
			v := c.Params[paramName(c, e.Knob)]
			with[v]++
			if iv := ignoredValue(c, e.Knob); iv != "" && iv == v {
				ignored[v]++ // the value did not apply: no evidence either way
				continue
			}
			switch v {
			case e.Best:
				best[pairKey(c, e.Knob)] = c
			case e.Worst:
				worst[pairKey(c, e.Knob)] = c
			}
		}
		var vals []string
		for v := range ignored {
			vals = append(vals, v)
		}
		sort.Strings(vals)
		for _, v := range vals {
			e.Ignored += fmt.Sprintf("%sthe engine logged %s=%s as ignored in %d of %d configurations (server log)",
				map[bool]string{true: "", false: "; "}[e.Ignored == ""], e.Knob, v, ignored[v], with[v])
		}
		judgePairs(e, best, worst)
	}
	sort.SliceStable(effects, func(i, j int) bool { return !effects[i].NoEffect && effects[j].NoEffect })
}

func paramName(c ConfigReport, knob string) string {
	for k := range c.Params {
		if strings.TrimLeft(k, "-") == knob {
			return k
		}
	}
	return knob
}

func judgePairs(e *KnobEffect, best, worst map[string]ConfigReport) {
	var logs []float64
	var one [2]ConfigReport
	for k, b := range best {
		if w, ok := worst[k]; ok {
			xb, xw := samples(b, objectives["output_throughput"].value), samples(w, objectives["output_throughput"].value)
			if len(xb) == 0 || len(xw) == 0 {
				continue
			}
			logs = append(logs, math.Log(stats.Summarize(xb).Mean/stats.Summarize(xw).Mean))
			one = [2]ConfigReport{b, w}
		}
	}
	var ci [2]float64
	switch len(logs) {
	case 0:
		if e.Ignored != "" {
			e.NoEffect, e.Why = true, e.Ignored+", and applied it in no configuration that differs from another only in this knob"
		}
		return
	case 1:
		lb, lw := logOf(samples(one[0], objectives["output_throughput"].value)), logOf(samples(one[1], objectives["output_throughput"].value))
		if len(lb) < 2 || len(lw) < 2 {
			e.Why = "one pair with one run each: noise unknown"
			return
		}
		_, ci, _ = stats.WelchDiff(stats.Summarize(lb), stats.Summarize(lw))
	default:
		ci = stats.Summarize(logs).CI
	}
	s := stats.Summarize(logs)
	e.PairedRatio = math.Exp(s.Mean)
	e.PairedCI = [2]float64{math.Exp(ci[0]), math.Exp(ci[1])}
	e.Pairs = len(logs)
	if ci[0] <= 0 && ci[1] >= 0 {
		e.NoEffect = true
		e.Why = fmt.Sprintf("within noise: %s vs %s %.2f× over %d pair(s) of otherwise equal configurations (95%% CI %.2f…%.2f×)",
			e.Best, e.Worst, e.PairedRatio, e.Pairs, e.PairedCI[0], e.PairedCI[1])
		if e.Ignored != "" {
			e.Why += "; " + e.Ignored
		}
	}
}

func logOf(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}
