package load

import (
	"fmt"
	"math"
	"time"

	"github.com/servesweep/servesweep/internal/sweep"
)

// Saturation thresholds. A ladder's rung is saturated when either holds:
//
//   - Shortfall (rate rungs): the achieved request rate is below
//     MinAchievedFraction of the offered one. Both are least-squares slopes
//     of time against request number, in the order the requests were sent:
//     sends give the offered rate, completions the achieved one. A server
//     that keeps up finishes requests as fast as they come (its latency adds
//     noise, not slope); a saturated one falls further behind with every
//     request, so its completions spread out.
//   - Queueing growth (every rung after the first): from the rung before to
//     this one, output throughput grew less than half as fast as the load
//     (elasticity below SlowThroughputElasticity) while the median TTFT grew
//     faster than the load (elasticity above FastTTFTElasticity); or
//     throughput was flat (elasticity below FlatThroughputElasticity) while
//     the median TTFT still rose (elasticity above QueueingTTFTElasticity).
//     Elasticity is ln(y₂/y₁) / ln(x₂/x₁) over the load x (concurrency or
//     offered rate): 1 is proportional growth. For a doubling of concurrency:
//     throughput up less than 41 % while TTFT more than doubles, or
//     throughput up less than 11 % while TTFT rises more than 41 % — the
//     extra streams wait in a queue instead of running.
const (
	MinAchievedFraction      = 0.85
	SlowThroughputElasticity = 0.5
	FastTTFTElasticity       = 1.0
	FlatThroughputElasticity = 0.15
	QueueingTTFTElasticity   = 0.5
	// minRateRequests is the fewest completed requests the shortfall test needs.
	minRateRequests = 4
)

// Saturation is what a load result says about the server keeping up. Its
// fields are part of a Result's JSON.
type Saturation struct {
	// OfferedRate and AchievedRate are requests per second as sent and as
	// completed (rate profiles; see MinAchievedFraction).
	OfferedRate  float64 `json:"offered_rate,omitempty"`
	AchievedRate float64 `json:"achieved_rate,omitempty"`
	// Saturated says why this rung counts as saturated ("" when it does not).
	Saturated string `json:"saturated,omitempty"`
	// NotRun says why this rung of a ladder was not run: "saturated at
	// concurrency 8 (…)" for the rungs above a saturated one.
	NotRun string `json:"not_run,omitempty"`
}

// timing is one request's send and completion time.
type timing struct {
	sent, done time.Time
	ok         bool
}

// rates returns the offered and achieved request rates of requests in send
// order: the inverse least-squares slopes of send time and completion time
// against the request's number. ok is false with too few completions.
func rates(ts []timing) (offered, achieved float64, ok bool) {
	var si, st, ci, ct []float64
	var t0 time.Time
	for i, t := range ts {
		if i == 0 {
			t0 = t.sent
		}
		si, st = append(si, float64(i)), append(st, t.sent.Sub(t0).Seconds())
		if t.ok {
			ci, ct = append(ci, float64(i)), append(ct, t.done.Sub(t0).Seconds())
		}
	}
	if len(ci) < minRateRequests {
		return 0, 0, false
	}
	sSend, sDone := slope(si, st), slope(ci, ct)
	if sSend <= 0 || sDone <= 0 {
		return 0, 0, false
	}
	return 1 / sSend, 1 / sDone, true
}

// slope is the least-squares slope of ys against xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx
}

// elasticity is ln(y2/y1) / ln(x2/x1); NaN when a value is not positive.
func elasticity(x1, x2, y1, y2 float64) float64 {
	if x1 <= 0 || x2 <= x1 || y1 <= 0 || y2 <= 0 {
		return math.NaN()
	}
	return math.Log(y2/y1) / math.Log(x2/x1)
}

// loadOf is a profile's load level: its concurrency or its rate.
func loadOf(p sweep.LoadProfile) float64 {
	if p.Concurrency > 0 {
		return float64(p.Concurrency)
	}
	return p.Rate
}

// Judge says why cur, the rung after prev (nil for a ladder's first rung),
// is saturated, or "" when it is not.
func Judge(prev *Result, cur Result) string {
	if cur.Profile.Rate > 0 && cur.OfferedRate > 0 && cur.AchievedRate < MinAchievedFraction*cur.OfferedRate {
		return fmt.Sprintf("achieved %.3g req/s of %.3g offered (%.0f%%, below %.0f%%)",
			cur.AchievedRate, cur.OfferedRate, 100*cur.AchievedRate/cur.OfferedRate, 100*MinAchievedFraction)
	}
	if prev == nil || prev.Completed == 0 {
		return ""
	}
	x1, x2 := loadOf(prev.Profile), loadOf(cur.Profile)
	eThr := elasticity(x1, x2, prev.OutputThroughput, cur.OutputThroughput)
	eTTFT := elasticity(x1, x2, prev.TTFTMs.P50, cur.TTFTMs.P50)
	if (eThr < SlowThroughputElasticity && eTTFT > FastTTFTElasticity) || (eThr < FlatThroughputElasticity && eTTFT > QueueingTTFTElasticity) {
		return fmt.Sprintf("output throughput %.3g → %.3g tok/s (×%.2f) while TTFT p50 %.3g → %.3g ms (×%.2f) for ×%.3g load",
			prev.OutputThroughput, cur.OutputThroughput, cur.OutputThroughput/prev.OutputThroughput,
			prev.TTFTMs.P50, cur.TTFTMs.P50, cur.TTFTMs.P50/prev.TTFTMs.P50, x2/x1)
	}
	return ""
}
