package bench

import (
	"math"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func stream(ttft []time.Duration, end time.Duration) *engine.Stream {
	s := &engine.Stream{End: end}
	for _, t := range ttft {
		s.Arrivals = append(s.Arrivals, []engine.Arrival{{At: t, Tokens: 1}, {At: end, Tokens: 2}})
	}
	return s
}

func TestComputeFollowsBenchOneBatchServer(t *testing.T) {
	// Two requests; the last first token arrives at 0.5 s; the stream ends at 2.5 s.
	s := stream([]time.Duration{300 * time.Millisecond, 500 * time.Millisecond}, 2500*time.Millisecond)
	m := Compute(2, 1000, 100, s, 1)
	if !near(m.TTFTS, 0.5) || !near(m.LatencyS, 2.5) {
		t.Fatalf("ttft %v latency %v", m.TTFTS, m.LatencyS)
	}
	if !near(m.InputThroughput, 2*1000/0.5) || !near(m.OutputThroughput, 2*100/2.0) || !near(m.OverallThroughput, 2*1100/2.5) {
		t.Fatalf("throughputs %+v", m)
	}
	if !near(m.ITLMs, 1000*2/m.OutputThroughput) {
		t.Fatalf("ITL %v", m.ITLMs)
	}
	// A simulated server at time scale 0.1 reports modelled time.
	ms := Compute(2, 1000, 100, s, 0.1)
	if !near(ms.LatencyS, 25) || !near(ms.TTFTS, 5) {
		t.Fatalf("scaled %+v", ms)
	}
}

func TestCostUsesGPUs(t *testing.T) {
	// The seed's example row: 102.90 tok/s out, 21040.18 in, priced at $2 × 1 GPU → 5.40 and 0.04.
	m := Metrics{InputThroughput: 21040.18, OutputThroughput: 102.90}
	c := Cost(m, 2, 1)
	if math.Round(c.OutputPer1M*100)/100 != 5.40 || math.Round(c.InputPer1M*100)/100 != 0.04 {
		t.Fatalf("seed row: %+v", c)
	}
	c4 := Cost(m, 2, 4)
	if !near(c4.OutputPer1M, 4*c.OutputPer1M) || !near(c4.InputPer1M, 4*c.InputPer1M) {
		t.Fatalf("cost must scale with GPUs: %+v vs %+v", c4, c)
	}
}

func TestRandomPromptsFreshPerSeed(t *testing.T) {
	a := RandomPrompts(1, 2, 64)
	b := RandomPrompts(2, 2, 64)
	if len(a) != 2 || len(a[0]) != 64 {
		t.Fatalf("shape %d×%d", len(a), len(a[0]))
	}
	same := 0
	for i := range a[0] {
		if a[0][i] == b[0][i] {
			same++
		}
		if a[0][i] < 0 || a[0][i] >= PromptVocab {
			t.Fatalf("token %d out of range", a[0][i])
		}
	}
	if same > 8 {
		t.Fatalf("prompts of different seeds share %d of 64 tokens", same)
	}
}

func TestIsOOM(t *testing.T) {
	for _, s := range []string{"torch.OutOfMemoryError: CUDA out of memory.", "RuntimeError: Not enough memory. Please try to increase --mem-fraction-static."} {
		if !IsOOM(s) {
			t.Fatalf("%q is an OOM", s)
		}
	}
	if IsOOM("Traceback: RuntimeError: illegal memory access") {
		t.Fatal("false positive")
	}
}
