package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/gpu"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/telemetry"
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

// execution is one configuration's run on this machine.
type execution struct {
	l                          Local
	job                        Job
	cfg                        plan.Config
	host                       string
	rec                        results.Server
	base                       results.Result
	workDir, traceDir, logPath string
	progress                   func(string, ...any)
	argv, env                  []string
	gpuIDs                     []int
	p                          *proc.Process
	client                     engine.Client
	eff                        *effectiveWatch
}

// Execute implements Executor.
func (l Local) Execute(ctx context.Context, job Job) results.Server {
	x := newExecution(l, job)
	if rec, ok := x.launch(ctx); !ok {
		return rec
	}
	if rec, ok := x.awaitReady(ctx); !ok {
		return rec
	}
	return x.benchmark(ctx)
}

func newExecution(l Local, job Job) *execution {
	x := &execution{l: l, job: job, cfg: job.Config, host: l.Host, progress: job.Progress}
	if x.host == "" {
		x.host = "127.0.0.1"
	}
	x.rec = results.Server{RunID: job.RunID, ConfigID: x.cfg.ID, StartedAt: time.Now().UTC()}
	x.workDir, _ = filepath.Abs(filepath.Join(job.Dir, x.cfg.ID))
	x.traceDir = filepath.Join(x.workDir, "traces")
	x.logPath = filepath.Join(x.workDir, "server.log")
	x.rec.LogPath = filepath.Join(x.cfg.ID, "server.log")
	if x.progress == nil {
		x.progress = func(string, ...any) {}
	}
	x.base = baseResult(job, x.host)
	x.eff = newEffectiveWatch(job.Engine, x.cfg, x.logPath)
	return x
}

// failAll records every case of the configuration as failed, and the server too.
func (x *execution) failAll(kind, msg, tail string) results.Server {
	for _, c := range x.cfg.Cases {
		r := x.base
		r.BatchSize, r.InputLen, r.OutputLen = c.BatchSize, c.InputLen, c.OutputLen
		r.Status, r.FailureKind, r.Error, r.LogTail = results.StatusFailed, kind, msg, tail
		r.StartedAt, r.EndedAt = x.rec.StartedAt, time.Now().UTC()
		_ = x.job.Emit(r)
	}
	x.rec.Status, x.rec.FailureKind, x.rec.Error, x.rec.LogTail = results.StatusFailed, kind, msg, tail
	x.rec.EndedAt = time.Now().UTC()
	return x.rec
}

func (x *execution) tail() string { return proc.LogTail(x.logPath, 30) }

// launch starts the server process on a free port; false with the record when it cannot.
func (x *execution) launch(ctx context.Context) (results.Server, bool) {
	if err := os.MkdirAll(x.workDir, 0o755); err != nil {
		return x.failAll(results.KindLaunchError, err.Error(), ""), false
	}
	if err := writeLaunchFiles(x.workDir, x.cfg.Files); err != nil {
		return x.failAll(results.KindLaunchError, err.Error(), ""), false
	}
	port, err := proc.FreePort(x.host)
	if err != nil {
		return x.failAll(results.KindLaunchError, err.Error(), ""), false
	}
	x.rec.Port = port
	for _, a := range x.cfg.Command {
		x.argv = append(x.argv, Substitute(a, x.host, port, x.traceDir, x.workDir))
	}
	if x.job.Engine.Simulated() {
		x.argv = append(x.argv, rehearsal(x.cfg)...)
	}
	x.argv = x.withMetricsFlag(x.argv) // telemetry.go
	for k, v := range x.cfg.Env {
		x.env = append(x.env, k+"="+Substitute(v, x.host, port, x.traceDir, x.workDir))
	}
	if rec, ok := x.assignGPUs(ctx); !ok {
		return rec, false
	}
	x.base.Command = x.argv
	p, err := proc.Launch(x.argv, proc.Options{Env: x.env, Log: x.logPath, Record: filepath.Join(x.workDir, proc.LaunchFile), RunID: x.job.RunID, ConfigID: x.cfg.ID})
	if err != nil {
		return x.failAll(results.KindLaunchError, err.Error()+" (is the engine installed and on PATH?)", ""), false
	}
	x.p = p
	x.rec.PID = p.PID
	return x.rec, true
}

// assignGPUs sets CUDA_VISIBLE_DEVICES and, when the host's GPUs are read,
// checks that the configuration's GPUs are free.
func (x *execution) assignGPUs(ctx context.Context) (results.Server, bool) {
	l, cfg := x.l, x.cfg
	x.gpuIDs = x.job.GPUIDs
	_, pinned := cfg.Env["CUDA_VISIBLE_DEVICES"]
	if len(x.gpuIDs) > 0 {
		if !pinned {
			x.env = append(x.env, "CUDA_VISIBLE_DEVICES="+gpu.Visible(x.gpuIDs))
		}
		x.base.GPUIDs, x.rec.GPUIDs = x.gpuIDs, x.gpuIDs
	}
	if l.GPUs == nil {
		return x.rec, true
	}
	if cfg.GPUs == 0 && len(x.gpuIDs) == 0 {
		return x.cpuOnly(), true
	}
	if cfg.GPUs > l.GPUCount {
		return x.failAll(results.KindLaunchError, fmt.Sprintf("needs %d GPUs, the host has %d", cfg.GPUs, l.GPUCount), ""), false
	}
	for i := 0; i < cfg.GPUs && len(x.job.GPUIDs) == 0; i++ {
		x.gpuIDs = append(x.gpuIDs, i)
	}
	if err := gpu.CheckFree(ctx, l.GPUs, x.gpuIDs); err != nil {
		return x.failAll(results.KindGPUBusy, "GPUs not free before launch: "+err.Error()+" (stop what holds them, then --resume)", ""), false
	}
	if !pinned && len(x.job.GPUIDs) == 0 {
		x.env = append(x.env, "CUDA_VISIBLE_DEVICES="+gpu.Visible(x.gpuIDs))
	}
	x.base.GPUIDs, x.rec.GPUIDs = x.gpuIDs, x.gpuIDs
	return x.rec, true
}

// stop ends the server's process group and, when GPUs are read, waits for their memory.
func (x *execution) stop() {
	rep := x.p.Stop(x.job.Timeouts.StopGrace, 10*time.Second)
	rec := &x.rec
	rec.ShutdownS = rep.Duration.Seconds()
	rec.ForcedKill = rep.Forced
	rec.LeftoverPIDs = rep.Leftover
	rec.ExitStatus = x.p.ExitStatus()
	rec.EndedAt = time.Now().UTC()
	if rep.Forced && rec.Status == results.StatusOK {
		rec.Status, rec.FailureKind = results.StatusFailed, results.KindStopTimeout
		rec.Error = fmt.Sprintf("server ignored SIGTERM for %s; the process group was killed with SIGKILL", x.job.Timeouts.StopGrace)
		rec.LogTail = x.tail()
	}
	if len(rep.Leftover) > 0 {
		rec.Status, rec.FailureKind = results.StatusFailed, results.KindLeftover
		rec.Error = fmt.Sprintf("processes %v of the server survived SIGKILL (%s keeps them: --resume stops them)", rep.Leftover, filepath.Join(x.cfg.ID, proc.LaunchFile))
	}
	x.progress("%s: stopped in %.2fs%s", x.cfg.ID, rep.Duration.Seconds(), map[bool]string{true: " (SIGKILL after grace)", false: ""}[rep.Forced])
	if x.l.GPUs != nil && len(x.gpuIDs) > 0 {
		timeout := x.l.ReleaseTimeout
		if timeout <= 0 {
			timeout = 60 * time.Second
		}
		d, err := gpu.WaitReleased(context.Background(), x.l.GPUs, x.gpuIDs, timeout)
		rec.GPUReleaseS = d.Seconds()
		if err != nil {
			rec.Status, rec.FailureKind, rec.Error = results.StatusFailed, results.KindGPUNotReleased, err.Error()
		} else {
			x.progress("%s: GPUs %v released in %.2fs", x.cfg.ID, x.gpuIDs, d.Seconds())
		}
	}
	x.eff.scan(true) // lines written up to the end
	x.eff.record(rec)
}

// awaitReady waits for readiness (failing fast when the process exits, and at
// the launch timeout) and prepares the server; false with the record when it fails.
func (x *execution) awaitReady(ctx context.Context) (results.Server, bool) {
	cfg := x.cfg
	maxCtx := 0
	for _, c := range cfg.Cases {
		maxCtx = max(maxCtx, c.InputLen+c.OutputLen)
	}
	x.client = x.job.Engine.NewClient("http://"+x.host+":"+strconv.Itoa(x.rec.Port), engine.ClientConfig{
		ModelPath: cfg.Model, ModelKey: cfg.ModelKey, Args: cfg.Args, Command: x.argv, Env: x.env, WorkDir: x.workDir, MaxContext: maxCtx,
	})
	x.eff.reader, _ = x.client.(engine.EffectiveReader)
	x.progress("%s: launched pid %d on port %d, waiting for readiness", cfg.ID, x.p.PID, x.rec.Port)
	if err := waitReady(ctx, x.client, x.p, x.job.Timeouts.Launch); err != nil {
		return x.notReady(ctx, err), false
	}
	x.rec.ReadyS = time.Since(x.p.Started).Seconds()
	x.progress("%s: ready in %.2fs", cfg.ID, x.rec.ReadyS)
	if pr, ok := x.client.(engine.Preparer); ok {
		t0 := time.Now()
		if err := pr.Prepare(ctx); err != nil {
			x.stop()
			if ctx.Err() != nil {
				x.rec.Status, x.rec.Error = "interrupted", "interrupted while preparing the server"
				return x.rec, false
			}
			return x.failAll(results.KindPrepareFailed, err.Error(), x.tail()), false
		}
		x.rec.PrepareS = time.Since(t0).Seconds()
		x.progress("%s: prepared in %.2fs", cfg.ID, x.rec.PrepareS)
	}
	return x.rec, true
}

// notReady stops a server that did not become ready and records why.
func (x *execution) notReady(ctx context.Context, readyErr error) results.Server {
	kind, msg := results.KindLaunchTimeout, readyErr.Error()
	switch {
	case errors.Is(readyErr, context.Canceled) || ctx.Err() != nil:
		x.stop()
		x.rec.Status, x.rec.Error = "interrupted", "interrupted before the server was ready"
		return x.rec
	case errors.Is(readyErr, errExited):
		kind = results.KindLaunchCrash
	}
	x.stop()
	t := x.tail()
	if bench.IsOOM(t) {
		kind = results.KindOOM
	}
	if kind == results.KindLaunchCrash && (strings.Contains(t, "No module named") || strings.Contains(t, "command not found")) {
		msg += "; the engine is not installed where servesweep runs (install it, or set engine_command to its launcher)"
	}
	if kind == results.KindLaunchCrash && isPortInUse(t) {
		kind = results.KindPortInUse
		msg += fmt.Sprintf("; the server could not bind its port (port %d was free when servesweep chose it; a port pinned in env or extra_args may be taken: free it or remove the pin)", x.rec.Port)
	}
	return x.failAll(kind, msg, t) // rec already holds what stop() saw
}

// benchmark reads what the server really runs, runs the cases and load
// profiles, and stops the server.
func (x *execution) benchmark(ctx context.Context) results.Server {
	cfg, rec := x.cfg, &x.rec
	x.eff.read(ctx)
	x.eff.scan(false)
	if m := engine.Compare(x.eff.asked, x.eff.effective()); len(m) > 0 {
		x.progress("%s: effective %s", cfg.ID, m[0].Warning())
	}
	ctx = x.startTelemetry(ctx) // telemetry.go
	defer telemetry.From(ctx).Close()
	sess := x.session()
	x.hookCases(ctx, sess) // telemetry.go
	rec.Status = results.StatusOK
	runErr := sess.Run(ctx)
	if runErr == nil && ctx.Err() == nil && len(x.job.Load) > 0 && x.job.EmitLoad != nil {
		runLoad(ctx, x.job, x.client, sess.Info().TimeScale, x.p, x.progress)
	}
	x.runQuality(ctx, runErr)
	rec.EngineVersion = sess.Info().Version
	if ctx.Err() == nil && !x.p.HasExited() {
		// Both bounded (engine.InfoTimeout, EffectiveTimeout) and cancelled by Ctrl-C.
		if info, err := x.client.ServerInfo(ctx); err == nil {
			rec.EngineVersion = info.Version
		}
		x.eff.read(ctx) // what a lazily loading engine (Ollama) reports once loaded
	}
	switch {
	case ctx.Err() != nil:
		rec.Status, rec.Error = "interrupted", "interrupted by the user"
	case errors.Is(runErr, bench.ErrServerDied):
		rec.Status, rec.FailureKind, rec.Error, rec.LogTail = results.StatusFailed, results.KindServerDied, runErr.Error(), x.tail()
		if bench.IsOOM(rec.LogTail) {
			rec.FailureKind = results.KindOOM
		}
	case runErr != nil:
		rec.Status, rec.Error = results.StatusFailed, runErr.Error()
	}
	x.stop()
	return x.rec
}

// session is the benchmark session of the configuration's cases.
func (x *execution) session() *bench.Session {
	cfg, p := x.cfg, x.p
	settings := x.job.Settings
	if wc, ok := x.job.Engine.(interface{ WarmupCase([]plan.Case) plan.Case }); ok {
		w := wc.WarmupCase(cfg.Cases)
		settings.WarmupCase = &w
	}
	return &bench.Session{
		Client: x.client, Config: cfg, Settings: settings, Base: x.base, TraceDir: x.traceDir,
		Alive: func() error {
			if p.HasExited() {
				return fmt.Errorf("server process exited (%s)", p.ExitStatus())
			}
			return nil
		},
		LogTail:       x.tail,
		FindTokenizer: TokenizerFinder(settings.TokenizerDirs),
		Notef:         x.progress,
		Emit: func(r results.Result) error {
			if r.Status == results.StatusOK {
				x.progress("%s: bs=%d in=%d out=%d  latency %.2fs  ITL %.2fms  out %.1f tok/s", cfg.ID, r.BatchSize, r.InputLen, r.OutputLen, *r.LatencyS, *r.ITLMs, *r.OutputThroughput)
			} else {
				x.progress("%s: bs=%d in=%d out=%d  FAILED (%s): %s", cfg.ID, r.BatchSize, r.InputLen, r.OutputLen, r.FailureKind, firstLine(r.Error))
			}
			return x.job.Emit(r)
		},
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
	r := results.ForConfig(job.RunID, job.Config, job.Engine.Simulated(), results.Pricing{GPULabel: job.Settings.GPULabel, GPUHourPrice: job.Settings.GPUHourPrice})
	if host != "" {
		r.Host = host
	}
	return r
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
