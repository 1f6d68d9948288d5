package load

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/sweep"
)

// scripted is a client whose streams are given: request i gets streams[i%len].
// The SLO arithmetic needs exact inter-token gaps, which a live server cannot
// promise on a shared machine.
type scripted struct {
	mu      sync.Mutex
	n       int
	streams [][]engine.Arrival
}

func (c *scripted) Generate(_ context.Context, req engine.GenerateRequest) (*engine.Stream, error) {
	c.mu.Lock()
	arr := c.streams[c.n%len(c.streams)]
	c.n++
	c.mu.Unlock()
	last := arr[len(arr)-1]
	return &engine.Stream{Tic: time.Now(), End: last.At, Arrivals: [][]engine.Arrival{arr}, Output: []int{last.Tokens}}, nil
}
func (c *scripted) Ready(context.Context) error { return nil }
func (c *scripted) Flush(context.Context) error { return nil }
func (c *scripted) ServerInfo(context.Context) (engine.ServerInfo, error) {
	return engine.ServerInfo{}, nil
}
func (c *scripted) StartProfile(context.Context, engine.ProfileRequest) error { return nil }
func (c *scripted) StopProfile(context.Context) error                         { return nil }

const ms = time.Millisecond

// stalled: first token at 10 ms, 9 tokens 5 ms apart, then one 100 ms stall.
// TPOT (155-10)/10 = 14.5 ms; worst inter-token latency 100 ms.
func stalled() []engine.Arrival {
	arr := []engine.Arrival{{At: 10 * ms, Tokens: 1}}
	for i := 2; i <= 10; i++ {
		arr = append(arr, engine.Arrival{At: arr[len(arr)-1].At + 5*ms, Tokens: i})
	}
	return append(arr, engine.Arrival{At: arr[len(arr)-1].At + 100*ms, Tokens: 11})
}

// smooth: first token at 10 ms, then 10 tokens 14.5 ms apart (the same TPOT).
func smooth() []engine.Arrival {
	arr := []engine.Arrival{{At: 10 * ms, Tokens: 1}}
	for i := 2; i <= 11; i++ {
		arr = append(arr, engine.Arrival{At: arr[len(arr)-1].At + 14500*time.Microsecond, Tokens: i})
	}
	return arr
}

func goodCount(t *testing.T, slo *sweep.SLO) float64 {
	t.Helper()
	c := &scripted{streams: [][]engine.Arrival{stalled(), smooth()}}
	r := Run(context.Background(), c, sweep.LoadProfile{Concurrency: 1, Requests: 4}, 8, 11, slo, 1, 1)
	if r.Completed != 4 || r.Failed != 0 || r.Goodput == nil {
		t.Fatalf("%+v", r)
	}
	return math.Round(*r.Goodput * r.DurationS)
}

// TestGoodputITLComparesInterTokenLatencies: itl_ms bounds every per-token
// gap of a request (the stalled stream misses 50 ms, the smooth one meets
// it), while tpot_ms bounds the mean (both streams have a 14.5 ms TPOT).
func TestGoodputITLComparesInterTokenLatencies(t *testing.T) {
	for _, tc := range []struct {
		slo  sweep.SLO
		good float64
	}{
		{sweep.SLO{ITLMs: 50}, 2},  // the stall of 100 ms fails the stalled requests
		{sweep.SLO{ITLMs: 120}, 4}, // no gap above 120 ms
		{sweep.SLO{ITLMs: 10}, 0},  // smooth gaps are 14.5 ms
		{sweep.SLO{TPOTMs: 20}, 4}, // TPOT 14.5 ms for both
		{sweep.SLO{TPOTMs: 14}, 0}, // ... which misses 14 ms
		{sweep.SLO{TTFTMs: 5}, 0},  // first token at 10 ms
		{sweep.SLO{TTFTMs: 20, ITLMs: 50, TPOTMs: 20}, 2},
	} {
		if got := goodCount(t, &tc.slo); got != tc.good {
			t.Errorf("SLO %+v: %v good requests, want %v", tc.slo, got, tc.good)
		}
	}
}

// TestPerTokenGaps: an update carrying k tokens counts as k gaps of a k-th
// of its wait; an update carrying none moves nothing.
func TestPerTokenGaps(t *testing.T) {
	arr := []engine.Arrival{{At: 10 * ms, Tokens: 1}, {At: 30 * ms, Tokens: 3}, {At: 35 * ms, Tokens: 3}, {At: 40 * ms, Tokens: 4}}
	got := tokenGaps(arr)
	want := []time.Duration{10 * ms, 10 * ms, 10 * ms}
	if len(got) != len(want) {
		t.Fatalf("gaps %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("gaps %v, want %v", got, want)
		}
	}
	c := &scripted{streams: [][]engine.Arrival{arr}}
	r := Run(context.Background(), c, sweep.LoadProfile{Concurrency: 1, Requests: 2}, 8, 4, &sweep.SLO{ITLMs: 15}, 1, 1)
	if r.ITLMs.P99 != 10 || r.ITLMs.P50 != 10 {
		t.Fatalf("ITL %+v, want 10 ms per token", r.ITLMs)
	}
	if math.Round(*r.Goodput*r.DurationS) != 2 {
		t.Fatalf("a 20 ms update of two tokens is two 10 ms gaps, within 15 ms: goodput %v", *r.Goodput)
	}
}
