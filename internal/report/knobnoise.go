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
	sig, judged := 0, 0
	for k, b := range best {
		w, ok := worst[k]
		if !ok {
			continue
		}
		lb, lw := logOf(samples(b, objectives["output_throughput"].value)), logOf(samples(w, objectives["output_throughput"].value))
		if len(lb) == 0 || len(lw) == 0 {
			continue
		}
		sb, sw := stats.Summarize(lb), stats.Summarize(lw)
		logs = append(logs, sb.Mean-sw.Mean)
		if len(lb) >= 2 && len(lw) >= 2 {
			judged++
			if _, ci, _ := stats.WelchDiff(sb, sw); ci[0] > 0 || ci[1] < 0 {
				sig++
			}
		}
	}
	if len(logs) == 0 {
		if e.Ignored != "" {
			e.NoEffect, e.Why = true, e.Ignored+", and applied it in no configuration that differs from another only in this knob"
		}
		return
	}
	s := stats.Summarize(logs)
	e.PairedRatio, e.Pairs = math.Exp(s.Mean), len(logs)
	e.PairedCI = [2]float64{math.Exp(s.CI[0]), math.Exp(s.CI[1])}
	pairs := fmt.Sprintf("%s vs %s %.2f× over %d pair(s) of otherwise equal configurations", e.Best, e.Worst, e.PairedRatio, e.Pairs)
	pooled := fmt.Sprintf("95%% CI %.2f…%.2f×", e.PairedCI[0], e.PairedCI[1])
	if judged > 0 {
		pooled += fmt.Sprintf("; significant in %d of %d pairs by the repeats' 95%% Welch intervals", sig, judged)
	}
	// No effect: the pooled interval includes 1 and at most a minority of the
	// pairs differ by more than their repeats' noise (with many pairs a few do
	// by chance). An effect in most pairs with a pooled interval across 1 is
	// an interaction: it depends on the other knobs, and is reported as one.
	if (len(logs) >= 2 || judged > 0) && s.CI[0] <= 0 && s.CI[1] >= 0 && 2*sig < max(judged, 1) {
		e.NoEffect, e.Why = true, "within noise: "+pairs+" ("+pooled+")"
	} else {
		e.Why = pairs + " (" + pooled + ")"
	}
	if e.NoEffect && e.Ignored != "" {
		e.Why += "; " + e.Ignored
	}
}

func logOf(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}
