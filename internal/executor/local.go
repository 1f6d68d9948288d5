package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/gpu"
	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/sweep"
)

// Local runs servers as child processes of this machine.
type Local struct {
	// Host is the address servers listen on (127.0.0.1 by default).
	Host string
	// GPUs, when set, reads the host's GPUs: a configuration's GPUs are checked
	// free before its launch and waited on until released after its stop.
	GPUs gpu.Source
	// GPUCount is the number of GPUs on the host.
	GPUCount int
	// ReleaseTimeout bounds the wait for GPU memory after a stop (default 60s).
	ReleaseTimeout time.Duration
}

// Substitute replaces launch placeholders in s.
func Substitute(s, host string, port int, traceDir, workDir string) string {
	r := strings.NewReplacer(engine.HostPlaceholder, host, engine.PortPlaceholder, strconv.Itoa(port),
		engine.TraceDirPlaceholder, traceDir, engine.WorkDirPlaceholder, workDir)
	return r.Replace(s)
}

// Execute implements Executor.
func (l Local) Execute(ctx context.Context, job Job) results.Server {
	host := l.Host
	if host == "" {
		host = "127.0.0.1"
	}
	cfg := job.Config
	rec := results.Server{RunID: job.RunID, ConfigID: cfg.ID, StartedAt: time.Now().UTC()}
	workDir, _ := filepath.Abs(filepath.Join(job.Dir, cfg.ID))
	traceDir := filepath.Join(workDir, "traces")
	logPath := filepath.Join(workDir, "server.log")
	rec.LogPath = filepath.Join(cfg.ID, "server.log")
	progress := job.Progress
	if progress == nil {
		progress = func(string, ...any) {}
	}
	base := baseResult(job, host)

	failAll := func(kind, msg, tail string) results.Server {
		for _, c := range cfg.Cases {
			r := base
			r.BatchSize, r.InputLen, r.OutputLen = c.BatchSize, c.InputLen, c.OutputLen
			r.Status, r.FailureKind, r.Error, r.LogTail = results.StatusFailed, kind, msg, tail
			r.StartedAt, r.EndedAt = rec.StartedAt, time.Now().UTC()
			_ = job.Emit(r)
		}
		rec.Status, rec.FailureKind, rec.Error, rec.LogTail = results.StatusFailed, kind, msg, tail
		rec.EndedAt = time.Now().UTC()
		return rec
	}

	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return failAll(results.KindLaunchError, err.Error(), "")
	}
	port, err := proc.FreePort(host)
	if err != nil {
		return failAll(results.KindLaunchError, err.Error(), "")
	}
	rec.Port = port
	argv := make([]string, len(cfg.Command))
	for i, a := range cfg.Command {
		argv[i] = Substitute(a, host, port, traceDir, workDir)
	}
	var env []string
	for k, v := range cfg.Env {
		env = append(env, k+"="+Substitute(v, host, port, traceDir, workDir))
	}
	gpuIDs := job.GPUIDs
	if len(gpuIDs) > 0 {
		if _, set := cfg.Env["CUDA_VISIBLE_DEVICES"]; !set {
			env = append(env, "CUDA_VISIBLE_DEVICES="+gpu.Visible(gpuIDs))
		}
		base.GPUIDs, rec.GPUIDs = gpuIDs, gpuIDs
	}
	if l.GPUs != nil {
		if cfg.GPUs > l.GPUCount {
			return failAll(results.KindLaunchError, fmt.Sprintf("needs %d GPUs, the host has %d", cfg.GPUs, l.GPUCount), "")
		}
		for i := 0; i < cfg.GPUs && len(job.GPUIDs) == 0; i++ {
			gpuIDs = append(gpuIDs, i)
		}
		if err := gpu.CheckFree(ctx, l.GPUs, gpuIDs); err != nil {
			return failAll(results.KindGPUBusy, "GPUs not free before launch: "+err.Error()+" (stop what holds them, then --resume)", "")
		}
		if _, set := cfg.Env["CUDA_VISIBLE_DEVICES"]; !set && len(job.GPUIDs) == 0 {
			env = append(env, "CUDA_VISIBLE_DEVICES="+gpu.Visible(gpuIDs))
		}
		base.GPUIDs = gpuIDs
		rec.GPUIDs = gpuIDs
	}
	base.Command = argv
	p, err := proc.Start(argv, env, logPath)
	if err != nil {
		return failAll(results.KindLaunchError, err.Error()+" (is the engine installed and on PATH?)", "")
	}
	rec.PID = p.PID
	tail := func() string { return proc.LogTail(logPath, 30) }
	stop := func() {
		rep := p.Stop(job.Timeouts.StopGrace, 10*time.Second)
		rec.ShutdownS = rep.Duration.Seconds()
		rec.ForcedKill = rep.Forced
		rec.LeftoverPIDs = rep.Leftover
		rec.ExitStatus = p.ExitStatus()
		rec.EndedAt = time.Now().UTC()
		if rep.Forced && rec.Status == results.StatusOK {
			rec.Status, rec.FailureKind = results.StatusFailed, results.KindStopTimeout
			rec.Error = fmt.Sprintf("server ignored SIGTERM for %s; the process group was killed with SIGKILL", job.Timeouts.StopGrace)
			rec.LogTail = tail()
		}
		if len(rep.Leftover) > 0 {
			rec.Status, rec.FailureKind = results.StatusFailed, results.KindLeftover
			rec.Error = fmt.Sprintf("processes %v of the server's group survived SIGKILL", rep.Leftover)
		}
		progress("%s: stopped in %.2fs%s", cfg.ID, rep.Duration.Seconds(), map[bool]string{true: " (SIGKILL after grace)", false: ""}[rep.Forced])
		if l.GPUs != nil {
			timeout := l.ReleaseTimeout
			if timeout <= 0 {
				timeout = 60 * time.Second
			}
			d, err := gpu.WaitReleased(context.Background(), l.GPUs, gpuIDs, timeout)
			rec.GPUReleaseS = d.Seconds()
			if err != nil {
				rec.Status, rec.FailureKind, rec.Error = results.StatusFailed, results.KindGPUNotReleased, err.Error()
			} else {
				progress("%s: GPUs %v released in %.2fs", cfg.ID, gpuIDs, d.Seconds())
			}
		}
	}

	// Wait for readiness: fail fast when the process exits, and at the launch timeout.
	maxCtx := 0
	for _, c := range cfg.Cases {
		maxCtx = max(maxCtx, c.InputLen+c.OutputLen)
	}
	client := job.Engine.NewClient("http://"+host+":"+strconv.Itoa(port), engine.ClientConfig{
		ModelPath: cfg.Model, ModelKey: cfg.ModelKey, Args: cfg.Args, Command: argv, Env: env, WorkDir: workDir, MaxContext: maxCtx,
	})
	progress("%s: launched pid %d on port %d, waiting for readiness", cfg.ID, p.PID, port)
	readyErr := waitReady(ctx, client, p, job.Timeouts.Launch)
	if readyErr != nil {
		kind, msg := results.KindLaunchTimeout, readyErr.Error()
		switch {
		case errors.Is(readyErr, context.Canceled) || ctx.Err() != nil:
			stop()
			rec.Status, rec.Error = "interrupted", "interrupted before the server was ready"
			return rec
		case errors.Is(readyErr, errExited):
			kind = results.KindLaunchCrash
		}
		stop()
		t := tail()
		if bench.IsOOM(t) {
			kind = results.KindOOM
		}
		if kind == results.KindLaunchCrash && (strings.Contains(t, "No module named") || strings.Contains(t, "command not found")) {
			msg += "; the engine is not installed where servesweep runs (install it, or set engine_command to its launcher)"
		}
		if kind == results.KindLaunchCrash && isPortInUse(t) {
			kind = results.KindPortInUse
			msg += fmt.Sprintf("; the server could not bind its port (port %d was free when servesweep chose it; a port pinned in env or extra_args may be taken: free it or remove the pin)", port)
		}
		return failAll(kind, msg, t) // rec already holds what stop() saw
	}
	rec.ReadyS = time.Since(p.Started).Seconds()
	progress("%s: ready in %.2fs", cfg.ID, rec.ReadyS)
	if pr, ok := client.(engine.Preparer); ok {
		t0 := time.Now()
		if err := pr.Prepare(ctx); err != nil {
			if ctx.Err() != nil {
				stop()
				rec.Status, rec.Error = "interrupted", "interrupted while preparing the server"
				return rec
			}
			stop()
			return failAll(results.KindPrepareFailed, err.Error(), tail())
		}
		rec.PrepareS = time.Since(t0).Seconds()
		progress("%s: prepared in %.2fs", cfg.ID, rec.PrepareS)
	}
	settings := job.Settings
	if wc, ok := job.Engine.(interface{ WarmupCase([]plan.Case) plan.Case }); ok {
		w := wc.WarmupCase(cfg.Cases)
		settings.WarmupCase = &w
	}

	sess := &bench.Session{
		Client: client, Config: cfg, Settings: settings, Base: base, TraceDir: traceDir,
		Alive: func() error {
			if p.HasExited() {
				return fmt.Errorf("server process exited (%s)", p.ExitStatus())
			}
			return nil
		},
		LogTail:       tail,
		FindTokenizer: TokenizerFinder(settings.TokenizerDirs),
		Notef:         progress,
		Emit: func(r results.Result) error {
			if r.Status == results.StatusOK {
				progress("%s: bs=%d in=%d out=%d  latency %.2fs  ITL %.2fms  out %.1f tok/s", cfg.ID, r.BatchSize, r.InputLen, r.OutputLen, *r.LatencyS, *r.ITLMs, *r.OutputThroughput)
			} else {
				progress("%s: bs=%d in=%d out=%d  FAILED (%s): %s", cfg.ID, r.BatchSize, r.InputLen, r.OutputLen, r.FailureKind, firstLine(r.Error))
			}
			return job.Emit(r)
		},
	}
	rec.Status = results.StatusOK
	runErr := sess.Run(ctx)
	if runErr == nil && ctx.Err() == nil && len(job.Load) > 0 && job.EmitLoad != nil {
		runLoad(ctx, job, client, sess.Info().TimeScale, p, progress)
	}
	if info, err := client.ServerInfo(context.Background()); err == nil {
		rec.EngineVersion = info.Version
	}
	switch {
	case ctx.Err() != nil:
		rec.Status, rec.Error = "interrupted", "interrupted by the user"
	case errors.Is(runErr, bench.ErrServerDied):
		rec.Status, rec.FailureKind, rec.Error, rec.LogTail = results.StatusFailed, results.KindServerDied, runErr.Error(), tail()
		if bench.IsOOM(rec.LogTail) {
			rec.FailureKind = results.KindOOM
		}
	case runErr != nil:
		rec.Status, rec.Error = results.StatusFailed, runErr.Error()
	}
	stop()
	return rec
}

// TokenizerFinder finds a model's tokenizer.json where its config.json would
// be: a local model folder, dirs (<org>--<name>/tokenizer.json), or the
// Hugging Face cache ($HF_HOME, ~/.cache/huggingface) — by then the engine or
// the prefetcher has downloaded the model. The Hub is not asked.
func TokenizerFinder(dirs []string) func(ctx context.Context, model string) (string, error) {
	return func(ctx context.Context, model string) (string, error) {
		loc := modelinfo.Locator{ConfigDirs: dirs, HFHome: os.Getenv("HF_HOME"), Home: os.Getenv("HOME"), Offline: true}
		_, path, err := loc.FindFile(ctx, model, "tokenizer.json")
		return path, err
	}
}

var errExited = errors.New("server process exited before it was ready")

// waitReady polls the client's readiness with a short, growing interval.
func waitReady(ctx context.Context, c engine.Client, p *proc.Process, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	delay := 20 * time.Millisecond
	for {
		if p.HasExited() {
			return fmt.Errorf("%w (%s)", errExited, p.ExitStatus())
		}
		rctx, cancel := context.WithTimeout(ctx, min(5*time.Second, time.Until(deadline)+time.Millisecond))
		err := c.Ready(rctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not ready after %s (launch_timeout); last check: %v", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.Exited():
		case <-time.After(min(delay, time.Until(deadline))):
		}
		delay = min(delay*3/2, time.Second)
	}
}

func baseResult(job Job, host string) results.Result {
	cfg := job.Config
	hn, _ := os.Hostname()
	return results.Result{
		RunID: job.RunID, ConfigID: cfg.ID, ModelKey: cfg.ModelKey, Model: cfg.Model, ModelName: cfg.ModelName,
		Variant: cfg.Variant, Engine: cfg.Engine, Simulated: job.Engine.Simulated(), GPUs: cfg.GPUs,
		GPULabel: job.Settings.GPULabel, GPUHourPrice: job.Settings.GPUHourPrice, Command: cfg.Command, Env: cfg.Env, Host: hn,
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// isPortInUse reports whether a server log says its address was taken.
func isPortInUse(log string) bool {
	l := strings.ToLower(log)
	return strings.Contains(l, "address already in use") || strings.Contains(l, "is not free")
}

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
			r := load.Run(ctx, client, prof, k.in, k.out, job.SLO, runtime.NumCPU(), timeScale)
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
func ProfileLabel(p sweep.LoadProfile) string {
	if p.Concurrency > 0 {
		return fmt.Sprintf("concurrency %d", p.Concurrency)
	}
	return fmt.Sprintf("rate %g/s %s", p.Rate, p.Arrival)
}
