// Package runner drives a sweep: for each planned configuration, in order, it
// hands a job to an executor, appends every result as it happens, and records
// what it ran in the run directory (see rundir) so a later `--resume` can
// finish the sweep. A record that cannot be written stops the sweep at once.
package runner

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/executor"
	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/prefetch"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
	"github.com/servesweep/servesweep/internal/sweep"
)

// Options configure a sweep run.
type Options struct {
	File     *sweep.File
	Configs  []plan.Config
	Engine   engine.Engine
	Executor executor.Executor
	Dir      string
	Resume   bool
	// ResumeAnyway resumes a directory whose run.json holds another sweep's
	// fingerprint; configurations whose launch changed run again.
	ResumeAnyway bool
	DryRun       bool
	// Force launches configurations whose pre-flight verdict is skip
	// (on resume too, where they were recorded as skipped).
	Force bool
	// Packed runs several configurations at once on disjoint GPU sets of a
	// GPUs-sized pool; Expected gives each configuration's expected seconds.
	Packed   bool
	GPUs     int
	Topology [][]string
	Expected func(plan.Config) float64
	// Concurrent runs up to this many configurations at once without GPU
	// packing (a cluster executor schedules them).
	Concurrent int
	// Prefetch, when set, fetches each model before its launch and the next one in the background.
	Prefetch *prefetch.Prefetcher
	Log      io.Writer // progress lines
}

// Summary counts what a run did.
type Summary struct {
	RunID       string
	Configs     int
	Skipped     int // complete before this run (resume)
	CasesOK     int
	CasesFailed int
	ServerFails int
	// SkippedPreflight counts configurations not launched because pre-flight said skip.
	SkippedPreflight int
	// SkippedSearch counts configurations the search: strategy did not run.
	SkippedSearch int
	Interrupted   bool
}

// InputError is a problem with what was asked, not with the machine: the
// directory is not a run directory, holds a run already, or holds another sweep.
type InputError struct{ Err error }

func (e InputError) Error() string { return e.Err.Error() }
func (e InputError) Unwrap() error { return e.Err }

func inputf(format string, a ...any) error { return InputError{fmt.Errorf(format, a...)} }

// WriteError is a record that could not be written (disk full, I/O error):
// the sweep stopped, and the configurations it cut short stay incomplete.
type WriteError struct{ Err error }

func (e WriteError) Error() string { return e.Err.Error() }
func (e WriteError) Unwrap() error { return e.Err }

// Run runs every configuration not yet complete in opts.Dir, holding the
// directory's lock throughout.
func Run(ctx context.Context, o Options) (Summary, error) {
	s, err := open(o)
	if err != nil {
		return Summary{}, err
	}
	defer s.close()
	ctx, s.cancel = context.WithCancel(ctx)
	defer s.cancel()
	todo := s.pending()
	runOne := func(i int, cfg plan.Config, gpuIDs []int) (bool, error) { return s.runOne(ctx, i, cfg, gpuIDs) }
	switch {
	case searching(o.File):
		err = s.search(ctx, todo)
	case o.Concurrent > 0:
		err = runConcurrent(ctx, o, todo, o.Concurrent, runOne)
	case o.Packed:
		err = runPacked(ctx, o, todo, runOne, &s.mu, &s.sum, s.logf)
	default:
		err = s.inOrder(ctx, todo, runOne)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writeErr != nil {
		s.sum.Interrupted = false // the sweep stopped itself
		return s.sum, WriteError{s.writeErr}
	}
	return s.sum, err
}

// sweepRun is one Run's state.
type sweepRun struct {
	o            Options
	meta         *rundir.Meta
	lock         *rundir.Lock
	res, srv, ld *results.Appender
	tel          *results.Appender // telemetry.jsonl (telemetry.go)
	qual         *qualityState     // nil without a quality: section
	done         map[string]string // config id → why it is not run again
	settings     bench.Settings
	cancel       context.CancelFunc
	mu           sync.Mutex // guards sum and writeErr
	sum          Summary
	writeErr     error
}

func (s *sweepRun) logf(format string, args ...any) {
	if s.o.Log != nil {
		fmt.Fprintf(s.o.Log, "servesweep: "+format+"\n", args...)
	}
}

// pending lists the indexes of configurations to run and logs the others.
func (s *sweepRun) pending() []int {
	var todo []int
	for i, cfg := range s.o.Configs {
		if why, ok := s.done[cfg.ID]; ok {
			s.sum.Skipped++
			s.logf("[%d/%d] %s: %s", i+1, len(s.o.Configs), cfg.ID, why)
			continue
		}
		todo = append(todo, i)
	}
	return todo
}

func (s *sweepRun) inOrder(ctx context.Context, todo []int, runOne func(int, plan.Config, []int) (bool, error)) error {
	for _, i := range todo {
		if ctx.Err() != nil {
			s.mu.Lock()
			s.sum.Interrupted = true
			s.mu.Unlock()
			return nil
		}
		stop, err := runOne(i, s.o.Configs[i], nil)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

// append writes v; a failure stops the sweep (see failWrite).
func (s *sweepRun) append(a *results.Appender, v any) error {
	err := a.Append(v)
	if err != nil {
		s.failWrite(err)
	}
	return err
}

// failWrite records the first write failure and stops the sweep at once:
// running servers are stopped, nothing more is launched.
func (s *sweepRun) failWrite(err error) {
	s.mu.Lock()
	first := s.writeErr == nil
	if first {
		s.writeErr = err
	}
	s.mu.Unlock()
	if first {
		s.logf("%v; stopping the sweep", err)
	}
	s.cancel()
}

func (s *sweepRun) writeFailure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeErr
}

// runOne runs (or records as skipped) configuration i; stop ends the sweep.
func (s *sweepRun) runOne(ctx context.Context, i int, cfg plan.Config, gpuIDs []int) (stop bool, err error) {
	n := len(s.o.Configs)
	if cfg.Verdict == plan.VerdictSkip && !s.o.Force {
		s.logf("[%d/%d] %s: skipped by pre-flight: %s", i+1, n, cfg.ID, strings.Join(cfg.Reasons, "; "))
		if err := s.recordSkipped(cfg); err != nil {
			return true, nil // the write failure is Run's error
		}
		s.mu.Lock()
		s.sum.SkippedPreflight++
		s.mu.Unlock()
		return false, nil
	}
	where := fmt.Sprintf("%d GPU(s)", cfg.GPUs)
	if cfg.GPUs == 0 {
		where = "CPU (no GPU)"
	}
	if len(gpuIDs) > 0 {
		where = fmt.Sprintf("GPUs %v", gpuIDs)
	}
	s.logf("[%d/%d] %s: %s %s on %s", i+1, n, cfg.ID, cfg.Model, cfg.Variant, where)
	pf, waited := s.prefetch(ctx, i, cfg)
	rec := s.o.Executor.Execute(ctx, s.job(cfg, gpuIDs))
	rec.DownloadS, rec.DownloadTotalS, rec.DownloadFrom = waited.Seconds(), pf.Seconds, pf.Source
	return s.recordServer(ctx, cfg, rec), nil
}

// recordServer appends the server record and says whether the sweep stops.
func (s *sweepRun) recordServer(ctx context.Context, cfg plan.Config, rec results.Server) bool {
	if werr := s.writeFailure(); werr != nil {
		rec.Status, rec.FailureKind = results.StatusFailed, results.KindWriteFailed
		rec.Error = "stopped because a record could not be written: " + werr.Error() + " (--resume runs this configuration again)"
		s.srv.Append(rec) // best effort: without it the configuration is incomplete too
		return true
	}
	if s.append(s.srv, rec) != nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec.Status == results.StatusFailed {
		s.sum.ServerFails++
		s.logf("%s: %s: %s", cfg.ID, rec.FailureKind, firstLine(rec.Error))
	}
	if rec.Status == results.StatusInterrupted || ctx.Err() != nil {
		s.sum.Interrupted = true
		return true
	}
	return false
}

func (s *sweepRun) prefetch(ctx context.Context, i int, cfg plan.Config) (prefetch.Result, time.Duration) {
	if s.o.Prefetch == nil {
		return prefetch.Result{}, 0
	}
	t0 := time.Now()
	pf := s.o.Prefetch.Wait(ctx, cfg.Model)
	waited := time.Since(t0)
	if pf.Seconds > 0.5 {
		s.logf("%s: model %s ready on disk after %.1fs (%s)", cfg.ID, cfg.Model, pf.Seconds, pf.Source)
	}
	if pf.Err != nil {
		s.logf("%s: prefetch: %v (the engine will try itself)", cfg.ID, pf.Err)
	}
	if next := nextModel(s.o.Configs, i); next != "" {
		s.o.Prefetch.Start(ctx, next)
	}
	return pf, waited
}

func (s *sweepRun) job(cfg plan.Config, gpuIDs []int) executor.Job {
	o := s.o
	return executor.Job{
		RunID: s.meta.RunID, Config: cfg, Engine: o.Engine, Dir: o.Dir, Settings: s.settings, GPUIDs: gpuIDs,
		Load: o.File.Load, SLO: o.File.SLO, Workload: o.File.Workload, Telemetry: s.telemetry(), // telemetry.go
		EmitLoad: func(r load.Result) error {
			if s.ld == nil {
				return nil
			}
			return s.append(s.ld, r)
		},
		Timeouts: executor.Timeouts{Launch: o.File.LaunchTimeout, StopGrace: o.File.StopGrace},
		Emit: func(r results.Result) error {
			if err := s.append(s.res, withBound(cfg, r)); err != nil {
				return err
			}
			s.mu.Lock()
			if r.Status == results.StatusOK {
				s.sum.CasesOK++
			} else {
				s.sum.CasesFailed++
			}
			s.mu.Unlock()
			return nil
		},
		Progress: s.logf,
		Quality:  s.qualityJob(cfg),
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// recordSkipped writes a skipped result per case and a skipped server record.
func (s *sweepRun) recordSkipped(cfg plan.Config) error {
	f, now := s.o.File, time.Now().UTC()
	reason := "skipped by pre-flight: " + strings.Join(cfg.Reasons, "; ") + " (--force launches it anyway)"
	simulated := s.o.DryRun || s.o.Engine != nil && s.o.Engine.Simulated()
	base := results.ForConfig(s.meta.RunID, cfg, simulated, results.Pricing{GPULabel: f.GPULabel, GPUHourPrice: f.GPUHourPrice})
	for _, r := range results.FailAll(base, cfg, results.StatusSkipped, results.KindPreflight, reason, "", now) {
		if err := s.append(s.res, withBound(cfg, r)); err != nil {
			return err
		}
	}
	return s.append(s.srv, results.Server{RunID: s.meta.RunID, ConfigID: cfg.ID, Status: results.StatusSkipped, FailureKind: results.KindPreflight, Error: reason, StartedAt: now, EndedAt: now})
}

// nextModel is the model of the first configuration after i with another model.
func nextModel(cfgs []plan.Config, i int) string {
	for _, c := range cfgs[i+1:] {
		if c.Model != cfgs[i].Model && c.Verdict != plan.VerdictSkip {
			return c.Model
		}
	}
	return ""
}
