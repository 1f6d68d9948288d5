package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/results"
)

// TestCrossCheckToleranceAtGPUSpeeds uses figures measured on an H200
// (Ollama, qwen3-moe medium): a 12.6 ms client TTFT against 10.5 ms of prompt
// evaluation is +20% but 2.1 ms, which is HTTP, not a disagreement.
func TestCrossCheckToleranceAtGPUSpeeds(t *testing.T) {
	check := func(clientTTFT, latency, clientTput float64, server engine.ServerTimings) string {
		var r results.Result
		crossCheck(&r, Metrics{TTFTS: clientTTFT, LatencyS: latency, OutputThroughput: clientTput}, []engine.ServerTimings{server})
		return r.TimingCheck
	}
	gpu := engine.ServerTimings{PromptEval: 10500 * time.Microsecond, EvalCount: 64, Eval: 100 * time.Millisecond}
	if got := check(0.0126, 0.0126+0.1, 640, gpu); got != "agree" {
		t.Fatalf("2.1 ms on a 10.5 ms TTFT must agree: %s", got)
	}
	if got := check(0.0205, 0.0205+0.1, 640, gpu); !strings.Contains(got, "TTFT +95%") || !strings.Contains(got, "likely right for users") {
		t.Fatalf("10 ms more than the engine's prefill is flagged, the client side named: %s", got)
	}
	if got := check(0.004, 0.104, 640, gpu); !strings.Contains(got, "TTFT -62%") || !strings.Contains(got, "counts more") {
		t.Fatalf("a client TTFT below the engine's: %s", got)
	}
	cpu := engine.ServerTimings{PromptEval: 7 * time.Second, EvalCount: 64, Eval: 4 * time.Second} // 16 tok/s
	if got := check(7.0, 7.0+2.9, 22, cpu); !strings.Contains(got, "output throughput +38%") || !strings.Contains(got, "client likely right") {
		t.Fatalf("a decode window 1.1 s shorter than the engine's is flagged: %s", got)
	}
	slow := engine.ServerTimings{PromptEval: 10 * time.Millisecond, EvalCount: 4, Eval: 4 * time.Millisecond} // 1000 tok/s
	if got := check(0.010, 0.010+0.0048, 833, slow); got != "agree" {
		t.Fatalf("-17%% of a 4 ms decode window is 0.8 ms: %s", got)
	}
}
