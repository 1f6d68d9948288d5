package runner

import (
	"github.com/servesweep/servesweep/internal/perfmodel"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

// withBound gives a case record its itl_bound_ms: the HBM-bandwidth bound of
// the case's decode step from the configuration's performance model (left
// null when the hardware or the model's config.json was unknown).
func withBound(cfg plan.Config, r results.Result) results.Result {
	if r.ITLBoundMs != nil || cfg.Perf == nil || r.BatchSize <= 0 {
		return r
	}
	c := perfmodel.Shape{Batch: r.BatchSize, InputLen: r.InputLen, OutputLen: r.OutputLen}
	v := cfg.Perf.Setup.DecodeBoundMs(c.Batch, c.DecodeContext())
	r.ITLBoundMs = &v
	return r
}
