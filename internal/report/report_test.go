package report

import (
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/runner"
)

func TestTraceLinksLikeTheSeed(t *testing.T) {
	rel := "ds--TP8/traces/bs1-in4096-out512-1.0-TP-0-EXTEND.trace.json.gz"
	if got := (LinkOptions{RunDir: "/runs/a"}).TraceLink(rel); got != "/runs/a/"+rel {
		t.Fatalf("local: %s", got)
	}
	raw := LinkOptions{TraceBaseURL: "https://example.org/traces/run1/"}.TraceLink(rel)
	if raw != "https://example.org/traces/run1/"+rel {
		t.Fatalf("raw: %s", raw)
	}
	relay := LinkOptions{TraceBaseURL: "https://example.org/traces/run1", PerfettoRelayURL: "https://example.org/relay.html"}.TraceLink(rel)
	want := "https://example.org/relay.html?src=https%3A%2F%2Fexample.org%2Ftraces%2Frun1%2Fds--TP8%2Ftraces%2Fbs1-in4096-out512-1.0-TP-0-EXTEND.trace.json.gz"
	if relay != want {
		t.Fatalf("relay:\n got %s\nwant %s", relay, want)
	}
}

func f(v float64) *float64 { return &v }

func row(id string, tput float64) results.Result {
	return results.Result{ConfigID: id, Status: "ok", BatchSize: 1, InputLen: 8, OutputLen: 8,
		LatencyS: f(1), TTFTS: f(0.1), InputThroughput: f(80), OutputThroughput: f(tput), ITLMs: f(1000 / tput),
		InputCostPer1M: f(1), OutputCostPer1M: f(2)}
}

func TestRankingGapsAndKnobs(t *testing.T) {
	cfg := func(id string, tp int, be string) plan.Config {
		return plan.Config{ID: id, ModelKey: "m", Model: "org/m", ModelName: "M", TP: tp, MoEBackend: be, GPUs: tp,
			Variant: plan.VariantName(tp, be), Cases: []plan.Case{{BatchSize: 1, InputLen: 8, OutputLen: 8}}}
	}
	meta := runner.Meta{GPULabel: "x", GPUHourPrice: 2, Configs: []plan.Config{
		cfg("a", 4, "trtllm"), cfg("b", 8, "trtllm"), cfg("c", 8, "cutlass"), cfg("d", 4, "cutlass")}}
	fail := row("d", 1)
	fail.Status, fail.FailureKind = "failed", "oom"
	rep := Build(meta, []results.Result{row("a", 100), row("b", 150), row("c", 120), fail}, nil, LinkOptions{})
	m := rep.Rankings[0]
	if m.Best != "b" || m.BestLabel != "TP8 + trtllm" || len(m.Ranked) != 3 || m.Failed[0] != "TP4 + cutlass" {
		t.Fatalf("ranking %+v", m)
	}
	if g := m.Ranked[2].GapPct; g < 33.3 || g > 33.4 {
		t.Fatalf("gap of 100 vs 150 is 33.3%%, got %v", g)
	}
	if len(m.Knobs) != 2 || m.Knobs[0].Knob != "TP" || m.Knobs[0].Best != "TP8" {
		t.Fatalf("knobs %+v", m.Knobs)
	}
	var b strings.Builder
	rep.Markdown(&b)
	md := b.String()
	for _, s := range []string{"**3 passed, 1 failed**", "- M: TP8 + trtllm", "| 1 | 8 | failed (oom) |", "-33.3%"} {
		if !strings.Contains(md, s) {
			t.Fatalf("markdown lacks %q:\n%s", s, md)
		}
	}
}
