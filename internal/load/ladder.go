package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/servesweep/servesweep/internal/workload"
)

// Ladder climbs the load ladders of one configuration and length pair: it
// runs each rung (as Run does, timing every request's send and completion),
// judges it against the rung below, and once saturation is established
// answers the rungs above with a not-run result instead of running them.
// A rate shortfall establishes it at once (it is measured directly);
// queueing growth must hold on two rungs in a row (ConfirmRungs): a real
// server can dip at one rung and recover at the next — Ollama on an H200
// lost 16–22% of its throughput from concurrency 1 to 2 and then climbed to
// 6× it at 32 (docs/gpu-beyond-h200). Profiles outside a ladder (Ladder 0)
// always run.
type Ladder struct {
	prev    map[int]*Result // the last rung run, per ladder number
	stopped map[int]string  // why a ladder stopped climbing
	suspect map[int]string  // a first saturated rung awaiting confirmation
}

// ConfirmRungs is how many consecutive rungs must show queueing growth
// before a ladder stops climbing.
const ConfirmRungs = 2

// NewLadder returns a Ladder with no rung climbed yet.
func NewLadder() *Ladder {
	return &Ladder{prev: map[int]*Result{}, stopped: map[int]string{}, suspect: map[int]string{}}
}

// Skip returns the not-run result of a rung above a saturated one, and true;
// or false when p is to be run.
func (l *Ladder) Skip(p sweep.LoadProfile, inLen, outLen int) (Result, bool) {
	why, ok := l.stopped[p.Ladder]
	if p.Ladder == 0 || !ok {
		return Result{}, false
	}
	now := time.Now().UTC()
	r := Result{InputLen: inLen, OutputLen: outLen, Profile: p, StartedAt: now, EndedAt: now}
	r.NotRun = why
	return r, true
}

// Run runs one profile, as Run, and records its offered and achieved
// request rates and whether it is saturated.
func (l *Ladder) Run(ctx context.Context, c engine.Client, p sweep.LoadProfile, inLen, outLen int, slo *sweep.SLO, cores int, timeScale float64) Result {
	pr, _ := workload.Default().Prepare(nil)
	r := l.RunFeed(ctx, c, p, pr.Feed(rand.Uint64(), inLen, outLen), slo, cores, timeScale)
	r.InputLen, r.OutputLen = inLen, outLen
	return r
}

// RunFeed is Run with the requests drawn from a workload's feed.
func (l *Ladder) RunFeed(ctx context.Context, c engine.Client, p sweep.LoadProfile, feed *workload.Feed, slo *sweep.SLO, cores int, timeScale float64) Result {
	tc := &timedClient{Client: c}
	r := RunFeed(ctx, tc, p, feed, slo, cores, timeScale)
	if p.Rate > 0 {
		if off, ach, ok := rates(tc.inSendOrder()); ok {
			scale := timeScale // rates in the modelled time of a scaled sim, as the result's others
			if scale <= 0 {
				scale = 1
			}
			r.OfferedRate, r.AchievedRate = off*scale, ach*scale
		}
	}
	l.record(ctx.Err() != nil, p, &r)
	return r
}

// record judges rung r of p against the rung below and decides whether its
// ladder climbs on; interrupted says the sweep's context ended.
func (l *Ladder) record(interrupted bool, p sweep.LoadProfile, r *Result) {
	if p.Ladder == 0 {
		return
	}
	r.Saturated = Judge(l.prev[p.Ladder], *r)
	switch {
	case r.Saturated != "" && !p.KeepClimbing:
		l.saturated(p, *r)
	case r.Completed == 0 && !interrupted:
		l.stopped[p.Ladder] = fmt.Sprintf("no request completed at %s", ProfileLabel(p))
	}
	if r.Saturated == "" {
		delete(l.suspect, p.Ladder)
	}
	l.prev[p.Ladder] = r
}

// saturated stops the ladder of p at a rate shortfall or at the second
// rung in a row of queueing growth; a first one is only suspected.
func (l *Ladder) saturated(p sweep.LoadProfile, r Result) {
	first, ok := l.suspect[p.Ladder]
	switch {
	case p.Rate > 0 && r.AchievedRate > 0 && r.AchievedRate < MinAchievedFraction*r.OfferedRate:
		l.stopped[p.Ladder] = fmt.Sprintf("saturated at %s: %s", ProfileLabel(p), r.Saturated)
	case ok:
		l.stopped[p.Ladder] = fmt.Sprintf("saturated at %s and %s: %s", first, ProfileLabel(p), r.Saturated)
	default:
		l.suspect[p.Ladder] = ProfileLabel(p)
	}
}

// timedClient records when each Generate call was sent and when it ended.
type timedClient struct {
	engine.Client
	mu sync.Mutex
	ts []timing
}

func (t *timedClient) Generate(ctx context.Context, req engine.GenerateRequest) (*engine.Stream, error) {
	sent := time.Now()
	s, err := t.Client.Generate(ctx, req)
	done := time.Now()
	t.mu.Lock()
	t.ts = append(t.ts, timing{sent: sent, done: done, ok: err == nil})
	t.mu.Unlock()
	return s, err
}

// inSendOrder returns the timings sorted by send time.
func (t *timedClient) inSendOrder() []timing {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]timing(nil), t.ts...)
	sort.Slice(out, func(i, j int) bool { return out[i].sent.Before(out[j].sent) })
	return out
}
