package results

import (
	"os"
	"time"

	"github.com/servesweep/servesweep/internal/plan"
)

// Pricing is what a record says of the GPUs a configuration was priced on.
type Pricing struct {
	GPULabel     string
	GPUHourPrice float64
}

// ForConfig is the one constructor of a case record from a configuration: the
// identity, engine, GPUs, price, command and host every record carries, the
// same in every executor, the runner and bench. The caller fills the case and
// what was measured.
func ForConfig(runID string, cfg plan.Config, simulated bool, p Pricing) Result {
	host, _ := os.Hostname()
	return Result{
		RunID: runID, ConfigID: cfg.ID, ModelKey: cfg.ModelKey, Model: cfg.Model, ModelName: cfg.ModelName,
		Variant: cfg.Variant, Engine: cfg.Engine, Simulated: simulated, GPUs: cfg.GPUs,
		GPULabel: p.GPULabel, GPUHourPrice: p.GPUHourPrice, Command: cfg.Command, Env: cfg.Env, Host: host,
	}
}

// FailAll is one record per case of cfg with the same outcome (status,
// failure kind, error, log tail): a configuration that never measured.
func FailAll(base Result, cfg plan.Config, status, kind, msg, tail string, started time.Time) []Result {
	var out []Result
	for _, c := range cfg.Cases {
		r := base
		r.Status, r.FailureKind, r.Error, r.LogTail = status, kind, msg, tail
		r.BatchSize, r.InputLen, r.OutputLen = c.BatchSize, c.InputLen, c.OutputLen
		r.StartedAt, r.EndedAt = started, time.Now().UTC()
		out = append(out, r)
	}
	return out
}
