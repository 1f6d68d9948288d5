package report

import (
	"math"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
	"github.com/servesweep/servesweep/internal/sweep"
)

// points builds load points of one configuration: throughput per level.
func points(id string, tput map[int]float64) []LoadPoint {
	var out []LoadPoint
	for c, t := range tput {
		out = append(out, LoadPoint{ConfigID: id, Concurrency: c, OutputTokS: t, TPOTMs: 1000 / t * float64(c)})
	}
	return out
}

func TestCrossoverOnSyntheticLadders(t *testing.T) {
	twin := points("base", map[int]float64{1: 100, 8: 700, 16: 1300, 64: 4000, 128: 6000})
	spec := points("spec", map[int]float64{1: 200, 8: 1050, 16: 1560, 64: 3200, 128: 4200, 256: 9999}) // 256: no twin point
	x := Crossover(spec, twin)
	if len(x.Levels) != 5 || x.LastPays != 16 || x.FirstLoses != 64 || !x.Monotone {
		t.Fatalf("%+v", x)
	}
	// The crossover lies between the two levels, where the speedup
	// interpolated on log scales is 1.
	a, b := x.Levels[2], x.Levels[3]
	if x.Crossover <= 16 || x.Crossover >= 64 {
		t.Fatalf("crossover %v", x.Crossover)
	}
	frac := math.Log(x.Crossover/16) / math.Log(64.0/16)
	if s := math.Exp(math.Log(a.Speedup) + frac*(math.Log(b.Speedup)-math.Log(a.Speedup))); math.Abs(s-1) > 1e-9 {
		t.Fatalf("speedup at the crossover %v", s)
	}
	if !strings.Contains(x.Verdict, "pays up to 16 (1.20×), loses from 64 (0.80×)") {
		t.Fatalf("%s", x.Verdict)
	}
	// Always paying, never paying, paying again after losing, nothing in common.
	if x := Crossover(points("s", map[int]float64{1: 3, 2: 5}), points("b", map[int]float64{1: 1, 2: 2})); x.LastPays != 2 || x.FirstLoses != 0 || !strings.Contains(x.Verdict, "every measured level") {
		t.Fatalf("%+v", x)
	}
	if x := Crossover(points("s", map[int]float64{1: 1, 2: 1}), points("b", map[int]float64{1: 2, 2: 2})); x.FirstLoses != 1 || x.LastPays != 0 || !strings.Contains(x.Verdict, "loses at every") {
		t.Fatalf("%+v", x)
	}
	if x := Crossover(points("s", map[int]float64{1: 3, 2: 1, 4: 3, 8: 1}), points("b", map[int]float64{1: 2, 2: 2, 4: 2, 8: 2})); x.Monotone || x.LastPays != 4 || x.FirstLoses != 8 || !strings.Contains(x.Verdict, "not monotone") {
		t.Fatalf("%+v", x)
	}
	if x := Crossover(points("s", map[int]float64{1: 3}), points("b", map[int]float64{2: 2})); len(x.Levels) != 0 || x.Verdict == "" {
		t.Fatalf("%+v", x)
	}
}

func specCfg(id string, tp int, params map[string]string, args ...string) plan.Config {
	return plan.Config{ID: id, ModelKey: "m", Model: "org/m", ModelName: "M", TP: tp, GPUs: tp, Engine: "sglang", Variant: id, Params: params, Args: args}
}

func TestSpecTwins(t *testing.T) {
	cfgs := []plan.Config{
		specCfg("none-steps3", 1, map[string]string{"--speculative-algorithm": "none", "--speculative-num-steps": "3"}, "--speculative-algorithm", "none", "--speculative-num-steps", "3"),
		specCfg("none", 1, map[string]string{"--speculative-algorithm": "none"}, "--speculative-algorithm", "none"),
		specCfg("eagle", 1, map[string]string{"--speculative-algorithm": "EAGLE", "--speculative-num-steps": "3"}, "--speculative-algorithm", "EAGLE", "--speculative-num-steps", "3"),
		specCfg("eagle-tp2", 2, map[string]string{"--speculative-algorithm": "EAGLE"}, "--speculative-algorithm", "EAGLE"),
		specCfg("eagle-page", 1, map[string]string{"--speculative-algorithm": "EAGLE", "--page-size": "64"}, "--speculative-algorithm", "EAGLE", "--page-size", "64"),
	}
	twins, algos := SpecTwins(cfgs)
	if twins["eagle"] != "none" || algos["eagle"] != "EAGLE" || len(twins) != 1 {
		t.Fatalf("twins %v algos %v", twins, algos)
	}
	// A vLLM configuration pairs by its --speculative-config.
	v := []plan.Config{{ID: "v0", ModelKey: "m", TP: 1, Engine: "vllm"},
		{ID: "v1", ModelKey: "m", TP: 1, Engine: "vllm", Params: map[string]string{"--speculative-config": `{"method":"ngram","num_speculative_tokens":3}`}, Args: []string{"--speculative-config", `{"method":"ngram","num_speculative_tokens":3}`}}}
	if tw, al := SpecTwins(v); tw["v1"] != "v0" || al["v1"] != "ngram" {
		t.Fatalf("%v %v", tw, al)
	}
}

// TestSpeculativeSectionFromBatchCases: batch sizes are load levels today.
func TestSpeculativeSectionFromBatchCases(t *testing.T) {
	base := specCfg("m--TP1_speculative-algorithm=none", 1, map[string]string{"--speculative-algorithm": "none"}, "--speculative-algorithm", "none")
	spec := specCfg("m--TP1_speculative-algorithm=EAGLE", 1, map[string]string{"--speculative-algorithm": "EAGLE"}, "--speculative-algorithm", "EAGLE")
	spec.ExpectEffective = map[string]string{"max_running_requests": "48"}
	var rs []results.Result
	add := func(id string, bs int, tput float64, acc *float64) {
		r := row(id, tput)
		r.BatchSize, r.AccLength = bs, acc
		rs = append(rs, r)
	}
	for bs, t := range map[int][2]float64{1: {100, 190}, 16: {1200, 1500}, 64: {3000, 2500}} {
		add(base.ID, bs, t[0], nil)
		add(spec.ID, bs, t[1], f(2.5))
	}
	rep := Build(rundir.Meta{Configs: []plan.Config{base, spec}}, rs, nil, LinkOptions{})
	rep.Load = []load.Result{{ConfigID: spec.ID, InputLen: 8, OutputLen: 8, Profile: sweep.LoadProfile{Concurrency: 4}, OutputThroughput: 50},
		{ConfigID: base.ID, InputLen: 8, OutputLen: 8, Profile: sweep.LoadProfile{Concurrency: 4}, OutputThroughput: 40}}
	rep.addSpeculative()
	if len(rep.Speculative) != 2 {
		t.Fatalf("%+v", rep.Speculative)
	}
	b := rep.Speculative[0]
	if b.Level != "batch size" || b.Twin != base.ID || b.LastPays != 16 || b.FirstLoses != 64 || *b.AcceptLength != 2.5 || !strings.Contains(b.Note, "at most 48") {
		t.Fatalf("%+v", b)
	}
	if c := rep.Speculative[1]; c.Level != "concurrency" || c.LastPays != 4 || c.Note != "" {
		t.Fatalf("%+v", c)
	}
	var md strings.Builder
	rep.Markdown(&md)
	for _, want := range []string{"### Speculative decoding: does it still pay?", "accept length 2.50", "| 64 | 2500.00 | 3000.00 | 0.83× |", "loses from 64 (0.83×): crossover ≈"} {
		if !strings.Contains(md.String(), want) {
			t.Fatalf("markdown lacks %q:\n%s", want, md.String())
		}
	}
}
