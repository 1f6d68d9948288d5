package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/search"
	"github.com/servesweep/servesweep/internal/sweep"
)

// SearchFile holds the search's probes, probe servers and decisions, one
// JSON object a line (kind: probe, probe_server, decision, summary).
const SearchFile = "search.jsonl"

// searching says whether f's search: section changes what is run.
func searching(f *sweep.File) bool {
	return f.Search != nil && (f.StrategyOf() != "grid" || f.Search.BudgetGPUHours > 0 || f.Search.MaxConfigs > 0)
}

// search runs todo through the search strategy, one configuration at a time.
func (s *sweepRun) search(ctx context.Context, todo []int) error {
	if s.o.Packed || s.o.Concurrent > 0 {
		return inputf("search: %s runs configurations one at a time; use schedule: exclusive and no --parallel", s.o.File.StrategyOf())
	}
	log, err := results.OpenAppender(filepath.Join(s.o.Dir, SearchFile))
	if err != nil {
		return err
	}
	defer log.Close()
	var cands []int
	for _, i := range todo {
		if s.o.Configs[i].Verdict == plan.VerdictSkip && !s.o.Force {
			if _, err := s.runOne(ctx, i, s.o.Configs[i], nil); err != nil {
				return err
			}
			continue
		}
		cands = append(cands, i)
	}
	f := s.o.File
	opts := search.Options{Strategy: f.StrategyOf(), BudgetGPUHours: f.Search.BudgetGPUHours, MaxConfigs: f.Search.MaxConfigs, Objective: f.Objective, CostBudget: f.CostBudget}
	env := search.Env{
		Probe:   func(i, n int) search.Outcome { return s.probe(ctx, log, i, n) },
		Full:    func(i int) search.Outcome { return s.fullRun(ctx, i) },
		Skip:    func(i int, reason string) error { return s.recordSearchSkip(i, reason) },
		Stopped: func() bool { return ctx.Err() != nil || s.writeFailure() != nil },
		Log: func(d search.Decision) {
			s.logf("search: round %d %s %s: %s", d.Round, d.ConfigID, d.Action, d.Reason)
			s.append(log, d)
		},
	}
	sum, err := search.Run(opts, s.o.Configs, cands, f.GPUHourPrice, env)
	s.logf("search %s: winner %q; %.4g GPU-hours spent, the grid's estimated %.4g; %d launches, %d full, %d skipped",
		sum.Strategy, sum.Winner, sum.SpentGPUHours, sum.GridGPUHours, sum.Launched, sum.Full, sum.Skipped)
	s.append(log, struct {
		Kind string `json:"kind"`
		search.Summary
	}{"summary", sum})
	if ctx.Err() != nil {
		s.mu.Lock()
		s.sum.Interrupted = true
		s.mu.Unlock()
	}
	return err
}

// gpuHours is a server record's launch-to-stop time × GPUs.
func gpuHours(rec results.Server, gpus int) float64 {
	if rec.StartedAt.IsZero() || rec.EndedAt.Before(rec.StartedAt) {
		return 0
	}
	return rec.EndedAt.Sub(rec.StartedAt).Hours() * float64(max(1, gpus))
}

// probe launches configuration i with its cases cut to outputLen tokens, one
// repeat, no load profiles; its measurements go to the search log only.
func (s *sweepRun) probe(ctx context.Context, log *results.Appender, i, outputLen int) search.Outcome {
	cfg := s.o.Configs[i]
	cfg.Cases = search.ProbeCases(cfg.Cases, outputLen)
	s.logf("[%d/%d] %s: probe (output length %d, one repeat)", i+1, len(s.o.Configs), cfg.ID, outputLen)
	job := s.job(cfg, nil)
	job.Settings.Repeats, job.Load, job.EmitLoad = 1, nil, nil
	var got []results.Result
	job.Emit = func(r results.Result) error {
		got = append(got, r)
		return s.append(log, struct {
			Kind string `json:"kind"`
			results.Result
		}{"probe", withBound(cfg, r)})
	}
	rec := s.o.Executor.Execute(ctx, job)
	s.append(log, struct {
		Kind string `json:"kind"`
		results.Server
	}{"probe_server", rec})
	return s.outcome(got, rec, cfg.GPUs)
}

func (s *sweepRun) outcome(got []results.Result, rec results.Server, gpus int) search.Outcome {
	score, ok := search.Score(s.o.File.Objective, s.o.File.CostBudget, got)
	out := search.Outcome{Score: score, OK: ok, GPUHours: gpuHours(rec, gpus)}
	if !ok {
		out.Err = firstLine(rec.Error)
		if out.Err == "" {
			out.Err = "no case succeeded"
		}
	}
	return out
}

// fullRun runs configuration i like the grid does, keeping its results' score.
func (s *sweepRun) fullRun(ctx context.Context, i int) search.Outcome {
	cfg := s.o.Configs[i]
	s.logf("[%d/%d] %s: %s %s on %d GPU(s)", i+1, len(s.o.Configs), cfg.ID, cfg.Model, cfg.Variant, cfg.GPUs)
	pf, waited := s.prefetch(ctx, i, cfg)
	job := s.job(cfg, nil)
	var got []results.Result
	emit := job.Emit
	job.Emit = func(r results.Result) error { got = append(got, r); return emit(r) }
	rec := s.o.Executor.Execute(ctx, job)
	rec.DownloadS, rec.DownloadTotalS, rec.DownloadFrom = waited.Seconds(), pf.Seconds, pf.Source
	s.recordServer(ctx, cfg, rec)
	return s.outcome(got, rec, cfg.GPUs)
}

// recordSearchSkip writes a skipped result per case and a skipped server record.
func (s *sweepRun) recordSearchSkip(i int, reason string) error {
	cfg, f, now := s.o.Configs[i], s.o.File, time.Now().UTC()
	simulated := s.o.DryRun || s.o.Engine != nil && s.o.Engine.Simulated()
	base := results.ForConfig(s.meta.RunID, cfg, simulated, results.Pricing{GPULabel: f.GPULabel, GPUHourPrice: f.GPUHourPrice})
	for _, r := range results.FailAll(base, cfg, results.StatusSkipped, results.KindSearch, reason, "", now) {
		if err := s.append(s.res, withBound(cfg, r)); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.sum.SkippedSearch++
	s.mu.Unlock()
	if err := s.append(s.srv, results.Server{RunID: s.meta.RunID, ConfigID: cfg.ID, Status: results.StatusSkipped, FailureKind: results.KindSearch, Error: reason, StartedAt: now, EndedAt: now}); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	return nil
}
