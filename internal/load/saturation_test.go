package load

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/sweep"
)

func rung(conc int, rate, thr, ttft float64) Result {
	return Result{Profile: sweep.LoadProfile{Concurrency: conc, Rate: rate, Ladder: 1}, Completed: 10, OutputThroughput: thr, TTFTMs: Percentiles{P50: ttft}}
}

// TestJudgeSyntheticCurves: queueing growth needs both a flat throughput
// and a rising TTFT; a rate rung is saturated by a shortfall alone.
func TestJudgeSyntheticCurves(t *testing.T) {
	for _, c := range []struct {
		name      string
		prev, cur Result
		want      string
	}{
		{"linear scaling", rung(4, 0, 400, 20), rung(8, 0, 790, 22), ""},
		{"flat throughput, flat TTFT (decode-bound, no queue)", rung(4, 0, 400, 20), rung(8, 0, 410, 24), ""},
		{"rising TTFT, rising throughput (bigger prefill batches)", rung(4, 0, 400, 20), rung(8, 0, 700, 60), ""},
		{"TTFT ×10 while throughput +25%", rung(2, 0, 236, 5), rung(4, 0, 295, 52.8), "output throughput 236 → 295"},
		{"TTFT ×1.9 while throughput +30% (no queue yet)", rung(2, 0, 236, 5), rung(4, 0, 307, 9.5), ""},
		{"queueing: throughput +5%, TTFT ×3", rung(4, 0, 400, 20), rung(8, 0, 420, 60), "output throughput 400 → 420 tok/s (×1.05) while TTFT p50 20 → 60 ms (×3.00) for ×2 load"},
		{"throughput falls, TTFT ×1.5 at ×2", rung(64, 0, 1000, 100), rung(128, 0, 900, 150), "output throughput 1e+03 → 900"},
		{"just below the TTFT threshold", rung(1, 0, 100, 10), rung(4, 0, 100, 19.9), ""},
	} {
		prev := c.prev
		got := Judge(&prev, c.cur)
		if (c.want == "") != (got == "") || !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	cur := rung(0, 8, 100, 10)
	cur.OfferedRate, cur.AchievedRate = 8, 6.4
	if got := Judge(nil, cur); !strings.HasPrefix(got, "achieved 6.4 req/s of 8 offered (80%, below 85%)") {
		t.Errorf("shortfall: %q", got)
	}
	cur.AchievedRate = 7.2
	if got := Judge(nil, cur); got != "" {
		t.Errorf("90%% of the offered rate is keeping up: %q", got)
	}
}

// TestRatesRobustToLatencyNoise: latency noise does not read as a
// shortfall; a server finishing at a fixed pace below the offered one does.
func TestRatesRobustToLatencyNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Unix(1000, 0)
	var keep, sat []timing
	for i := range 60 {
		sent := t0.Add(time.Duration(i) * 100 * time.Millisecond) // 10 req/s offered
		e2e := time.Duration(rng.Float64() * float64(2*time.Second))
		keep = append(keep, timing{sent: sent, done: sent.Add(e2e), ok: true})
		sat = append(sat, timing{sent: sent, done: t0.Add(time.Duration(i+1) * 200 * time.Millisecond), ok: i%7 != 3}) // 5 req/s served
	}
	off, ach, ok := rates(keep)
	if !ok || off < 9.99 || off > 10.01 || ach < MinAchievedFraction*off {
		t.Errorf("keeping up with 0–2 s latencies: offered %.2f, achieved %.2f", off, ach)
	}
	off, ach, ok = rates(sat)
	if !ok || ach < 4.9 || ach > 5.1 {
		t.Errorf("served at 5/s of 10/s: offered %.2f, achieved %.2f", off, ach)
	}
	if _, _, ok := rates(sat[:3]); ok {
		t.Error("three requests are too few to judge")
	}
}

// slots is a server of n slots: a request waits for a free slot, then
// streams outLen tokens step apart — it saturates past n concurrent requests.
type slots struct {
	scripted
	sem  chan struct{}
	step time.Duration
}

func newSlots(n int, step time.Duration) *slots {
	return &slots{sem: make(chan struct{}, n), step: step}
}

func (s *slots) Generate(ctx context.Context, req engine.GenerateRequest) (*engine.Stream, error) {
	tic := time.Now()
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.sem }()
	var arr []engine.Arrival
	for k := 1; k <= req.OutputLen; k++ {
		time.Sleep(s.step)
		arr = append(arr, engine.Arrival{At: time.Since(tic), Tokens: k})
	}
	return &engine.Stream{Tic: tic, End: time.Since(tic), Arrivals: [][]engine.Arrival{arr}, Output: []int{req.OutputLen}}, nil
}

// TestLadderStopsAtSaturation: a concurrency ladder over a two-slot server
// climbs 1 and 2, is saturated at 4 and again at 8 (confirmed), and does
// not run 16.
func TestLadderStopsAtSaturation(t *testing.T) {
	c := newSlots(2, 5*time.Millisecond)
	l := NewLadder()
	var got []Result
	for _, conc := range []int{1, 2, 4, 8, 16} {
		p := sweep.LoadProfile{Concurrency: conc, Requests: 4 * conc, Ladder: 1}
		r, skip := l.Skip(p, 8, 10)
		if !skip {
			r = l.Run(context.Background(), c, p, 8, 10, nil, 2, 1)
		}
		got = append(got, r)
	}
	for i, r := range got[:4] {
		if r.NotRun != "" || r.Completed != r.Profile.Requests {
			t.Fatalf("rung %d must run: %+v", i, r)
		}
	}
	if got[1].Saturated != "" || got[2].Saturated == "" || got[3].Saturated == "" {
		t.Fatalf("saturated at 2: %q, at 4: %q, at 8: %q (throughput %.0f → %.0f, TTFT %.1f → %.1f ms)", got[1].Saturated, got[2].Saturated, got[3].Saturated,
			got[1].OutputThroughput, got[2].OutputThroughput, got[1].TTFTMs.P50, got[2].TTFTMs.P50)
	}
	for _, r := range got[4:] {
		if !strings.HasPrefix(r.NotRun, "saturated at concurrency 4 and concurrency 8: output throughput") || r.Completed != 0 {
			t.Fatalf("rung %d: not run %q, %d completed", r.Profile.Concurrency, r.NotRun, r.Completed)
		}
	}
	// Profiles outside a ladder, and a ladder that keeps climbing, always run.
	if _, skip := l.Skip(sweep.LoadProfile{Concurrency: 32}, 8, 10); skip {
		t.Fatal("a listed profile is never skipped")
	}
}

// TestRateLadderShortfall: an open-loop ladder over the two-slot server
// (capacity at most 2 / 50 ms = 40 req/s) keeps up at 10/s and falls short at 200/s.
func TestRateLadderShortfall(t *testing.T) {
	c := newSlots(2, 5*time.Millisecond)
	l := NewLadder()
	var res []Result
	var mu sync.Mutex
	for _, rate := range []float64{10, 200, 400} {
		p := sweep.LoadProfile{Rate: rate, Arrival: "constant", Requests: 16, Ladder: 1, KeepClimbing: true}
		if _, skip := l.Skip(p, 8, 10); skip {
			t.Fatal("keep_climbing ladders run every rung")
		}
		r := l.Run(context.Background(), c, p, 8, 10, nil, 2, 1)
		mu.Lock()
		res = append(res, r)
		mu.Unlock()
	}
	if r := res[0]; r.Saturated != "" || r.OfferedRate < 8 || r.OfferedRate > 12 {
		t.Errorf("10/s: offered %.1f, achieved %.1f, saturated %q", r.OfferedRate, r.AchievedRate, r.Saturated)
	}
	if r := res[1]; !strings.HasPrefix(r.Saturated, "achieved") || r.AchievedRate > 60 {
		t.Errorf("200/s: offered %.1f, achieved %.1f, saturated %q", r.OfferedRate, r.AchievedRate, r.Saturated)
	}
}

// TestLadderRidesOutADip: one rung of queueing growth followed by a rung
// that scales again (Ollama's concurrency-2 dip on the H200) does not stop
// the ladder; two in a row do.
func TestLadderRidesOutADip(t *testing.T) {
	l := NewLadder()
	rung := func(conc int, tput, ttft float64) Result {
		p := sweep.LoadProfile{Concurrency: conc, Requests: 4 * conc, Ladder: 1}
		if r, skip := l.Skip(p, 8, 10); skip {
			return r
		}
		r := Result{Profile: p, Completed: 4 * conc, OutputThroughput: tput}
		r.TTFTMs.P50 = ttft
		l.record(false, p, &r)
		return r
	}
	rung(1, 642, 9.6)
	if r := rung(2, 538, 13.6); r.Saturated == "" {
		t.Fatal("the dip at 2 must be judged saturated")
	}
	if r := rung(4, 1063, 19); r.NotRun != "" || r.Saturated != "" {
		t.Fatalf("4 must run and scale: %+v", r)
	}
	rung(8, 1100, 60)   // suspected
	rung(16, 1110, 130) // confirmed
	if r := rung(32, 0, 0); !strings.HasPrefix(r.NotRun, "saturated at concurrency 8 and concurrency 16") {
		t.Fatalf("32: not run %q", r.NotRun)
	}
}
