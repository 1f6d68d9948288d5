package load

import (
	"sort"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/stats"
	"github.com/servesweep/servesweep/internal/sweep"
)

// request is one load request's outcome.
type request struct {
	ttft, e2e time.Duration
	gaps      []time.Duration // per-token inter-token latencies (see tokenGaps)
	tokens    int
	err       error
}

// tokenGaps are a stream's per-token inter-token latencies: an update that
// brings k new tokens (several at once under speculative decoding or stream
// intervals) stands for k gaps of a k-th of its wait each, and an update that
// brings none is skipped without moving the reference time — as SGLang's
// bench_serving does (python/sglang/bench_serving.py,
// async_request_sglang_generate: adjust_itl = (timestamp -
// most_recent_timestamp) / num_new_tokens, extended num_new_tokens times).
func tokenGaps(arr []engine.Arrival) []time.Duration {
	if len(arr) == 0 {
		return nil
	}
	var gaps []time.Duration
	last := arr[0]
	for _, a := range arr[1:] {
		k := a.Tokens - last.Tokens
		if k <= 0 {
			continue
		}
		g := (a.At - last.At) / time.Duration(k)
		for range k {
			gaps = append(gaps, g)
		}
		last = a
	}
	return gaps
}

// tpot is a request's time per output token after the first, in the
// caller's unit; 0 for a request of one token, which vLLM's goodput also
// counts as meeting any TPOT bound (vllm/benchmarks/serve.py,
// calculate_metrics: "if output_len <= 1, we regard tpot as 0 for goodput").
func tpot(r request, ms func(time.Duration) float64) float64 {
	if r.tokens <= 1 {
		return 0
	}
	return ms(r.e2e-r.ttft) / float64(r.tokens-1)
}

// meets reports whether a request meets every bound slo sets: TTFT, its
// worst per-token inter-token latency (itl_ms: no token of the stream came
// later than that after the one before it), and its TPOT (tpot_ms). An
// unset bound (0) is always met.
func meets(slo *sweep.SLO, r request, ms func(time.Duration) float64) bool {
	if slo == nil {
		return false
	}
	if slo.TTFTMs > 0 && ms(r.ttft) > slo.TTFTMs {
		return false
	}
	if slo.ITLMs > 0 {
		for _, g := range r.gaps {
			if ms(g) > slo.ITLMs {
				return false
			}
		}
	}
	return slo.TPOTMs <= 0 || tpot(r, ms) <= slo.TPOTMs
}

// summarize fills res's counts, percentiles, throughputs and goodput from
// the requests of one profile.
func summarize(res *Result, reqs []request, slo *sweep.SLO, timeScale float64) {
	var ttft, itl, tpots, e2e []float64
	tokens, good := 0, 0
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 / timeScale }
	for _, r := range reqs {
		if r.err != nil {
			res.Failed++
			if res.FirstError == "" {
				res.FirstError = r.err.Error()
			}
			continue
		}
		res.Completed++
		tokens += r.tokens
		ttft = append(ttft, ms(r.ttft))
		e2e = append(e2e, ms(r.e2e))
		for _, g := range r.gaps {
			itl = append(itl, ms(g))
		}
		if r.tokens > 1 {
			tpots = append(tpots, tpot(r, ms))
		}
		if meets(slo, r, ms) {
			good++
		}
	}
	res.TTFTMs, res.ITLMs, res.TPOTMs, res.E2EMs = pct(ttft), pct(itl), pct(tpots), pct(e2e)
	if res.DurationS > 0 {
		res.RequestThroughput = float64(res.Completed) / res.DurationS
		res.OutputThroughput = float64(tokens) / res.DurationS
		if slo != nil {
			g := float64(good) / res.DurationS
			res.Goodput = &g
		}
	}
}

func pct(xs []float64) Percentiles {
	if len(xs) == 0 {
		return Percentiles{}
	}
	sort.Float64s(xs)
	return Percentiles{P50: stats.Percentile(xs, 50), P90: stats.Percentile(xs, 90), P99: stats.Percentile(xs, 99)}
}
