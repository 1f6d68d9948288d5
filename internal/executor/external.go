package executor

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

// External benchmarks a server that is already running (bench --url): no
// launch, no stop — the same session, records and report as a run.
type External struct {
	URL   string
	Model string // the model path the server reports, for prompts and tokenizers
}

// Execute implements Executor.
func (e External) Execute(ctx context.Context, job Job) results.Server {
	cfg := job.Config
	rec := results.Server{RunID: job.RunID, ConfigID: cfg.ID, Host: e.URL, StartedAt: time.Now().UTC()}
	client := job.Engine.NewClient(e.URL, engine.ClientConfig{ModelPath: e.Model, ModelKey: cfg.ModelKey, Args: cfg.Args, MaxContext: maxContextOf(cfg)})
	base := results.ForConfig(job.RunID, cfg, job.Engine.Simulated(), results.Pricing{GPULabel: job.Settings.GPULabel, GPUHourPrice: job.Settings.GPUHourPrice})
	base.Host = e.URL
	if err := client.Ready(ctx); err != nil {
		msg := fmt.Sprintf("cannot reach a ready %s server at %s: %v", job.Engine.Name(), e.URL, err)
		for _, r := range results.FailAll(base, cfg, results.StatusFailed, results.KindLaunchError, msg, "", rec.StartedAt) {
			job.Emit(r)
		}
		rec.Status, rec.FailureKind, rec.Error, rec.EndedAt = results.StatusFailed, results.KindLaunchError, msg, time.Now().UTC()
		return rec
	}
	if info, err := client.ServerInfo(ctx); err == nil {
		rec.EngineVersion = info.Version
		if info.TimeScale > 0 {
			base.Simulated = true
		}
	}
	sess := &bench.Session{
		Client: client, Config: cfg, Settings: job.Settings, Base: base, TraceDir: filepath.Join(job.Dir, cfg.ID, "traces"),
		FindTokenizer: TokenizerFinder(job.Settings.TokenizerDirs), Notef: job.Progress,
		Emit: func(r results.Result) error {
			if job.Progress != nil {
				if r.Status == results.StatusOK {
					job.Progress("bs=%d in=%d out=%d latency %.2fs ITL %.2fms out %.1f tok/s", r.BatchSize, r.InputLen, r.OutputLen, *r.LatencyS, *r.ITLMs, *r.OutputThroughput)
				} else {
					job.Progress("bs=%d in=%d out=%d FAILED (%s): %s", r.BatchSize, r.InputLen, r.OutputLen, r.FailureKind, firstLine(r.Error))
				}
			}
			return job.Emit(r)
		},
	}
	err := sess.Run(ctx)
	rec.EndedAt = time.Now().UTC()
	switch {
	case ctx.Err() != nil:
		rec.Status, rec.Error = results.StatusInterrupted, "interrupted"
	case err != nil && errors.Is(err, bench.ErrServerDied):
		rec.Status, rec.FailureKind, rec.Error = results.StatusFailed, results.KindServerDied, err.Error()
	case err != nil:
		rec.Status, rec.FailureKind, rec.Error = results.StatusFailed, results.KindRequestFailed, err.Error()
	default:
		rec.Status = results.StatusOK
	}
	return rec
}

// maxContextOf is the largest input + output length of the configuration's cases.
func maxContextOf(cfg plan.Config) int {
	n := 0
	for _, c := range cfg.Cases {
		n = max(n, c.InputLen+c.OutputLen)
	}
	return n
}
