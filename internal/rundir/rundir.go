// Package rundir is the run directory: run.json (Meta) and the record files
// the runner appends to, the readers the report and the history use, the lock
// a writing process holds, and the sweep fingerprint that keeps `--resume`
// from mixing two sweeps. The runner, the report and the history depend on
// this package, not on each other.
package rundir

import (
	"encoding/json"
	"fmt"
	"github.com/servesweep/servesweep/internal/redact"
	"os"
	"path/filepath"
	"time"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

// Files of a run directory.
const (
	// MetaFile describes the run.
	MetaFile = "run.json"
	// LoadFile holds one JSON line per load profile result.
	LoadFile = "load.jsonl"
	// LockFile is flock(2)ed by the process writing the directory; it holds that process's PID.
	LockFile    = "run.lock"
	ResultsFile = results.ResultsFile
	ServersFile = results.ServersFile
)

// Meta describes a run; the report reads it to title and order its tables.
type Meta struct {
	RunID        string        `json:"run_id"`
	Name         string        `json:"name"`
	SweepFile    string        `json:"sweep_file"`
	Engine       string        `json:"engine"`
	DryRun       bool          `json:"dry_run"`
	GPULabel     string        `json:"gpu_label"`
	GPUHourPrice float64       `json:"gpu_hour_price"`
	CPUHourPrice float64       `json:"cpu_hour_price,omitempty"` // configurations with no GPU
	PowerPrice   float64       `json:"power_price,omitempty"`    // USD per kWh of GPU energy (telemetry)
	Schedule     string        `json:"schedule"`
	Repeats      int           `json:"repeats"`
	Objective    string        `json:"objective,omitempty"`
	CostBudget   float64       `json:"cost_budget,omitempty"`
	StartedAt    time.Time     `json:"started_at"`
	Configs      []plan.Config `json:"configs"`
	// Hardware is the target the configurations were planned for, and
	// EngineVersion the version the pre-flight rules were keyed on ("" unknown).
	Hardware            string `json:"hardware,omitempty"`
	EngineVersion       string `json:"engine_version,omitempty"`
	EngineVersionSource string `json:"engine_version_source,omitempty"`
	// Fingerprint identifies the sweep that ran here (see Fingerprint); a
	// `--resume` with a sweep of another fingerprint is refused.
	Fingerprint string `json:"sweep_fingerprint,omitempty"`
	// Schedule (above) is exclusive (one configuration at a time), packed
	// (several at once on disjoint sets of ScheduleGPUs GPUs), cluster (each
	// a Slurm batch job, up to MaxJobs at once) or external server.
	ScheduleGPUs int `json:"schedule_gpus,omitempty"`
	MaxJobs      int `json:"max_jobs,omitempty"`
	// EarlierSchedules name, as ScheduleLabel does, the schedules of earlier
	// parts of a resumed run that ran another way.
	EarlierSchedules []string `json:"earlier_schedules,omitempty"`

	// FrontierTarget is the sweep file's frontier: target_tokens_per_s_per_user.
	FrontierTarget float64 `json:"frontier_target_tokens_per_s_per_user,omitempty"`
}

// ScheduleLabel says how the configurations ran, for the report.
func (m Meta) ScheduleLabel() string {
	switch m.Schedule {
	case "", "exclusive":
		return "exclusive (one configuration at a time)"
	case "packed":
		if m.ScheduleGPUs > 0 {
			return fmt.Sprintf("packed on %d GPUs (several configurations at once on disjoint GPU sets)", m.ScheduleGPUs)
		}
		return "packed (several configurations at once on disjoint GPU sets)"
	case "cluster":
		if m.MaxJobs > 0 {
			return fmt.Sprintf("Slurm (each configuration a batch job, up to %d at once)", m.MaxJobs)
		}
		return "Slurm (each configuration a batch job)"
	case "external server":
		return "external server (a server servesweep did not launch)"
	}
	return m.Schedule
}

// ReadMeta reads dir's run.json.
func ReadMeta(dir string) (*Meta, error) {
	p := filepath.Join(dir, MetaFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	return &m, nil
}

// WriteMeta writes dir's run.json atomically: a synced temporary file renamed
// over the old one, so a crash or a full disk leaves the old run.json whole.
func WriteMeta(dir string, m *Meta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	b = redact.JSON(b) // secrets of the sweep file never reach run.json
	if err != nil {
		return err
	}
	p := filepath.Join(dir, MetaFile)
	tmp := p + ".tmp"
	if err := writeSynced(tmp, b); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", p, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", p, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself survives a power cut
		d.Close()
	}
	return nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Records are what a run directory holds, read past torn lines.
type Records struct {
	Meta    *Meta
	Results []results.Result // every record in file order (results.Latest keeps the last per case)
	Servers []results.Server
	// Warnings name the lines skipped or repaired while reading.
	Warnings []string
}

// Read reads dir's run.json, results and server records. Torn and corrupt
// lines are skipped with a warning; a missing or unreadable run.json is an error.
func Read(dir string) (*Records, error) {
	meta, err := ReadMeta(dir)
	if err != nil {
		return nil, fmt.Errorf("%s is not a servesweep run directory (no readable %s): %v", dir, MetaFile, err)
	}
	rec := &Records{Meta: meta}
	warn := func(s string) { rec.Warnings = append(rec.Warnings, s) }
	if rec.Results, err = results.ReadLinesWarn[results.Result](filepath.Join(dir, ResultsFile), warn); err != nil {
		return nil, err
	}
	if rec.Servers, err = results.ReadLinesWarn[results.Server](filepath.Join(dir, ServersFile), warn); err != nil {
		return nil, err
	}
	return rec, nil
}

// Incomplete reports whether a configuration's server record leaves it to be
// run again by `--resume`: interrupted, or stopped by a write failure.
func Incomplete(s results.Server) bool {
	return s.Status == results.StatusInterrupted || s.FailureKind == results.KindWriteFailed
}
