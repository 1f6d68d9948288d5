// Package load runs serving-load profiles against a server: a closed loop of
// concurrent streams, or an open loop of arrivals at a rate (Poisson or
// constant), and computes TTFT, ITL, TPOT and end-to-end latency percentiles,
// request and token throughput, goodput under SLOs, and the client's own CPU
// use (with a warning when the client, not the server, may set the numbers).
package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/sweep"
)

// SaturationPct is the client CPU use (of all cores) above which a result is flagged.
const SaturationPct = 70.0

// Percentiles of one latency, in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
}

// Result is one load profile's outcome for one configuration and length pair.
type Result struct {
	RunID             string            `json:"run_id"`
	ConfigID          string            `json:"config_id"`
	ModelKey          string            `json:"model_key"`
	Variant           string            `json:"variant"`
	Engine            string            `json:"engine"`
	InputLen          int               `json:"input_len"`
	OutputLen         int               `json:"output_len"`
	Profile           sweep.LoadProfile `json:"profile"`
	Completed         int               `json:"completed"`
	Failed            int               `json:"failed"`
	DurationS         float64           `json:"duration_s"`
	RequestThroughput float64           `json:"request_throughput"`
	OutputThroughput  float64           `json:"output_token_throughput"`
	TTFTMs            Percentiles       `json:"ttft_ms"`
	ITLMs             Percentiles       `json:"itl_ms"`
	TPOTMs            Percentiles       `json:"tpot_ms"`
	E2EMs             Percentiles       `json:"e2e_ms"`
	Goodput           *float64          `json:"goodput,omitempty"` // requests/s meeting the SLO
	SLO               *sweep.SLO        `json:"slo,omitempty"`
	ClientCPUPct      float64           `json:"client_cpu_pct"`
	ClientSaturated   bool              `json:"client_saturated"`
	FirstError        string            `json:"first_error,omitempty"`
	TimeScale         float64           `json:"sim_time_scale,omitempty"`
	StartedAt         time.Time         `json:"started_at"`
	EndedAt           time.Time         `json:"ended_at"`
	Saturation                          // offered/achieved rates, saturated, not_run (ladders)
}

// Run runs one profile with prompts of inLen tokens asking for outLen tokens.
func Run(ctx context.Context, c engine.Client, p sweep.LoadProfile, inLen, outLen int, slo *sweep.SLO, cores int, timeScale float64) Result {
	if timeScale <= 0 {
		timeScale = 1
	}
	res := Result{InputLen: inLen, OutputLen: outLen, Profile: p, SLO: slo, StartedAt: time.Now().UTC()}
	var mu sync.Mutex
	var reqs []request
	one := func() {
		prompt := bench.RandomPrompts(rand.Uint64(), 1, inLen)
		s, err := c.Generate(ctx, engine.GenerateRequest{InputIDs: prompt, OutputLen: outLen})
		r := request{err: err}
		if err == nil && len(s.Arrivals) == 1 && len(s.Arrivals[0]) > 0 {
			arr := s.Arrivals[0]
			r.ttft, r.e2e, r.tokens, r.gaps = arr[0].At, s.End, s.Output[0], tokenGaps(arr)
		}
		mu.Lock()
		reqs = append(reqs, r)
		mu.Unlock()
	}
	var deadline time.Time
	if p.Duration > 0 {
		deadline = time.Now().Add(time.Duration(float64(p.Duration) * timeScale))
	}
	more := func(sent int) bool {
		if ctx.Err() != nil || (p.Requests > 0 && sent >= p.Requests) {
			return false
		}
		return deadline.IsZero() || time.Now().Before(deadline)
	}
	cpu0, t0 := proc.CPUTime(), time.Now()
	var wg sync.WaitGroup
	if p.Concurrency > 0 {
		var sentMu sync.Mutex
		sent := 0
		for w := 0; w < p.Concurrency; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					sentMu.Lock()
					if !more(sent) {
						sentMu.Unlock()
						return
					}
					sent++
					sentMu.Unlock()
					one()
				}
			}()
		}
	} else {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
		next := time.Now()
		for sent := 0; more(sent); sent++ {
			time.Sleep(time.Until(next))
			if !more(sent) {
				break
			}
			wg.Add(1)
			go func() { defer wg.Done(); one() }()
			gap := 1 / p.Rate
			if p.Arrival == "poisson" {
				gap = rng.ExpFloat64() / p.Rate
			}
			next = next.Add(time.Duration(gap * timeScale * float64(time.Second)))
		}
	}
	wg.Wait()
	wall, cpu := time.Since(t0), proc.CPUTime()-cpu0
	res.EndedAt = time.Now().UTC()
	res.DurationS = wall.Seconds() / timeScale
	res.ClientCPUPct = 100 * cpu.Seconds() / wall.Seconds() / float64(max(1, cores))
	res.ClientSaturated = res.ClientCPUPct >= SaturationPct
	summarize(&res, reqs, slo, timeScale)
	return res
}

// ProfileLabel names a load profile: "concurrency 8" or "rate 4/s poisson".
func ProfileLabel(p sweep.LoadProfile) string {
	if p.Concurrency > 0 {
		return fmt.Sprintf("concurrency %d", p.Concurrency)
	}
	return fmt.Sprintf("rate %g/s %s", p.Rate, p.Arrival)
}
