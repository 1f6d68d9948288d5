package report

import (
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

// cfgWith is a configuration with server_params p and per-repeat output throughputs.
func cfgWith(id string, p map[string]string, effective map[string]any, tputs ...float64) ConfigReport {
	c := ConfigReport{Config: plan.Config{ID: id, Params: p, Cases: []plan.Case{{BatchSize: 1, InputLen: 8, OutputLen: 8}}},
		Server: &results.Server{Effective: effective}}
	for i, t := range tputs {
		t, itl := t, 1000/t
		c.Rows = append(c.Rows, results.Result{Status: results.StatusOK, Repeat: i, OutputThroughput: &t, ITLMs: &itl})
	}
	return c
}

func judge(cfgs []ConfigReport) map[string]KnobEffect {
	var m ModelRanking
	for _, c := range cfgs {
		m.Ranked = append(m.Ranked, Ranked{ConfigID: c.ID, OutputThroughput: samplesMean(c)})
	}
	effs := knobEffects(m, cfgs)
	judgeKnobs(effs, m, cfgs)
	out := map[string]KnobEffect{}
	for _, e := range effs {
		out[e.Knob] = e
	}
	return out
}

func samplesMean(c ConfigReport) float64 {
	xs := samples(c, objectives["output_throughput"].value)
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func TestKnobWithinNoiseOrIgnoredHasNoEffect(t *testing.T) {
	p := func(fa, kv, gpu string) map[string]string {
		return map[string]string{"FA": fa, "KV": kv, "--num-gpu": gpu}
	}
	ign := map[string]any{"ignored:KV": "q8_0"}
	cfgs := []ConfigReport{
		// num-gpu: a real 10× effect; FA: +3% with ±10% noise; KV q8_0 ignored without FA, and +40% where it applied.
		cfgWith("a", p("0", "f16", "99"), nil, 600, 660, 540),
		cfgWith("b", p("1", "f16", "99"), nil, 640, 560, 660),
		cfgWith("c", p("0", "q8_0", "99"), ign, 900, 910, 905),
		cfgWith("d", p("1", "q8_0", "99"), nil, 860, 900, 880),
		cfgWith("e", p("0", "f16", "0"), nil, 60, 66, 54),
		cfgWith("f", p("1", "f16", "0"), nil, 64, 56, 66),
		cfgWith("g", p("0", "q8_0", "0"), ign, 90, 91, 90),
		cfgWith("h", p("1", "q8_0", "0"), nil, 86, 90, 88),
	}
	got := judge(cfgs)
	if e := got["num-gpu"]; e.NoEffect || e.Best != "99" || e.PairedRatio < 9 {
		t.Fatalf("num-gpu has a real effect: %+v", e)
	}
	if e := got["FA"]; !e.NoEffect || !strings.Contains(e.Why, "within noise") {
		t.Fatalf("FA is within noise: %+v", e)
	}
	kv := got["KV"]
	if kv.NoEffect || !strings.Contains(kv.Ignored, "KV=q8_0 as ignored in 2 of 4") || kv.Pairs != 2 {
		t.Fatalf("KV has an effect where applied, and says where it was ignored: %+v", kv)
	}
	if s := knobSentence(effsOf(got)); !strings.Contains(s, "**FA** no effect (within noise") || strings.Contains(s, "**FA** mattered") {
		t.Fatalf("sentence: %s", s)
	}
	// Every configuration that asked for the value had it ignored: no effect, and why.
	only := []ConfigReport{cfgWith("x", p("0", "f16", "99"), nil, 600, 610, 605), cfgWith("y", p("0", "q8_0", "99"), ign, 700, 710, 705)}
	if e := judge(only)["KV"]; !e.NoEffect || !strings.Contains(e.Why, "ignored") {
		t.Fatalf("an ignored knob has no effect whatever the numbers say: %+v", e)
	}
}

func effsOf(m map[string]KnobEffect) []KnobEffect {
	var out []KnobEffect
	for _, e := range m {
		out = append(out, e)
	}
	return out
}
