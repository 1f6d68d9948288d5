package executor

import (
	"context"
	"math"
	"runtime"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/servesweep/servesweep/internal/telemetry"
	"github.com/servesweep/servesweep/internal/tokenizer"
	"github.com/servesweep/servesweep/internal/workload"
)

// runLoad runs the job's load profiles, drawing their requests from the
// sweep's workload: once per (input, output) pair of the cases where the
// workload takes its lengths from them, else once. The server's prefix
// cache is flushed before each profile, so a profile never starts warm from
// the one before it.
func runLoad(ctx context.Context, job Job, client engine.Client, timeScale float64, p *proc.Process, progress func(string, ...any)) {
	spec := job.Workload
	if spec == nil {
		spec = workload.Default()
	}
	prep, err := spec.Prepare(loadEncoder(ctx, job, client, spec, progress))
	if err != nil {
		progress("%s: load skipped: workload: %v", job.Config.ID, err)
		return
	}
	type pair struct{ in, out int }
	seen := map[pair]bool{}
	for _, c := range job.Config.Cases {
		k := pair{}
		if spec.CaseInput() {
			k.in = c.InputLen
		}
		if spec.CaseOutput() {
			k.out = c.OutputLen
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		ladder := load.NewLadder() // ladders stop climbing at saturation
		for i, prof := range job.Load {
			if ctx.Err() != nil || p.HasExited() {
				return
			}
			if r, skip := ladder.Skip(prof, k.in, k.out); skip {
				emitNotRun(job, r, progress)
				continue
			}
			if err := client.Flush(ctx); err != nil && ctx.Err() == nil {
				progress("%s: cache flush before load %s failed: %v", job.Config.ID, ProfileLabel(prof), err)
			}
			// Each request is bounded by request_timeout, as the cases' are.
			bounded := engine.Bounded{Client: client, RequestTimeout: job.Settings.RequestTimeout}
			feed := prep.Feed(uint64(len(seen))<<20|uint64(i), k.in, k.out)
			telemetry.From(ctx).Begin(ctx, telemetry.Segment{Case: telemetry.LoadLabel(k.in, k.out), Profile: ProfileLabel(prof)})
			r := ladder.RunFeed(ctx, bounded, prof, feed, job.SLO, runtime.NumCPU(), timeScale)
			telemetry.From(ctx).End(ctx)
			finishLoad(job, &r, prof, spec.Type, k.in, k.out, timeScale, progress)
			job.EmitLoad(r)
		}
	}
}

// finishLoad labels one profile's result (lengths, ids, time scale) and logs it.
func finishLoad(job Job, r *load.Result, prof sweep.LoadProfile, kind string, in, out int, timeScale float64, progress func(string, ...any)) {
	r.InputLen, r.OutputLen = in, out
	if in == 0 {
		r.InputLen = int(math.Round(r.MeanInputLen))
	}
	if out == 0 {
		r.OutputLen = int(math.Round(r.MeanOutputLen))
	}
	r.RunID, r.ConfigID, r.ModelKey, r.Variant, r.Engine = job.RunID, job.Config.ID, job.Config.ModelKey, job.Config.Variant, job.Config.Engine
	if timeScale > 0 {
		r.TimeScale = timeScale
	}
	warn := ""
	if r.ClientSaturated {
		warn = " (client CPU near saturation)"
	}
	if r.Saturated != "" {
		warn += " (saturated: " + r.Saturated + ")"
	}
	progress("%s: load %s %s in=%d out=%d: %d ok, %d failed, %.2f req/s, %.0f tok/s, TTFT p50 %.1f ms, ITL p50 %.2f ms%s",
		job.Config.ID, ProfileLabel(prof), kind, r.InputLen, r.OutputLen, r.Completed, r.Failed, r.RequestThroughput, r.OutputThroughput, r.TTFTMs.P50, r.ITLMs.P50, warn)
}

// loadEncoder is the encoder of a text workload (dataset): the model's own
// tokenizer.json, found as the cases' text prompts find it, else one id per
// word (workload.WordEncoder), with a line saying why. Engines that take
// letters (engine.LetterPrompts) get the word ids too.
func loadEncoder(ctx context.Context, job Job, client engine.Client, spec *workload.Spec, progress func(string, ...any)) workload.Encoder {
	if !spec.HasText() {
		return nil
	}
	if lp, ok := client.(engine.LetterPrompts); ok && lp.LetterPrompts() {
		progress("%s: workload: the engine takes text: dataset prompts are sent as written, their lengths counted as one id per word", job.Config.ID)
		return workload.WordEncoder{}
	}
	path, err := TokenizerFinder(job.Settings.TokenizerDirs)(ctx, job.Config.Model)
	var tok *tokenizer.Tokenizer
	if err == nil {
		tok, err = tokenizer.LoadFile(path)
	}
	if err != nil {
		progress("%s: workload: no tokenizer (%v); dataset text is sent as one id per word", job.Config.ID, err)
		return workload.WordEncoder{}
	}
	return tok
}

// ProfileLabel names a load profile: "concurrency 8" or "rate 4/s poisson".
func ProfileLabel(p sweep.LoadProfile) string { return load.ProfileLabel(p) }
