package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
)

func TestRanAsNamesWhatRan(t *testing.T) {
	cfg := func(id, engine, be string, args ...string) plan.Config {
		return plan.Config{ID: id, ModelKey: "m", Model: "org/m", ModelName: "M", TP: 8, MoEBackend: be, GPUs: 8, Engine: engine, Args: args,
			Variant: plan.VariantName(8, be), Cases: []plan.Case{{BatchSize: 1, InputLen: 8, OutputLen: 8}}}
	}
	log := `server log: "Fp8MoEMethod has no FLASHINFER_CUTLASS path; using triton for its fp8 experts."`
	servers := map[string]results.Server{
		"cut": {ConfigID: "cut", Status: "ok", Effective: map[string]any{"moe_runner_backend": "triton", "tp_size": 8.0},
			EffectiveWarnings: []string{"moe_runner_backend: asked flashinfer_cutlass, ran triton", log}},
		"trt": {ConfigID: "trt", Status: "ok", Effective: map[string]any{"moe_runner_backend": "flashinfer_trtllm", "tp_size": 8.0}},
		"kv": {ConfigID: "kv", Status: "ok", Effective: map[string]any{"moe_runner_backend": "deep_gemm", "kv_cache_dtype": "auto", "tp_size": 4.0},
			EffectiveWarnings: []string{"kv_cache_dtype: asked fp8_e4m3, ran auto"}},
		"vl": {ConfigID: "vl", Status: "ok", Effective: map[string]any{"moe_backend": "triton", "tensor_parallel_size": 8}},
	}
	meta := rundir.Meta{GPULabel: "h200", GPUHourPrice: 2, Configs: []plan.Config{
		cfg("cut", "sglang", "flashinfer_cutlass"), cfg("trt", "sim", "flashinfer_trtllm"),
		cfg("kv", "sglang", "deep_gemm", "--kv-cache-dtype", "fp8_e4m3"), cfg("vl", "vllm", "flashinfer_cutlass")}}
	rep := Build(meta, []results.Result{row("cut", 120), row("trt", 100), row("kv", 90), row("vl", 125)}, servers, LinkOptions{})
	by := map[string]ConfigReport{}
	for _, c := range rep.Configs {
		by[c.ID] = c
	}
	want := `ran as: moe_runner_backend=triton (asked flashinfer_cutlass) — server log: "Fp8MoEMethod has no FLASHINFER_CUTLASS path; using triton for its fp8 experts."`
	if r := by["cut"].RanAs; r == nil || r.Line != want || r.Label != "triton MoE" || by["cut"].Display != "TP8 + flashinfer_cutlass (ran as triton MoE)" {
		t.Fatalf("%+v %q", r, by["cut"].Display)
	}
	if by["trt"].RanAs != nil || by["trt"].Display != "TP8 + flashinfer_trtllm" {
		t.Fatalf("ran as asked: %+v", by["trt"].RanAs)
	}
	if r := by["kv"].RanAs; r == nil || r.Label != "kv_cache_dtype=auto, TP4" || r.Evidence != "" ||
		r.Line != "ran as: kv_cache_dtype=auto (asked fp8_e4m3), tp_size=4 (asked 8)" {
		t.Fatalf("%+v", r)
	}
	if r := by["vl"].RanAs; r == nil || r.Label != "triton MoE" {
		t.Fatalf("vLLM names its settings its own way: %+v", r)
	}
	var b strings.Builder
	rep.Markdown(&b)
	md := b.String()
	for _, s := range []string{"\n" + want + "\n", "- M: TP8 + flashinfer_cutlass (ran as triton MoE)",
		"**moe backend** mattered most: triton (asked flashinfer_cutlass) → 122.5 tok/s"} {
		if !strings.Contains(md, s) {
			t.Fatalf("missing %q in\n%s", s, md)
		}
	}
	var js strings.Builder
	rep.JSON(&js)
	var doc struct {
		Configs []struct {
			ID    string `json:"id"`
			RanAs *RanAs `json:"ran_as"`
		} `json:"configs"`
	}
	if err := json.Unmarshal([]byte(js.String()), &doc); err != nil || doc.Configs[0].RanAs.Line != want || doc.Configs[1].RanAs != nil {
		t.Fatalf("report.json: %v %+v", err, doc.Configs)
	}
}

func TestNoRanAsWithoutEffectiveConfiguration(t *testing.T) {
	c := plan.Config{ID: "a", Engine: "sglang", TP: 8, MoEBackend: "flashinfer_cutlass"}
	for _, s := range []*results.Server{nil, {}, {Effective: map[string]any{"version": "0.5"}}} {
		if r := ranAs(c, s); r != nil {
			t.Fatalf("%+v: %+v", s, r)
		}
	}
	if r := ranAs(plan.Config{Engine: "nope", MoEBackend: "x"}, &results.Server{Effective: map[string]any{"moe_runner_backend": "y"}}); r != nil {
		t.Fatal("an unknown engine has no rule to compare by")
	}
}
