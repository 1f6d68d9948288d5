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
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/servesweep/servesweep/internal/workload"
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
	Sent                                // the workload and what was sent (requests.go)
	Saturation                          // offered/achieved rates, saturated, not_run (ladders)
}

// Run runs one profile with random prompts of inLen tokens asking for
// outLen tokens (the default workload; RunFeed draws from any workload).
func Run(ctx context.Context, c engine.Client, p sweep.LoadProfile, inLen, outLen int, slo *sweep.SLO, cores int, timeScale float64) Result {
	pr, _ := workload.Default().Prepare(nil)
	res := RunFeed(ctx, c, p, pr.Feed(rand.Uint64(), inLen, outLen), slo, cores, timeScale)
	res.InputLen, res.OutputLen = inLen, outLen
	return res
}

// ProfileLabel names a load profile: "concurrency 8" or "rate 4/s poisson".
func ProfileLabel(p sweep.LoadProfile) string {
	if p.Concurrency > 0 {
		return fmt.Sprintf("concurrency %d", p.Concurrency)
	}
	return fmt.Sprintf("rate %g/s %s", p.Rate, p.Arrival)
}
