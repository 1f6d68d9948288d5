package telemetry

import "math"

// Tolerance says how far a client's figure may lie from the server's before
// the report flags the two as disagreeing. The server's histogram only knows
// which bucket an observation fell in, so the client's median agrees when it
// lies in the bucket that holds the server's median, (lo, hi], widened by Rel
// of each bound and by AbsMs: time the client sees and the server does not
// (HTTP, tokenization, the stream's trip over loopback).
type Tolerance struct {
	Rel   float64 `json:"rel"`
	AbsMs float64 `json:"abs_ms"`
}

// The tolerances the report uses: TTFT includes the request's trip, ITL is
// a gap between two arrivals of the same stream.
var (
	TTFTTolerance = Tolerance{Rel: 0.2, AbsMs: 5}
	ITLTolerance  = Tolerance{Rel: 0.2, AbsMs: 1}
)

// Agrees reports whether the client's median clientMs agrees with the
// server's quantiles q. timeScale > 0 is a simulated server's time scale:
// its modelled time runs 1/timeScale faster than the wall clock, and so does
// the client's fixed overhead, so AbsMs is divided by it.
func (t Tolerance) Agrees(q Quantiles, clientMs, timeScale float64) bool {
	if math.IsNaN(clientMs) || math.IsNaN(q.P50Lo) {
		return true // nothing to compare
	}
	abs := t.AbsMs
	if timeScale > 0 {
		abs /= timeScale
	}
	lo := q.P50Lo*(1-t.Rel) - abs
	hi := q.P50Hi*(1+t.Rel) + abs
	return clientMs >= lo && clientMs <= hi
}
