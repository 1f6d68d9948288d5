// Package runner drives a sweep: for each planned configuration, in order, it
// hands a job to an executor, appends every result as it happens, and records
// what it ran in the run directory so a later `--resume` can finish the sweep.
package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/executor"
	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/prefetch"
	"github.com/servesweep/servesweep/internal/redact"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/sweep"
)

// LoadFile holds one JSON line per load profile result.
const LoadFile = "load.jsonl"

// MetaFile is the run directory's description of the run.
const MetaFile = "run.json"

// Meta describes a run; the report reads it to title and order its tables.
type Meta struct {
	RunID        string        `json:"run_id"`
	Name         string        `json:"name"`
	SweepFile    string        `json:"sweep_file"`
	Engine       string        `json:"engine"`
	DryRun       bool          `json:"dry_run"`
	GPULabel     string        `json:"gpu_label"`
	GPUHourPrice float64       `json:"gpu_hour_price"`
	Schedule     string        `json:"schedule"`
	Repeats      int           `json:"repeats"`
	Objective    string        `json:"objective,omitempty"`
	CostBudget   float64       `json:"cost_budget,omitempty"`
	StartedAt    time.Time     `json:"started_at"`
	Configs      []plan.Config `json:"configs"`
}

// Options configure a sweep run.
type Options struct {
	File     *sweep.File
	Configs  []plan.Config
	Engine   engine.Engine
	Executor executor.Executor
	Dir      string
	Resume   bool
	DryRun   bool
	// Force launches configurations whose pre-flight verdict is skip.
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
	Interrupted      bool
}

// Run runs every configuration not yet complete in opts.Dir.
func Run(ctx context.Context, o Options) (Summary, error) {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("cannot create run directory: %w", err)
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "servesweep: "+format+"\n", args...)
		}
	}
	done := map[string]bool{}
	meta, err := readMeta(o.Dir)
	if err != nil && !os.IsNotExist(err) {
		return Summary{}, err
	}
	if o.Resume {
		if meta == nil {
			return Summary{}, fmt.Errorf("%s has no %s: it is not a servesweep run directory (run without --resume to start one)", o.Dir, MetaFile)
		}
		servers, err := results.ReadLines[results.Server](filepath.Join(o.Dir, results.ServersFile))
		if err != nil {
			return Summary{}, err
		}
		for id, s := range results.LatestServers(servers) {
			if s.Status != "interrupted" {
				done[id] = true
			}
		}
	} else if meta != nil {
		return Summary{}, fmt.Errorf("%s already holds a run (%s); use --resume %s to finish it, or choose another --out", o.Dir, meta.RunID, o.Dir)
	}
	runID := time.Now().UTC().Format("20060102T150405Z")
	if meta == nil {
		meta = &Meta{RunID: runID, Name: o.File.Name, SweepFile: o.File.Source, Engine: o.File.Engine, DryRun: o.DryRun,
			GPULabel: o.File.GPULabel, GPUHourPrice: o.File.GPUHourPrice, Schedule: "exclusive", StartedAt: time.Now().UTC(), Configs: o.Configs,
			Repeats: o.File.Repeats, Objective: o.File.Objective, CostBudget: o.File.CostBudget}
	} else {
		meta.Configs = mergeConfigs(meta.Configs, o.Configs)
	}
	if o.Packed {
		meta.Schedule = "packed"
	}
	if err := writeMeta(o.Dir, meta); err != nil {
		return Summary{}, err
	}
	resApp, err := results.OpenAppender(filepath.Join(o.Dir, results.ResultsFile))
	if err != nil {
		return Summary{}, err
	}
	defer resApp.Close()
	srvApp, err := results.OpenAppender(filepath.Join(o.Dir, results.ServersFile))
	if err != nil {
		return Summary{}, err
	}
	defer srvApp.Close()
	var loadApp *results.Appender
	if len(o.File.Load) > 0 {
		if loadApp, err = results.OpenAppender(filepath.Join(o.Dir, LoadFile)); err != nil {
			return Summary{}, err
		}
		defer loadApp.Close()
	}

	sum := Summary{RunID: meta.RunID, Configs: len(o.Configs)}
	settings := bench.Settings{
		Profile: o.File.Profile, ProfileSteps: o.File.ProfileSteps, RequestTimeout: o.File.RequestTimeout,
		Warmup: o.File.Warmup, GPUHourPrice: o.File.GPUHourPrice, GPULabel: o.File.GPULabel, Repeats: o.File.Repeats,
	}
	var mu sync.Mutex // guards sum
	runOne := func(i int, cfg plan.Config, gpuIDs []int) (stop bool, err error) {
		if cfg.Verdict == "skip" && !o.Force {
			logf("[%d/%d] %s: skipped by pre-flight: %s", i+1, len(o.Configs), cfg.ID, strings.Join(cfg.Reasons, "; "))
			if err := recordSkipped(meta.RunID, cfg, o.File, o.DryRun, resApp, srvApp); err != nil {
				return true, err
			}
			mu.Lock()
			sum.SkippedPreflight++
			mu.Unlock()
			return false, nil
		}
		where := fmt.Sprintf("%d GPU(s)", cfg.GPUs)
		if len(gpuIDs) > 0 {
			where = fmt.Sprintf("GPUs %v", gpuIDs)
		}
		logf("[%d/%d] %s: %s %s on %s", i+1, len(o.Configs), cfg.ID, cfg.Model, cfg.Variant, where)
		var pf prefetch.Result
		var waited time.Duration
		if o.Prefetch != nil {
			t0 := time.Now()
			pf = o.Prefetch.Wait(ctx, cfg.Model)
			waited = time.Since(t0)
			if pf.Seconds > 0.5 {
				logf("%s: model %s ready on disk after %.1fs (%s)", cfg.ID, cfg.Model, pf.Seconds, pf.Source)
			}
			if pf.Err != nil {
				logf("%s: prefetch: %v (the engine will try itself)", cfg.ID, pf.Err)
			}
			if next := nextModel(o.Configs, i); next != "" {
				o.Prefetch.Start(ctx, next)
			}
		}
		job := executor.Job{
			RunID: meta.RunID, Config: cfg, Engine: o.Engine, Dir: o.Dir, Settings: settings, GPUIDs: gpuIDs,
			Load: o.File.Load, SLO: o.File.SLO,
			EmitLoad: func(r load.Result) error {
				if loadApp == nil {
					return nil
				}
				return loadApp.Append(r)
			},
			Timeouts: executor.Timeouts{Launch: o.File.LaunchTimeout, StopGrace: o.File.StopGrace},
			Emit: func(r results.Result) error {
				mu.Lock()
				if r.Status == results.StatusOK {
					sum.CasesOK++
				} else {
					sum.CasesFailed++
				}
				mu.Unlock()
				return resApp.Append(r)
			},
			Progress: logf,
		}
		rec := o.Executor.Execute(ctx, job)
		rec.DownloadS, rec.DownloadTotalS, rec.DownloadFrom = waited.Seconds(), pf.Seconds, pf.Source
		if err := srvApp.Append(rec); err != nil {
			return true, fmt.Errorf("cannot record server: %w", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if rec.Status == results.StatusFailed {
			sum.ServerFails++
			logf("%s: %s: %s", cfg.ID, rec.FailureKind, firstLine(rec.Error))
		}
		if rec.Status == "interrupted" || ctx.Err() != nil {
			sum.Interrupted = true
			return true, nil
		}
		return false, nil
	}
	var todo []int
	for i, cfg := range o.Configs {
		if done[cfg.ID] {
			sum.Skipped++
			logf("[%d/%d] %s: already complete, skipped (resume)", i+1, len(o.Configs), cfg.ID)
			continue
		}
		todo = append(todo, i)
	}
	if o.Concurrent > 0 {
		if o.Concurrent > 1 {
			meta.Schedule = "cluster"
			writeMeta(o.Dir, meta)
		}
		err = runConcurrent(ctx, o, todo, o.Concurrent, runOne)
		return sum, err
	}
	if !o.Packed {
		for _, i := range todo {
			if ctx.Err() != nil {
				sum.Interrupted = true
				break
			}
			stop, err := runOne(i, o.Configs[i], nil)
			if err != nil {
				return sum, err
			}
			if stop {
				break
			}
		}
		return sum, nil
	}
	err = runPacked(ctx, o, todo, runOne, &mu, &sum, logf)
	return sum, err
}

func mergeConfigs(old, cur []plan.Config) []plan.Config {
	seen := map[string]bool{}
	out := append([]plan.Config{}, old...)
	for _, c := range old {
		seen[c.ID] = true
	}
	for _, c := range cur {
		if !seen[c.ID] {
			out = append(out, c)
		}
	}
	return out
}

// ReadMeta reads dir's run.json.
func ReadMeta(dir string) (*Meta, error) { return readMeta(dir) }

func readMeta(dir string) (*Meta, error) {
	b, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return nil, err
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, MetaFile), err)
	}
	return &m, nil
}

// WriteMeta writes dir's run.json atomically.
func WriteMeta(dir string, m *Meta) error { return writeMeta(dir, m) }

func writeMeta(dir string, m *Meta) error {
	b, _ := json.MarshalIndent(m, "", "  ")
	b = redact.JSON(b)
	tmp := filepath.Join(dir, MetaFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, MetaFile))
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// recordSkipped writes a skipped result per case and a skipped server record.
func recordSkipped(runID string, cfg plan.Config, f *sweep.File, dry bool, res, srv *results.Appender) error {
	now := time.Now().UTC()
	reason := "skipped by pre-flight: " + strings.Join(cfg.Reasons, "; ") + " (--force launches it anyway)"
	for _, c := range cfg.Cases {
		r := results.Result{RunID: runID, ConfigID: cfg.ID, ModelKey: cfg.ModelKey, Model: cfg.Model, ModelName: cfg.ModelName,
			Variant: cfg.Variant, Engine: cfg.Engine, Simulated: dry || cfg.Engine == "sim", Status: results.StatusSkipped,
			BatchSize: c.BatchSize, InputLen: c.InputLen, OutputLen: c.OutputLen, GPUs: cfg.GPUs, GPULabel: f.GPULabel,
			GPUHourPrice: f.GPUHourPrice, Error: reason, FailureKind: results.KindPreflight, Command: cfg.Command, StartedAt: now, EndedAt: now}
		if err := res.Append(r); err != nil {
			return err
		}
	}
	return srv.Append(results.Server{RunID: runID, ConfigID: cfg.ID, Status: results.StatusSkipped, FailureKind: results.KindPreflight, Error: reason, StartedAt: now, EndedAt: now})
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
