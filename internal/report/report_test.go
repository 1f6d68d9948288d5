package report

import (
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
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
	meta := rundir.Meta{GPULabel: "x", GPUHourPrice: 2, Configs: []plan.Config{
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

func TestBudgetObjective(t *testing.T) {
	cfg := func(id string, tp int) plan.Config {
		return plan.Config{ID: id, ModelKey: "m", Model: "org/m", TP: tp, GPUs: tp, Variant: plan.VariantName(tp, ""),
			Cases: []plan.Case{{BatchSize: 1, InputLen: 8, OutputLen: 8}}}
	}
	// TP8 is fastest but costs $30/1M; TP4 costs $12/1M; the budget is $20/1M.
	mk := func(id string, itl, cost float64, rep int) results.Result {
		r := row(id, 1000/itl)
		r.ITLMs, r.OutputCostPer1M, r.Repeat = f(itl), f(cost), rep
		return r
	}
	var rows []results.Result
	for rep := 0; rep < 3; rep++ {
		d := float64(rep) * 0.01
		rows = append(rows, mk("tp8", 6+d, 30, rep), mk("tp4", 9+d, 12+d, rep), mk("tp2", 15+d, 10, rep))
	}
	meta := rundir.Meta{Repeats: 3, CostBudget: 20, Configs: []plan.Config{cfg("tp8", 8), cfg("tp4", 4), cfg("tp2", 2)}}
	rep := Build(meta, rows, nil, LinkOptions{})
	got := map[string]Recommendation{}
	for _, r := range rep.Recommendations {
		got[r.Objective] = r
	}
	if got["itl"].Winner != "tp8" || !got["itl"].Significant {
		t.Fatalf("itl: %+v", got["itl"])
	}
	if b := got["budget"]; b.Winner != "tp4" || b.RunnerUp != "tp2" || !strings.Contains(b.Reason, "within the $20.00/1M output budget") {
		t.Fatalf("budget: %+v", b)
	}
	if got["cost"].Winner != "tp2" {
		t.Fatalf("cost: %+v", got["cost"])
	}
	if p := got["itl"].Pareto; len(p) != 3 {
		t.Fatalf("all three trade speed for cost: %v", p)
	}
}
