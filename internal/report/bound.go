package report

import (
	"fmt"
	"strings"

	"github.com/servesweep/servesweep/internal/perfmodel"
	"github.com/servesweep/servesweep/internal/results"
)

// boundOf is a case's HBM-bandwidth bound: the record's itl_bound_ms, else
// the configuration's performance model (records written before it had one).
func boundOf(c ConfigReport, x results.Result) (float64, bool) {
	if x.ITLBoundMs != nil && *x.ITLBoundMs > 0 {
		return *x.ITLBoundMs, true
	}
	if c.Perf == nil || x.BatchSize <= 0 {
		return 0, false
	}
	s := perfmodel.Shape{Batch: x.BatchSize, InputLen: x.InputLen, OutputLen: x.OutputLen}
	return c.Perf.Setup.DecodeBoundMs(s.Batch, s.DecodeContext()), true
}

// PctOfBound is the physical efficiency of a measured ITL: the HBM-bandwidth
// bound of the decode step over the measured ITL, in % (100% = every step
// read its bytes at the memory's full bandwidth).
func PctOfBound(boundMs, itlMs float64) float64 { return 100 * boundMs / itlMs }

// boundLines are the lines under a configuration's table: each passed case's
// measured ITL against its HBM-bandwidth bound ("% of bound"), and the
// performance model's prediction with its interval where the configuration
// has one.
func boundLines(c ConfigReport) []string {
	var pct, pred []string
	for _, x := range caseRows(c.Rows) {
		if x.Status != results.StatusOK || x.ITLMs == nil || *x.ITLMs <= 0 {
			continue
		}
		label := fmt.Sprintf("%d/%d/%d", x.BatchSize, x.InputLen, x.OutputLen)
		if b, ok := boundOf(c, x); ok {
			pct = append(pct, fmt.Sprintf("%s: ITL %.2f ms, bound %.3f ms → **%.1f%% of bound**", label, *x.ITLMs, b, PctOfBound(b, *x.ITLMs)))
		}
		if c.Perf != nil {
			p := c.Perf.Case(perfmodel.Shape{Batch: x.BatchSize, InputLen: x.InputLen, OutputLen: x.OutputLen})
			pred = append(pred, fmt.Sprintf("%s: ITL %.2f ms (%.2f–%.2f), TTFT %.3f s (%.3f–%.3f)", label, p.ITLMs, p.ITLMsLow, p.ITLMsHigh, p.TTFTS, p.TTFTSLow, p.TTFTSHigh))
		}
	}
	var out []string
	if len(pct) > 0 {
		out = append(out, "_% of bound_ (the decode step's memory-bandwidth bound — HBM on a GPU — ÷ measured ITL; bs/in/out): "+strings.Join(pct, "; "))
	}
	if len(pred) > 0 {
		out = append(out, fmt.Sprintf("_Predicted_ (%s; %s): %s", c.Perf.Source(), c.Perf.Setup.Label(), strings.Join(pred, "; ")))
	}
	return out
}

// simTimingNote says where a dry run's times come from.
func (r *Report) simTimingNote() string {
	modelled := 0
	for _, c := range r.Configs {
		if c.Perf == nil {
			continue
		}
		for _, x := range c.Rows {
			if x.Status == results.StatusOK {
				modelled++
				break
			}
		}
	}
	if !r.Summary.Simulated || modelled == 0 {
		return ""
	}
	return fmt.Sprintf("> The sim's times for %d configuration(s) are servesweep's performance-model prediction (physical bounds × efficiencies; see each configuration's _Predicted_ line for the interval), not measurements.\n\n", modelled)
}
