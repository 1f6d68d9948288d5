package report

import (
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/sweep"
)

// TestGoodputLineNamesEachBound: the report says which bounds the goodput
// compared, itl_ms as every inter-token latency and tpot_ms as TPOT.
func TestGoodputLineNamesEachBound(t *testing.T) {
	for _, tc := range []struct {
		slo  sweep.SLO
		want string
	}{
		{sweep.SLO{TTFTMs: 500, ITLMs: 50}, "Goodput counts requests per second with TTFT ≤ 500 ms and every inter-token latency ≤ 50 ms."},
		{sweep.SLO{TPOTMs: 30}, "Goodput counts requests per second with TPOT ≤ 30 ms."},
		{sweep.SLO{TTFTMs: 500, ITLMs: 80, TPOTMs: 25.5}, "with TTFT ≤ 500 ms, every inter-token latency ≤ 80 ms and TPOT ≤ 25.5 ms."},
	} {
		slo := tc.slo
		rep := &Report{Load: []load.Result{{ConfigID: "a", Profile: sweep.LoadProfile{Concurrency: 1}, SLO: &slo}}}
		var b strings.Builder
		rep.loadMarkdown(&b)
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("%+v: want %q in\n%s", tc.slo, tc.want, b.String())
		}
	}
}
