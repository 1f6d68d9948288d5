// Package executor runs one server configuration end to end: launch, wait for
// readiness, benchmark, stop. Executor is the seam for other places to run
// (a Slurm cluster, a remote host); Local runs child processes on this machine.
package executor

import (
	"context"
	"time"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/servesweep/servesweep/internal/telemetry"
	"github.com/servesweep/servesweep/internal/workload"
)

// Job is one configuration to run.
type Job struct {
	RunID    string
	Config   plan.Config
	Engine   engine.Engine
	Dir      string // the run directory; the job writes under Dir/<config id>/
	Settings bench.Settings
	Timeouts Timeouts
	// Emit receives every case result as soon as it is known.
	Emit func(results.Result) error
	// Load profiles run after the cases, for every (input, output) length pair.
	Load []sweep.LoadProfile
	SLO  *sweep.SLO
	// Workload is what the load profiles send (nil: random ids at the cases' lengths).
	Workload *workload.Spec
	// EmitLoad receives each load result.
	EmitLoad func(load.Result) error
	// Telemetry samples the server's metrics and the GPUs during every case
	// and load profile (zero: off); see telemetry.go.
	Telemetry telemetry.Settings
	// Quality is the quality guard's work after the cases (nil: none).
	Quality *QualityJob
	// GPUIDs are the GPUs assigned to the job by a packed schedule (nil: the first GPUs).
	GPUIDs []int
	// Progress receives human progress lines (stderr).
	Progress func(format string, args ...any)
}

// Timeouts bound a server's lifecycle.
type Timeouts struct {
	Launch    time.Duration
	StopGrace time.Duration
}

// Executor runs jobs. Execute returns the server record; case results go
// through job.Emit. It returns when the server is stopped and verified gone.
type Executor interface {
	Execute(ctx context.Context, job Job) results.Server
}
