package load

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/servesweep/servesweep/internal/workload"
)

// Sent is what a profile sent, beside its outcome: the workload's
// fingerprint and type, and the lengths of the requests sent.
type Sent struct {
	Workload      string  `json:"workload,omitempty"`
	WorkloadType  string  `json:"workload_type,omitempty"`
	Count         int     `json:"sent,omitempty"`            // requests sent
	MeanInputLen  float64 `json:"mean_input_len,omitempty"`  // prompt ids per request sent
	MeanOutputLen float64 `json:"mean_output_len,omitempty"` // output tokens asked per request sent
	// LaterTurns counts requests that were turn 2 or later of a conversation.
	LaterTurns int `json:"later_turns,omitempty"`
}

// sender sends a feed's requests and keeps their outcomes.
type sender struct {
	c     engine.Client
	feed  *workload.Feed
	mu    sync.Mutex
	reqs  []request
	sent  Sent
	inSum int
	outSm int
}

func (s *sender) one(ctx context.Context, wr workload.Request) {
	gr := engine.GenerateRequest{InputIDs: [][]int{wr.Prompt}, OutputLen: wr.OutputLen}
	if wr.Text != "" {
		gr.Text = []string{wr.Text}
	}
	st, err := s.c.Generate(ctx, gr)
	s.feed.Done(wr)
	r := request{err: err}
	if err == nil && len(st.Arrivals) == 1 && len(st.Arrivals[0]) > 0 {
		arr := st.Arrivals[0]
		r.ttft, r.e2e, r.tokens, r.gaps = arr[0].At, st.End, st.Output[0], tokenGaps(arr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r)
	s.sent.Count++
	s.inSum += len(wr.Prompt)
	s.outSm += wr.OutputLen
	if wr.Turn > 0 {
		s.sent.LaterTurns++
	}
}

// RunFeed runs one profile, drawing its requests from feed: a closed loop of
// p.Concurrency streams taking the feed's next request as each finishes, or
// an open loop of arrivals at p.Rate — for a trace, at the trace's own
// arrival times scaled so that its mean rate is p.Rate. A multi-turn feed
// holds a conversation's next turn until its previous turn has finished.
func RunFeed(ctx context.Context, c engine.Client, p sweep.LoadProfile, feed *workload.Feed, slo *sweep.SLO, cores int, timeScale float64) Result {
	if timeScale <= 0 {
		timeScale = 1
	}
	res := Result{Profile: p, SLO: slo, StartedAt: time.Now().UTC()}
	s := &sender{c: c, feed: feed}
	takeCtx, cancel := ctx, context.CancelFunc(func() {})
	var deadline time.Time
	if p.Duration > 0 {
		deadline = time.Now().Add(time.Duration(float64(p.Duration) * timeScale))
		takeCtx, cancel = context.WithDeadline(ctx, deadline)
	}
	defer cancel()
	more := func(sent int) bool {
		if ctx.Err() != nil || (p.Requests > 0 && sent >= p.Requests) {
			return false
		}
		return deadline.IsZero() || time.Now().Before(deadline)
	}
	cpu0, t0 := proc.CPUTime(), time.Now()
	if p.Concurrency > 0 {
		closedLoop(ctx, takeCtx, s, p.Concurrency, more)
	} else {
		openLoop(ctx, takeCtx, s, p, timeScale, more)
	}
	wall, cpu := time.Since(t0), proc.CPUTime()-cpu0
	res.EndedAt = time.Now().UTC()
	res.DurationS = wall.Seconds() / timeScale
	res.ClientCPUPct = 100 * cpu.Seconds() / wall.Seconds() / float64(max(1, cores))
	res.ClientSaturated = res.ClientCPUPct >= SaturationPct
	summarize(&res, s.reqs, slo, timeScale)
	res.Sent = s.sent
	res.Workload, res.WorkloadType = feed.Spec().Fingerprint(), feed.Spec().Type
	if n := s.sent.Count; n > 0 {
		res.MeanInputLen, res.MeanOutputLen = float64(s.inSum)/float64(n), float64(s.outSm)/float64(n)
	}
	if err := feed.Err(); err != nil && res.FirstError == "" {
		res.FirstError = err.Error()
	}
	return res
}

func closedLoop(ctx, takeCtx context.Context, s *sender, streams int, more func(int) bool) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent := 0
	for range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if !more(sent) {
					mu.Unlock()
					return
				}
				sent++
				mu.Unlock()
				wr, ok := s.feed.Take(takeCtx)
				if !ok {
					return
				}
				s.one(ctx, wr)
			}
		}()
	}
	wg.Wait()
}

func openLoop(ctx, takeCtx context.Context, s *sender, p sweep.LoadProfile, timeScale float64, more func(int) bool) {
	var wg sync.WaitGroup
	rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
	// A trace keeps its arrival pattern, stretched to the profile's mean rate.
	stretch := 1.0
	if nat := s.feed.NaturalRate(); s.feed.Timed() && nat > 0 && !math.IsInf(nat, 0) {
		stretch = nat / p.Rate
	}
	start := time.Now()
	next := start
	for sent := 0; more(sent); sent++ {
		wr, ok := s.feed.Take(takeCtx)
		if !ok {
			break
		}
		if s.feed.Timed() {
			next = start.Add(time.Duration(float64(wr.Arrival) * stretch * timeScale))
		}
		time.Sleep(time.Until(next))
		if !more(sent) {
			break
		}
		wg.Add(1)
		go func() { defer wg.Done(); s.one(ctx, wr) }()
		if !s.feed.Timed() {
			gap := 1 / p.Rate
			if p.Arrival == "poisson" {
				gap = rng.ExpFloat64() / p.Rate
			}
			next = next.Add(time.Duration(gap * timeScale * float64(time.Second)))
		}
	}
	wg.Wait()
}
