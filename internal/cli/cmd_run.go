package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/registry"
	"github.com/servesweep/servesweep/internal/engine/sim"
	"github.com/servesweep/servesweep/internal/executor"
	"github.com/servesweep/servesweep/internal/history"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/prefetch"
	"github.com/servesweep/servesweep/internal/report"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/runner"
	"github.com/servesweep/servesweep/internal/schedule"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/spf13/cobra"
)

type runOptions struct {
	Out       string
	Resume    string
	DryRun    bool
	Strict    bool
	TimeScale float64
	Host      string
	Force     bool
	Repeats   int
	DB        string
	Parallel  bool
	NoHistory bool
	pre       preflightOptions

	// ResumeAnyway resumes a directory that ran another sweep.
	ResumeAnyway bool
}

func newRunCmd(env Env) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a sweep: launch, benchmark and stop every configuration",
		Long: `run launches each configuration's server in its own process group on a free
port, waits for readiness (failing fast if the process exits), flushes the cache,
runs a warmup and every benchmark case, captures traces when profile: true, then
stops the server (SIGTERM, then SIGKILL of the group) and goes on, whatever
happened. Results are appended to DIR/results.jsonl as they happen; DIR/report.md
is written at the end (and appended to $GITHUB_STEP_SUMMARY when set).

One process at a time writes a run directory: a second one on the same
directory exits 1 naming the PID that holds it. --resume refuses a directory
that ran another sweep (run.json keeps the sweep's fingerprint) unless
--resume-anyway. A record that cannot be written (disk full) stops the sweep
at once (failure kind write_failed); what was written is kept and --resume
runs the configurations it cut short again.

Exit status: 0 when the sweep ran (even if configurations failed; use --strict
to make failures exit 1), 1 when a record could not be written or the
directory is in use, 2 for bad input, 130 when interrupted (Ctrl-C, SIGTERM
or SIGHUP keeps everything measured; finish with --resume DIR; a second Ctrl-C
kills servers still in their stop grace period). A server left running by a
servesweep that was killed (SIGKILL) is stopped by the next --resume DIR.`,
		Example: `  servesweep run examples/neurips-tp-moe.yaml --out runs/nightly
  servesweep run --dry-run examples/neurips-tp-moe.yaml --out /tmp/rehearsal
  servesweep run examples/neurips-tp-moe.yaml --resume runs/nightly`,
		Args: exactArgs(1, "a sweep file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), env, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "run directory (default runs/<name>-<time>)")
	f.StringVar(&o.Resume, "resume", "", "finish the run in `DIR`: skip configurations already complete there")
	f.BoolVar(&o.ResumeAnyway, "resume-anyway", false, "with --resume: add this sweep to a directory that ran another one (configurations whose launch changed run again)")
	f.BoolVar(&o.DryRun, "dry-run", false, "serve every configuration with the simulated engine (no GPUs needed)")
	f.BoolVar(&o.Strict, "strict", false, "exit 1 when any case or server failed")
	f.Float64Var(&o.TimeScale, "time-scale", 0.05, "with --dry-run: run the simulation this much faster than modelled time (results are converted back)")
	f.StringVar(&o.Host, "host", "127.0.0.1", "address servers listen on")
	f.BoolVar(&o.Force, "force", false, "launch configurations that pre-flight checks would skip")
	f.BoolVar(&o.Parallel, "parallel", false, "packed schedule: run several configurations at once on disjoint GPU sets (same as schedule: packed)")
	f.StringVar(&o.DB, "db", "", "history database the run is recorded in (default under the user's data directory)")
	f.BoolVar(&o.NoHistory, "no-history", false, "do not record the run in the history database")
	f.IntVar(&o.Repeats, "repeats", 0, "run each case this many times (overrides the sweep file's repeats)")
	o.pre.addFlags(cmd)
	return cmd
}

func runRun(ctx context.Context, env Env, o runOptions, path string) error {
	if o.Resume != "" && o.Out != "" && o.Out != o.Resume {
		return usagef("--out and --resume name different directories; use --resume DIR alone")
	}
	if o.TimeScale <= 0 {
		return usagef("--time-scale must be positive")
	}
	if o.ResumeAnyway && o.Resume == "" {
		return usagef("--resume-anyway goes with --resume DIR")
	}
	var engineFor func(*sweep.File) engine.Engine
	if o.DryRun {
		engineFor = func(f *sweep.File) engine.Engine {
			return sim.Engine{TimeScale: strconv.FormatFloat(o.TimeScale, 'g', -1, 64), StandingIn: f.Engine}
		}
	}
	o.pre.db = dbPath(env, o.DB)
	f, cfgs, eng, err := loadPlan(ctx, env, path, engineFor, o.pre)
	if err != nil {
		return err
	}
	if o.Repeats > 0 {
		f.Repeats = o.Repeats
	}
	dir := o.Out
	if o.Resume != "" {
		dir = o.Resume
	}
	if dir == "" {
		name := f.Name
		if name == "" {
			name = "sweep"
		}
		dir = filepath.Join("runs", name+"-"+time.Now().Format("20060102-150405"))
	}
	ropts := runner.Options{
		File: f, Configs: cfgs, Engine: eng, Executor: localExecutor(ctx, env, o, eng), Dir: dir,
		Resume: o.Resume != "", ResumeAnyway: o.ResumeAnyway, DryRun: o.DryRun, Log: env.Stderr, Force: o.Force,
	}
	if !o.DryRun && !engine.TraitsOf(eng).NoPrefetch {
		off := env.Getenv("HF_HUB_OFFLINE")
		ropts.Prefetch = &prefetch.Prefetcher{Offline: off == "1" || off == "true"}
	}
	built, err := executor.Build(f.Executor, executor.Settings{File: f, Self: env.Self, DryRun: o.DryRun, TimeScale: o.TimeScale, Local: ropts.Executor.(executor.Local)})
	if err != nil {
		return usageError{err}
	}
	ropts.Executor, ropts.Concurrent = built.Executor, built.Concurrent
	if built.Remote {
		ropts.Prefetch = nil // the jobs' nodes fetch their models
	} else if o.Parallel || f.Schedule == "packed" {
		hw := o.pre.hardware(ctx, f)
		if hw == nil || hw.GPUs == 0 {
			return usagef("a packed schedule needs the host's GPU count: add hardware: {gpus: N} to the sweep file or pass --gpus N")
		}
		ropts.Packed, ropts.GPUs = true, hw.GPUs
		if snap, err := hostGPUs(); err == nil {
			ropts.Topology = snap.Topology
		}
		scale := 0.0
		if o.DryRun {
			scale = o.TimeScale
		}
		ropts.Expected = func(c plan.Config) float64 { return expectedSeconds(f, c, scale) }
	}
	fmt.Fprintf(env.Stderr, "servesweep: run directory %s (%d configurations%s)\n", dir, len(cfgs), map[bool]string{true: ", dry run with the sim engine", false: ""}[o.DryRun])
	sum, err := runner.Run(ctx, ropts)
	return finishRun(env, o, path, dir, sum, err)
}

// finishRun maps the runner's outcome to an exit and, when the sweep ran,
// writes the reports and records the run in the history.
func finishRun(env Env, o runOptions, path, dir string, sum runner.Summary, err error) error {
	var ie runner.InputError
	var we runner.WriteError
	switch {
	case errors.As(err, &ie):
		return usageError{err}
	case errors.As(err, &we):
		return exitError{code: ExitFailure, msg: fmt.Sprintf("%v: the sweep stopped (%s); everything written is kept: free space, then finish it with servesweep run %s --resume %s",
			err, results.KindWriteFailed, path, dir)}
	case err != nil:
		return err
	}
	if err := writeReports(env, dir); err != nil {
		return err
	}
	if !o.NoHistory {
		if err := recordHistory(env, o.DB, dir); err != nil {
			fmt.Fprintf(env.Stderr, "servesweep: warning: run not recorded in the history database: %v\n", err)
		}
	}
	fmt.Fprintf(env.Stderr, "servesweep: %d cases passed, %d failed; %d server failures; %d configurations skipped by pre-flight; report: %s\n",
		sum.CasesOK, sum.CasesFailed, sum.ServerFails, sum.SkippedPreflight, filepath.Join(dir, "report.md"))
	if sum.Interrupted {
		return errInterrupted
	}
	if o.Strict && (sum.CasesFailed > 0 || sum.ServerFails > 0) {
		return exitError{code: ExitFailure, msg: "--strict: some cases or servers failed"}
	}
	return nil
}

// linkOptions reads the seed's trace-link variables.
func linkOptions(env Env, dir string) report.LinkOptions {
	return report.LinkOptions{TraceBaseURL: env.Getenv("TRACE_BASE_URL"), PerfettoRelayURL: env.Getenv("PERFETTO_RELAY_URL"), RunDir: dir}
}

// writeReports writes DIR/report.md and DIR/report.json and appends the
// markdown to $GITHUB_STEP_SUMMARY when set.
func writeReports(env Env, dir string) error {
	rep, err := report.Load(dir, linkOptions(env, dir))
	if err != nil {
		return err
	}
	printWarnings(env, rep)
	md, err := os.Create(filepath.Join(dir, "report.md"))
	if err != nil {
		return err
	}
	if err := rep.Markdown(md); err != nil {
		md.Close()
		return err
	}
	md.Close()
	if h, err := os.Create(filepath.Join(dir, "report.html")); err == nil {
		rep.HTML(h, report.HTMLOptions{})
		h.Close()
	}
	js, err := os.Create(filepath.Join(dir, "report.json"))
	if err != nil {
		return err
	}
	rep.JSON(js)
	js.Close()
	if p := env.Getenv("GITHUB_STEP_SUMMARY"); p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("cannot append to GITHUB_STEP_SUMMARY: %w", err)
		}
		defer f.Close()
		return rep.Markdown(f)
	}
	return nil
}

func recordHistory(env Env, db, dir string) error {
	d, err := history.Open(dbPath(env, db))
	if err != nil {
		return err
	}
	defer d.Close()
	id, err := d.Record(dir)
	if err == nil {
		fmt.Fprintf(env.Stderr, "servesweep: recorded run %s in %s\n", id, dbPath(env, db))
	}
	return err
}

func writeFileString(p, s string) error { return os.WriteFile(p, []byte(s), 0o644) }

// expectedSeconds estimates a configuration's wall time for scheduling and makespan.
func expectedSeconds(f *sweep.File, c plan.Config, timeScale float64) float64 {
	var cases []schedule.CaseShape
	for _, k := range c.Cases {
		cases = append(cases, schedule.CaseShape{BatchSize: k.BatchSize, InputLen: k.InputLen, OutputLen: k.OutputLen})
	}
	launch, simulated := engineTraits(c.Engine)
	if !simulated {
		timeScale = 0
	}
	return schedule.ExpectedWith(launch, cases, f.Profile, f.Warmup, f.Repeats, timeScale, modelCaseSeconds(c))
}

func newSlurmJobCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:    "slurm-job SPEC",
		Short:  "Run one configuration inside a Slurm job (used by executor: slurm)",
		Hidden: true,
		Args:   exactArgs(1, "a job spec (job.json)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var spec executor.JobSpec
			if err := json.Unmarshal(b, &spec); err != nil {
				return err
			}
			eng, err := executor.JobEngine(spec, registry.Get)
			if err != nil {
				return err
			}
			return executor.RunJob(cmd.Context(), args[0], eng, func(format string, a ...any) {
				fmt.Fprintf(env.Stderr, "servesweep: "+format+"\n", a...)
			})
		},
	}
}
