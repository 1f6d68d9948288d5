package executor

import (
	"context"
	"runtime"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// runLoad runs the job's load profiles for every (input, output) length pair.
func runLoad(ctx context.Context, job Job, client engine.Client, timeScale float64, p *proc.Process, progress func(string, ...any)) {
	type pair struct{ in, out int }
	seen := map[pair]bool{}
	for _, c := range job.Config.Cases {
		k := pair{c.InputLen, c.OutputLen}
		if seen[k] {
			continue
		}
		seen[k] = true
		for _, prof := range job.Load {
			if ctx.Err() != nil || p.HasExited() {
				return
			}
			// Each request is bounded by request_timeout, as the cases' are.
			bounded := engine.Bounded{Client: client, RequestTimeout: job.Settings.RequestTimeout}
			telemetry.From(ctx).Begin(ctx, telemetry.Segment{Case: telemetry.LoadLabel(k.in, k.out), Profile: ProfileLabel(prof)})
			r := load.Run(ctx, bounded, prof, k.in, k.out, job.SLO, runtime.NumCPU(), timeScale)
			telemetry.From(ctx).End(ctx)
			r.RunID, r.ConfigID, r.ModelKey, r.Variant, r.Engine = job.RunID, job.Config.ID, job.Config.ModelKey, job.Config.Variant, job.Config.Engine
			if timeScale > 0 {
				r.TimeScale = timeScale
			}
			warn := ""
			if r.ClientSaturated {
				warn = " (client CPU near saturation)"
			}
			progress("%s: load %s in=%d out=%d: %d ok, %d failed, %.2f req/s, %.0f tok/s, TTFT p50 %.1f ms, ITL p50 %.2f ms%s",
				job.Config.ID, ProfileLabel(prof), k.in, k.out, r.Completed, r.Failed, r.RequestThroughput, r.OutputThroughput, r.TTFTMs.P50, r.ITLMs.P50, warn)
			job.EmitLoad(r)
		}
	}
}

// ProfileLabel names a load profile: "concurrency 8" or "rate 4/s poisson".
func ProfileLabel(p sweep.LoadProfile) string { return load.ProfileLabel(p) }
