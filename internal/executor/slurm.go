package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sim"
	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/quality"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/servesweep/servesweep/internal/telemetry"
	"github.com/servesweep/servesweep/internal/workload"
)

// Slurm runs each configuration as a Slurm batch job. The job runs
// `servesweep slurm-job` on the allocated node, which launches and benchmarks
// the server there and writes its records next to the job spec in the run
// directory (a shared filesystem); the coordinator waits for the job and
// appends those records to the run's files.
type Slurm struct {
	Self      string // the servesweep executable, as the compute nodes see it
	Partition string
	Account   string
	TimeLimit string // sbatch --time, e.g. 02:00:00
	// GRES requests the configuration's GPUs with --gres=gpu:N (default on).
	NoGRES bool
	// ExtraArgs are appended to every sbatch call.
	ExtraArgs []string
	// Poll is how often squeue is asked about a job (default 1s).
	Poll time.Duration
	// EngineTimeScale is passed to jobs of the sim engine.
	EngineTimeScale string
	// Env is added to the sbatch/squeue/scancel environment (SLURM_CONF).
	Env []string
}

// JobSpec is what a Slurm job needs to run one configuration.
type JobSpec struct {
	RunID     string              `json:"run_id"`
	Dir       string              `json:"dir"`
	Config    plan.Config         `json:"config"`
	Engine    string              `json:"engine"`
	TimeScale string              `json:"sim_time_scale,omitempty"`
	Settings  bench.Settings      `json:"settings"`
	Timeouts  Timeouts            `json:"timeouts"`
	Load      []sweep.LoadProfile `json:"load,omitempty"`
	SLO       *sweep.SLO          `json:"slo,omitempty"`
	// Workload travels as its spec; the node reads its file again and checks its hash.
	Workload *workload.Spec `json:"workload,omitempty"`
	// StandingIn is the engine the sim stands in for in a dry run ("vllm"):
	// the job's sim then speaks that engine's protocol to that engine's client.
	StandingIn string `json:"sim_standing_in,omitempty"`
	// TelemetryPeriod is the sampling period when the job records telemetry (0: off).
	TelemetryPeriod time.Duration `json:"telemetry_period,omitempty"`
	// Quality is the quality guard's work (nil: none).
	Quality *QualityJob `json:"quality,omitempty"`
}

// Files of a Slurm job inside DIR/<config id>/.
const (
	JobSpecFile    = "job.json"
	JobScriptFile  = "job.sbatch"
	JobResultsFile = "results.part.jsonl"
	JobLoadFile    = "load.part.jsonl"
	JobServerFile  = "server.json"
	// Telemetry samples and the quality record, appended to the run's
	// telemetry.jsonl and quality.jsonl when the job ends.
	JobTelemetryFile = "telemetry.part.jsonl"
	JobQualityFile   = "quality.part.jsonl"
)

// Nodes is the number of nodes a configuration spans (SGLang --nnodes).
func Nodes(cfg plan.Config) int { return max(1, engine.IntFlag(cfg.Args, 1, "--nnodes")) }

// Script is the sbatch script of a job.
func (s Slurm) Script(spec JobSpec, specPath string) string {
	cfg := spec.Config
	workDir := filepath.Join(spec.Dir, cfg.ID)
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "#SBATCH --job-name=ss-%s\n", truncate(cfg.ID, 40))
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", filepath.Join(workDir, "slurm-%j.out"))
	nodes := Nodes(cfg)
	fmt.Fprintf(&b, "#SBATCH --nodes=%d\n#SBATCH --ntasks-per-node=1\n", nodes)
	if !s.NoGRES && cfg.GPUs > 0 {
		fmt.Fprintf(&b, "#SBATCH --gres=gpu:%d\n", max(1, cfg.GPUs/nodes))
	}
	if s.Partition != "" {
		fmt.Fprintf(&b, "#SBATCH --partition=%s\n", s.Partition)
	}
	if s.Account != "" {
		fmt.Fprintf(&b, "#SBATCH --account=%s\n", s.Account)
	}
	if s.TimeLimit != "" {
		fmt.Fprintf(&b, "#SBATCH --time=%s\n", s.TimeLimit)
	}
	b.WriteString("set -euo pipefail\n")
	if nodes > 1 {
		// Multi-node: node 0 runs the benchmark and the server's rank 0; every other
		// node runs the same server command with its own --node-rank.
		b.WriteString("HEAD=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n1)\n")
		b.WriteString("export SERVESWEEP_DIST_INIT_ADDR=\"$HEAD:29500\"\n")
		argv := make([]string, len(cfg.Command))
		for i, a := range cfg.Command {
			argv[i] = Substitute(a, "0.0.0.0", 30000, filepath.Join(workDir, "traces"), workDir)
		}
		fmt.Fprintf(&b, "for r in $(seq 1 %d); do\n  srun --nodes=1 --ntasks=1 --relative=$r %s --node-rank $r --dist-init-addr \"$SERVESWEEP_DIST_INIT_ADDR\" &\ndone\n", nodes-1, shellJoin(argv))
	}
	fmt.Fprintf(&b, "exec %s slurm-job %s\n", shellQuote(s.Self), shellQuote(specPath))
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

func (s Slurm) command(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), s.Env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Execute implements Executor.
func (s Slurm) Execute(ctx context.Context, job Job) results.Server {
	cfg := job.Config
	rec := results.Server{RunID: job.RunID, ConfigID: cfg.ID, StartedAt: time.Now().UTC()}
	dir, _ := filepath.Abs(job.Dir)
	workDir := filepath.Join(dir, cfg.ID)
	fail := func(kind, msg, tail string) results.Server {
		base := results.ForConfig(job.RunID, cfg, job.Engine.Simulated(), results.Pricing{GPULabel: job.Settings.GPULabel, GPUHourPrice: job.Settings.GPUHourPrice})
		for _, r := range results.FailAll(base, cfg, results.StatusFailed, kind, msg, tail, rec.StartedAt) {
			job.Emit(r)
		}
		rec.Status, rec.FailureKind, rec.Error, rec.LogTail, rec.EndedAt = results.StatusFailed, kind, msg, tail, time.Now().UTC()
		return rec
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return fail(results.KindLaunchError, err.Error(), "")
	}
	for _, f := range []string{JobResultsFile, JobLoadFile, JobServerFile, JobTelemetryFile, JobQualityFile} {
		os.Remove(filepath.Join(workDir, f))
	}
	scriptPath, err := s.writeJob(job, dir, workDir)
	if err != nil {
		return fail(results.KindLaunchError, err.Error(), "")
	}
	out, err := s.command(ctx, "sbatch", append(append([]string{"--parsable"}, s.ExtraArgs...), scriptPath)...)
	if err != nil {
		return fail(results.KindLaunchError, "sbatch failed: "+err.Error(), "")
	}
	jobID := strings.TrimSpace(strings.Split(strings.TrimSpace(string(out)), ";")[0])
	rec.SlurmJobID = jobID
	if job.Progress != nil {
		job.Progress("%s: submitted Slurm job %s", cfg.ID, jobID)
	}
	poll := s.Poll
	if poll <= 0 {
		poll = time.Second
	}
	for {
		select {
		case <-ctx.Done():
			s.command(context.Background(), "scancel", jobID)
			rec.Status, rec.Error, rec.EndedAt = "interrupted", "interrupted: Slurm job "+jobID+" cancelled", time.Now().UTC()
			s.collect(workDir, job)
			return rec
		case <-time.After(poll):
		}
		st, err := s.command(ctx, "squeue", "-h", "-j", jobID, "-o", "%T")
		if err == nil && strings.TrimSpace(string(st)) == "" {
			break
		}
		if err != nil && !strings.Contains(err.Error(), "Invalid job id") {
			continue
		}
		if err != nil {
			break
		}
	}
	n := s.collect(workDir, job)
	var srv results.Server
	if b, err := os.ReadFile(filepath.Join(workDir, JobServerFile)); err == nil && json.Unmarshal(b, &srv) == nil {
		srv.SlurmJobID = jobID
		return srv
	}
	tail := ""
	if logs, _ := filepath.Glob(filepath.Join(workDir, "slurm-"+jobID+".out")); len(logs) > 0 {
		tail = proc.LogTail(logs[0], 30)
	}
	if n > 0 {
		rec.Status, rec.FailureKind, rec.Error, rec.LogTail, rec.EndedAt = results.StatusFailed, results.KindSlurmJob, "Slurm job "+jobID+" ended before writing its server record", tail, time.Now().UTC()
		return rec
	}
	return fail(results.KindSlurmJob, "Slurm job "+jobID+" ended without results (see slurm-"+jobID+".out)", tail)
}

// writeJob writes a job's spec and sbatch script into workDir and returns
// the script's path. A dry run's stand-in (the sim speaking vLLM's protocol)
// travels in the spec, so the job measures it through the same client.
func (s Slurm) writeJob(job Job, dir, workDir string) (string, error) {
	spec := JobSpec{RunID: job.RunID, Dir: dir, Config: job.Config, Engine: job.Engine.Name(), TimeScale: s.EngineTimeScale,
		Settings: job.Settings, Timeouts: job.Timeouts, Load: job.Load, SLO: job.SLO, Workload: job.Workload, Quality: job.Quality}
	if job.Telemetry.On() {
		spec.TelemetryPeriod = job.Telemetry.Period
	}
	if se, ok := job.Engine.(sim.Engine); ok {
		spec.StandingIn = se.StandingIn
	}
	specPath := filepath.Join(workDir, JobSpecFile)
	b, _ := json.MarshalIndent(spec, "", "  ")
	if err := os.WriteFile(specPath, b, 0o644); err != nil {
		return "", err
	}
	scriptPath := filepath.Join(workDir, JobScriptFile)
	return scriptPath, os.WriteFile(scriptPath, []byte(s.Script(spec, specPath)), 0o755)
}

// collect appends a finished job's records to the run's files; it returns how many cases it found.
func (s Slurm) collect(workDir string, job Job) int {
	rs, _ := results.ReadLines[results.Result](filepath.Join(workDir, JobResultsFile))
	for _, r := range rs {
		job.Emit(r)
	}
	if job.EmitLoad != nil {
		ls, _ := results.ReadLines[load.Result](filepath.Join(workDir, JobLoadFile))
		for _, l := range ls {
			job.EmitLoad(l)
		}
	}
	if job.Telemetry.On() {
		ts, _ := results.ReadLines[telemetry.Sample](filepath.Join(workDir, JobTelemetryFile))
		for _, t := range ts {
			if job.Telemetry.Emit(t) != nil {
				break // a lost sample turns telemetry off, as on the node
			}
		}
	}
	if job.Quality != nil {
		qs, _ := results.ReadLines[quality.Record](filepath.Join(workDir, JobQualityFile))
		for _, q := range qs {
			_ = job.Quality.Emit(q) // a write failure stops the sweep through the runner
		}
	}
	return len(rs)
}

// JobEngine is the engine a job runs: the sim, standing in for the sweep's
// engine as on the coordinator, or the engine get returns for spec.Engine.
func JobEngine(spec JobSpec, get func(string) (engine.Engine, error)) (engine.Engine, error) {
	if spec.TimeScale != "" {
		return sim.Engine{TimeScale: spec.TimeScale, StandingIn: spec.StandingIn}, nil
	}
	e, err := get(spec.Engine)
	if err == nil && e.Simulated() {
		return sim.Engine{StandingIn: spec.StandingIn}, nil
	}
	return e, err
}

// RunJob is the job side: it runs spec on this node with the local executor,
// writing records into the configuration's folder.
func RunJob(ctx context.Context, specPath string, eng engine.Engine, progress func(string, ...any)) error {
	b, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	var spec JobSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		return fmt.Errorf("%s: %v", specPath, err)
	}
	apps, err := openParts(filepath.Join(spec.Dir, spec.Config.ID), spec)
	if err != nil {
		return err
	}
	defer apps.close()
	cfg := spec.Config
	if addr := os.Getenv("SERVESWEEP_DIST_INIT_ADDR"); addr != "" && Nodes(cfg) > 1 {
		cfg.Command = append(append([]string{}, cfg.Command...), "--node-rank", "0", "--dist-init-addr", addr)
	}
	var gpuIDs []int
	for _, f := range strings.Split(os.Getenv("CUDA_VISIBLE_DEVICES"), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			gpuIDs = append(gpuIDs, n)
		}
	}
	job := Job{RunID: spec.RunID, Config: cfg, Engine: eng, Dir: spec.Dir, Settings: spec.Settings, Timeouts: spec.Timeouts, GPUIDs: gpuIDs,
		Load: spec.Load, SLO: spec.SLO, Workload: spec.Workload, Progress: progress,
		Emit:     func(r results.Result) error { return apps.res.Append(r) },
		EmitLoad: func(r load.Result) error { return apps.load.Append(r) }}
	apps.hook(&job, spec)
	rec := Local{Host: "127.0.0.1"}.Execute(ctx, job)
	rec.Host, _ = os.Hostname()
	rb, _ := json.Marshal(rec)
	return os.WriteFile(filepath.Join(spec.Dir, spec.Config.ID, JobServerFile), rb, 0o644)
}

// jobParts are a job's record files in its configuration's folder.
type jobParts struct{ res, load, tel, qual *results.Appender }

// openParts opens the record files spec's job writes: results and load
// always, telemetry and quality when the job records them.
func openParts(workDir string, spec JobSpec) (*jobParts, error) {
	p := &jobParts{}
	for _, f := range []struct {
		app  **results.Appender
		name string
		on   bool
	}{{&p.res, JobResultsFile, true}, {&p.load, JobLoadFile, true}, {&p.tel, JobTelemetryFile, spec.TelemetryPeriod > 0}, {&p.qual, JobQualityFile, spec.Quality != nil}} {
		if !f.on {
			continue
		}
		a, err := results.OpenAppender(filepath.Join(workDir, f.name))
		if err != nil {
			p.close()
			return nil, err
		}
		*f.app = a
	}
	return p, nil
}

// hook gives job the spec's telemetry and quality guard, writing into the parts.
func (p *jobParts) hook(job *Job, spec JobSpec) {
	if p.tel != nil {
		job.Telemetry = telemetry.Settings{Period: spec.TelemetryPeriod, Emit: func(x telemetry.Sample) error { return p.tel.Append(x) }}
	}
	if p.qual != nil {
		q := *spec.Quality
		q.Emit = func(r quality.Record) error { return p.qual.Append(r) }
		job.Quality = &q
	}
}

func (p *jobParts) close() {
	for _, a := range []*results.Appender{p.res, p.load, p.tel, p.qual} {
		if a != nil {
			a.Close()
		}
	}
}
