package executor

import "github.com/servesweep/servesweep/internal/load"

// emitNotRun records a ladder rung that was not run (the ladder saturated
// below it), so the report can say which rungs were left and why.
func emitNotRun(job Job, r load.Result, progress func(string, ...any)) {
	r.RunID, r.ConfigID, r.ModelKey, r.Variant, r.Engine = job.RunID, job.Config.ID, job.Config.ModelKey, job.Config.Variant, job.Config.Engine
	progress("%s: load %s in=%d out=%d: not run (%s)", job.Config.ID, ProfileLabel(r.Profile), r.InputLen, r.OutputLen, r.NotRun)
	job.EmitLoad(r)
}
