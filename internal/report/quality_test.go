package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/quality"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
)

// qualityRun is three configurations of one model: f16 (the reference),
// q8 (agrees) and q4 — the fastest, but its greedy outputs diverge.
func qualityRun() (rundir.Meta, []results.Result, []quality.Record) {
	cfg := func(id, q string) plan.Config {
		return plan.Config{ID: id, ModelKey: "m", Model: "org/m", ModelName: "M", TP: 1, GPUs: 1, Variant: q,
			Params: map[string]string{"--quantization": q}, Cases: []plan.Case{{BatchSize: 1, InputLen: 8, OutputLen: 8}}}
	}
	meta := rundir.Meta{RunID: "r", GPULabel: "x", GPUHourPrice: 2, Configs: []plan.Config{cfg("m--f16", "f16"), cfg("m--q8", "q8_0"), cfg("m--q4", "q4_K_M")}}
	out := func(ids ...int) []quality.Output {
		return []quality.Output{{Prompt: 0, IDs: ids, Source: quality.SourceEngine}}
	}
	rec := func(id string, o []quality.Output) quality.Record {
		return quality.Record{ConfigID: id, ModelKey: "m", Reference: "m--f16", MinAgreement: 0.9, PromptSet: "p", MaxTokens: 8, Outputs: o}
	}
	recs := []quality.Record{rec("m--f16", out(1, 2, 3, 4, 5, 6, 7, 8)), rec("m--q8", out(1, 2, 3, 4, 5, 6, 7, 8)), rec("m--q4", out(1, 2, 3, 9, 9, 9, 9, 9))}
	return meta, []results.Result{row("m--f16", 100), row("m--q8", 150), row("m--q4", 200)}, recs
}

func TestFlaggedConfigurationIsNeverRecommended(t *testing.T) {
	meta, rs, recs := qualityRun()
	rep := build(meta, rs, nil, LinkOptions{})
	rep.setQuality(recs)
	rep.recommend()
	q4 := rep.Configs[2].Quality
	if q4 == nil || !q4.Flagged || *q4.Agreement != 3.0/8 || *q4.FirstDivergence != 3 || q4.Reference != "m--f16" {
		t.Fatalf("q4 verdict %+v", q4)
	}
	if q8 := rep.Configs[1].Quality; q8.Flagged || *q8.Agreement != 1 || q8.FirstDivergence != nil {
		t.Fatalf("q8 verdict %+v", q8)
	}
	if len(rep.Recommendations) == 0 {
		t.Fatal("no recommendation")
	}
	for _, rec := range rep.Recommendations {
		if rec.Winner == "m--q4" || rec.RunnerUp == "m--q4" {
			t.Fatalf("%s: the flagged configuration is recommended: %+v", rec.Objective, rec)
		}
		if !strings.Contains(rec.Reason, "quality guard flagged TP1 + quantization=q4_K_M (token agreement 37.5% with m--f16 is below min_agreement 90.0%)") {
			t.Fatalf("the reason does not say why q4 is left out: %s", rec.Reason)
		}
	}
	// Without the guard the fastest configuration wins: the exclusion is what changed it.
	plain := Build(meta, rs, nil, LinkOptions{})
	if plain.Recommendations[0].Winner != "m--q4" {
		t.Fatalf("without quality records the winner is %s", plain.Recommendations[0].Winner)
	}
	var b strings.Builder
	rep.Markdown(&b)
	md := b.String()
	for _, want := range []string{"### Quality guard", "| M | TP1 + quantization=q4_K_M | TP1 + quantization=f16 | 37.5% | token 3 | - | ⚠ flagged: token agreement 37.5%",
		"| M | TP1 + quantization=f16 | (reference) | 100.0% | none |", "**⚠ Not recommended: token agreement 37.5%", "- M: TP1 + quantization=q8_0"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// report --format json carries configs[].quality {reference, agreement, first_divergence}.
func TestQualityJSONContract(t *testing.T) {
	meta, rs, recs := qualityRun()
	dir := t.TempDir()
	write := func(name string, vs []any) {
		var b []byte
		for _, v := range vs {
			l, _ := json.Marshal(v)
			b = append(append(b, l...), '\n')
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	if err := rundir.WriteMeta(dir, &meta); err != nil {
		t.Fatal(err)
	}
	write(rundir.ResultsFile, []any{rs[0], rs[1], rs[2]})
	write(quality.File, []any{recs[0], recs[1], recs[2]})
	rep, err := Load(dir, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.JSON(&b)
	var doc struct {
		Configs []struct {
			ID      string                     `json:"id"`
			Quality map[string]json.RawMessage `json:"quality"`
		} `json:"configs"`
	}
	if err := json.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatal(err)
	}
	q4 := doc.Configs[2].Quality
	if string(q4["reference"]) != `"m--f16"` || string(q4["agreement"]) != "0.375" || string(q4["first_divergence"]) != "3" || string(q4["flagged"]) != "true" {
		t.Fatalf("q4 quality %v", q4)
	}
	if ref := doc.Configs[0].Quality; string(ref["agreement"]) != "1" || string(ref["first_divergence"]) != "null" {
		t.Fatalf("reference quality %v", ref)
	}
}
