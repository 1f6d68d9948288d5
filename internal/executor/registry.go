package executor

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/servesweep/servesweep/internal/sweep"
)

// Settings is what a factory may use to build its executor.
type Settings struct {
	File      *sweep.File
	Self      string  // the servesweep executable (jobs run it on the nodes)
	DryRun    bool    // every configuration is served by the sim
	TimeScale float64 // the sim's time scale in a dry run
	Local     Local   // the local executor, with GPU checks when the host has GPUs
}

// Built is an executor with what the runner must know of it.
type Built struct {
	Executor Executor
	// Concurrent is how many configurations may run at once (0: one, or the
	// packed schedule's choice).
	Concurrent int
	// Remote says configurations run elsewhere: no local model prefetch, no
	// local packed schedule.
	Remote bool
}

// Factory builds an executor from the sweep's settings.
type Factory func(s Settings) (Built, error)

// factories is the executor table: `executor:` in a sweep file names one.
// Adding an executor (e.g. kubernetes) is one file with its options and its
// factory registered here.
var factories = map[string]Factory{
	"local": func(s Settings) (Built, error) { return Built{Executor: s.Local}, nil },
	"slurm": slurmFactory,
}

// Build returns the executor named name ("" is local).
func Build(name string, s Settings) (Built, error) {
	if name == "" {
		name = "local"
	}
	f, ok := factories[name]
	if !ok {
		return Built{}, fmt.Errorf("executor %q is not known; use one of %s", name, strings.Join(Names(), ", "))
	}
	return f(s)
}

// Names lists the executors.
func Names() []string {
	var out []string
	for n := range factories {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// slurmFactory submits one batch job per configuration (sweep key slurm:).
func slurmFactory(s Settings) (Built, error) {
	so := s.File.Slurm
	if so == nil {
		so = &sweep.SlurmOptions{GRES: true, MaxJobs: 64}
	}
	self := so.Self
	if self == "" {
		self = s.Self
	}
	ts := ""
	if s.DryRun {
		ts = strconv.FormatFloat(s.TimeScale, 'g', -1, 64)
	}
	ex := Slurm{Self: self, Partition: so.Partition, Account: so.Account, TimeLimit: so.TimeLimit, NoGRES: !so.GRES, EngineTimeScale: ts}
	return Built{Executor: ex, Concurrent: so.MaxJobs, Remote: true}, nil
}
