package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
	"github.com/servesweep/servesweep/internal/sweep"
)

// open prepares the run directory: it takes the lock, reads or writes
// run.json, works out what a resume has left to do and opens the appenders.
func open(o Options) (*sweepRun, error) {
	if err := checkDir(o); err != nil {
		return nil, err
	}
	lk, err := rundir.Acquire(o.Dir)
	if err != nil {
		return nil, err
	}
	s := &sweepRun{o: o, lock: lk, cancel: func() {}}
	if err := s.loadMeta(); err != nil {
		lk.Release()
		return nil, err
	}
	if o.Resume {
		s.reapEarlier()
	}
	if err := s.openFiles(); err != nil {
		s.close()
		return nil, err
	}
	f := o.File
	s.settings = bench.Settings{
		Profile: f.Profile, ProfileSteps: f.ProfileSteps, RequestTimeout: f.RequestTimeout,
		Warmup: f.Warmup, GPUHourPrice: f.GPUHourPrice, CPUHourPrice: f.Resolved.CPUHourPrice, GPULabel: f.GPULabel, Repeats: f.Repeats,
		Prompts: f.Prompts, TokenizerDirs: f.ModelConfigs,
	}
	s.sum = Summary{RunID: s.meta.RunID, Configs: len(o.Configs)}
	return s, nil
}

// checkDir creates a new run's directory; a directory to resume must exist
// and hold a run.json (it is never created).
func checkDir(o Options) error {
	if !o.Resume {
		if err := os.MkdirAll(o.Dir, 0o755); err != nil {
			return fmt.Errorf("cannot create run directory: %w", err)
		}
		return nil
	}
	st, err := os.Stat(o.Dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return inputf("%s does not exist, so it is not a servesweep run directory to resume (start a run there with --out %s)", o.Dir, o.Dir)
	case err != nil:
		return err
	case !st.IsDir():
		return inputf("%s is not a directory, so not a servesweep run directory", o.Dir)
	}
	if _, err := os.Stat(filepath.Join(o.Dir, rundir.MetaFile)); errors.Is(err, fs.ErrNotExist) {
		return inputf("%s has no %s: it is not a servesweep run directory (run without --resume to start one)", o.Dir, rundir.MetaFile)
	}
	return nil
}

// loadMeta reads run.json (under the lock), checks the sweep against it,
// and writes it back with this run's configurations.
func (s *sweepRun) loadMeta() error {
	o := s.o
	meta, err := rundir.ReadMeta(o.Dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return InputError{fmt.Errorf("%v (the run directory's description is damaged)", err)}
	}
	fp := rundir.Fingerprint(o.Configs, fingerprintSettings(o.File))
	switch {
	case o.Resume && meta == nil:
		return inputf("%s has no %s: it is not a servesweep run directory (run without --resume to start one)", o.Dir, rundir.MetaFile)
	case !o.Resume && meta != nil:
		return inputf("%s already holds a run (%s); use --resume %s to finish it, or choose another --out", o.Dir, meta.RunID, o.Dir)
	case meta == nil:
		meta = &rundir.Meta{RunID: time.Now().UTC().Format("20060102T150405Z"), Name: o.File.Name, SweepFile: o.File.Source,
			Engine: o.File.Engine, DryRun: o.DryRun, GPULabel: o.File.GPULabel, GPUHourPrice: o.File.GPUHourPrice, CPUHourPrice: o.File.Resolved.CPUHourPrice, PowerPrice: o.File.PowerPrice,
			Schedule: "exclusive", StartedAt: time.Now().UTC(), Configs: o.Configs, Repeats: o.File.Repeats,
			Objective: o.File.Objective, CostBudget: o.File.CostBudget, Hardware: o.File.Resolved.Hardware,
			EngineVersion: o.File.Resolved.EngineVersion, EngineVersionSource: o.File.Resolved.EngineVersionSource}
	default:
		if err := s.checkSweep(meta, fp); err != nil {
			return err
		}
		if s.done, err = s.completed(meta); err != nil {
			return err
		}
		meta.Configs = mergeConfigs(meta.Configs, o.Configs)
	}
	meta.Fingerprint = fp
	if o.File.Frontier != nil { // a report setting: the latest sweep file's
		meta.FrontierTarget = o.File.Frontier.TargetTokensPerSPerUser
	}
	setSchedule(meta, o)
	s.meta = meta
	return rundir.WriteMeta(o.Dir, meta)
}

// setSchedule records how this run schedules its configurations; a resumed
// run that ran another way before keeps that in EarlierSchedules.
func setSchedule(meta *rundir.Meta, o Options) {
	before := meta.ScheduleLabel()
	meta.Schedule, meta.ScheduleGPUs, meta.MaxJobs = "exclusive", 0, 0
	switch {
	case o.Concurrent > 0:
		meta.Schedule, meta.MaxJobs = "cluster", o.Concurrent
	case o.Packed:
		meta.Schedule, meta.ScheduleGPUs = "packed", o.GPUs
	}
	if o.Resume && before != meta.ScheduleLabel() && !slices.Contains(meta.EarlierSchedules, before) {
		meta.EarlierSchedules = append(meta.EarlierSchedules, before)
	}
}

// fingerprintSettings are the sweep-wide settings that change what is measured.
func fingerprintSettings(f *sweep.File) any {
	return struct {
		Repeats      int                 `json:"repeats"`
		Warmup       bool                `json:"warmup"`
		Profile      bool                `json:"profile"`
		ProfileSteps int                 `json:"profile_steps"`
		Load         []sweep.LoadProfile `json:"load,omitempty"`
		SLO          *sweep.SLO          `json:"slo,omitempty"`
	}{max(1, f.Repeats), f.Warmup, f.Profile, f.ProfileSteps, f.Load, f.SLO}
}

// checkSweep refuses to resume a directory that ran another sweep, unless
// --resume-anyway.
func (s *sweepRun) checkSweep(meta *rundir.Meta, fp string) error {
	o := s.o
	switch {
	case meta.Fingerprint == "":
		s.logf("warning: %s has no sweep fingerprint (written by an older servesweep): cannot check that %s is the sweep that ran there", rundir.MetaFile, o.File.Source)
	case meta.Fingerprint == fp:
	case !o.ResumeAnyway:
		return inputf("%s holds another sweep than %s (fingerprint %s in %s, %s now: configurations, commands, cases or settings differ); "+
			"resume it with the sweep file it ran (%s), choose another --out, or pass --resume-anyway to add this sweep to it",
			o.Dir, o.File.Source, meta.Fingerprint, rundir.MetaFile, fp, meta.SweepFile)
	default:
		s.logf("--resume-anyway: %s ran another sweep (fingerprint %s, now %s); configurations whose launch changed run again", o.Dir, meta.Fingerprint, fp)
	}
	return nil
}

// completed says which configurations a resume does not run again, and why:
// those with a final server record, whose launch has not changed since.
// Interrupted ones, ones cut short by a write failure and (with --force)
// ones pre-flight skipped run again.
func (s *sweepRun) completed(meta *rundir.Meta) (map[string]string, error) {
	warn := func(w string) { s.logf("warning: %s", w) }
	servers, err := results.ReadLinesWarn[results.Server](filepath.Join(s.o.Dir, rundir.ServersFile), warn)
	if err != nil {
		return nil, err
	}
	have, err := recorded(s.o.Dir, warn)
	if err != nil {
		return nil, err
	}
	last := results.LatestServers(servers)
	before := map[string]plan.Config{}
	for _, c := range meta.Configs {
		before[c.ID] = c
	}
	done := map[string]string{}
	for _, c := range s.o.Configs {
		sv, ok := last[c.ID]
		if !ok || rundir.Incomplete(sv) || (sv.Status == results.StatusSkipped && s.o.Force) {
			continue
		}
		if old, ok := before[c.ID]; ok && !rundir.SameLaunch(old, c) {
			s.logf("%s: launch command or cases changed since it ran; running it again", c.ID)
			continue
		}
		if want := len(c.Cases) * max(1, s.o.File.Repeats); sv.Status == results.StatusOK && have[c.ID] < want {
			s.logf("%s: %d of its %d case records are missing (torn or lost); running it again", c.ID, want-have[c.ID], want)
			continue
		}
		done[c.ID] = "already complete, skipped (resume)"
		if sv.Status == results.StatusSkipped {
			done[c.ID] = "already complete, skipped (resume): recorded as skipped by pre-flight (--force launches it)"
		}
	}
	return done, nil
}

// recorded counts each configuration's distinct case records (case and repeat).
func recorded(dir string, warn func(string)) (map[string]int, error) {
	type key struct {
		ConfigID  string `json:"config_id"`
		BatchSize int    `json:"batch_size"`
		InputLen  int    `json:"input_len"`
		OutputLen int    `json:"output_len"`
		Repeat    int    `json:"repeat"`
	}
	ks, err := results.ReadLinesWarn[key](filepath.Join(dir, rundir.ResultsFile), warn)
	seen, n := map[key]bool{}, map[string]int{}
	for _, k := range ks {
		if !seen[k] {
			seen[k] = true
			n[k.ConfigID]++
		}
	}
	return n, err
}

// mergeConfigs keeps the configurations of earlier runs in the directory
// (their records still get tables), replaced by this run's plan where ids match.
func mergeConfigs(old, cur []plan.Config) []plan.Config {
	byID := map[string]plan.Config{}
	for _, c := range cur {
		byID[c.ID] = c
	}
	seen := map[string]bool{}
	out := make([]plan.Config, 0, len(old)+len(cur))
	for _, c := range old {
		if n, ok := byID[c.ID]; ok {
			c = n
		}
		seen[c.ID] = true
		out = append(out, c)
	}
	for _, c := range cur {
		if !seen[c.ID] {
			out = append(out, c)
		}
	}
	return out
}

// openFiles opens the appenders, each repairing a torn last line.
func (s *sweepRun) openFiles() error {
	var err error
	app := func(name string) *results.Appender {
		if err != nil {
			return nil
		}
		var a *results.Appender
		if a, err = results.OpenAppender(filepath.Join(s.o.Dir, name)); err == nil && a.Repaired != "" {
			s.logf("warning: %s", a.Repaired)
		}
		return a
	}
	s.res, s.srv = app(rundir.ResultsFile), app(rundir.ServersFile)
	if len(s.o.File.Load) > 0 {
		s.ld = app(rundir.LoadFile)
	}
	s.tel = s.openTelemetry(app) // telemetry.go
	if err == nil {
		err = s.openQuality()
	}
	return err
}

func (s *sweepRun) close() {
	for _, a := range []*results.Appender{s.res, s.srv, s.ld, s.tel} {
		if a != nil {
			a.Close()
		}
	}
	s.closeQuality()
	s.lock.Release()
}
