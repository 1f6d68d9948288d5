package bench

import (
	"fmt"
	"math"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/results"
)

// Tolerances of the client/server timing cross-check: a disagreement must be
// both relative and absolute. At GPU speeds a 12 ms TTFT carries 1–3 ms of
// HTTP, JSON and scheduling that the engine's own prompt_eval_duration does
// not count (measured on an H200: 14 of 24 prefills 10–20% apart by 2.0–2.6 ms),
// which is no disagreement; a decode window differs by the same fixed costs.
const (
	crossRel     = 0.10
	crossTTFTAbs = 0.005 // seconds
	crossDecAbs  = 0.005 // seconds of the decode window
)

// crossCheck compares the client's timings with the engine's own and flags a
// disagreement above max(10%, 5 ms), saying which side is likely right.
func crossCheck(r *results.Result, m Metrics, st []engine.ServerTimings) {
	var ttft, tput float64
	n := 0
	for _, t := range st {
		if t.Eval <= 0 {
			continue
		}
		ttft = max(ttft, (t.Load + t.PromptEval).Seconds())
		tput += float64(t.EvalCount) / t.Eval.Seconds()
		n++
	}
	if n == 0 {
		return
	}
	r.ServerTTFTS, r.ServerOutputThroughput = &ttft, &tput
	var bad []string
	if d := m.TTFTS - ttft; math.Abs(d) > max(crossRel*ttft, crossTTFTAbs) {
		side := "the client's includes what users wait for beyond the engine's prompt evaluation (HTTP, queueing, scheduling): likely right for users"
		if d < 0 {
			side = "the client cannot see a first token before the engine made it: the server's figure likely counts more (e.g. model load or other requests' prompts)"
		}
		bad = append(bad, fmt.Sprintf("TTFT %+.0f%% (client %s vs server %s; %s)", 100*d/ttft, ms(m.TTFTS), ms(ttft), side))
	}
	if m.OutputThroughput > 0 && tput > 0 {
		// The same tokens over the two decode windows.
		tokens := m.OutputThroughput * max(m.LatencyS-m.TTFTS, 0)
		wc, ws := tokens/m.OutputThroughput, tokens/tput
		if d := (m.OutputThroughput - tput) / tput; math.Abs(d) > crossRel && math.Abs(wc-ws) > crossDecAbs {
			side := "the client times the decode after the last first token, when all requests decode together; the engine's eval_duration also counts a request's waits for the batch's other prompts: client likely right"
			if d < 0 {
				side = "the client's window includes streaming and HTTP stalls the engine does not see: server likely right for the engine, client for users"
			}
			bad = append(bad, fmt.Sprintf("output throughput %+.0f%% (%s)", 100*d, side))
		}
	}
	if len(bad) == 0 {
		r.TimingCheck = "agree"
	} else {
		r.TimingCheck = "client vs server: " + strings.Join(bad, "; ")
	}
}

func ms(s float64) string { return fmt.Sprintf("%.1f ms", 1000*s) }
