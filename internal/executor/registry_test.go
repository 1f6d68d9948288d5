package executor

import (
	"slices"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/sweep"
)

func TestRegistryMatchesTheSweepKey(t *testing.T) {
	if !slices.Equal(Names(), sweep.Executors) {
		t.Fatalf("executor table %v, sweep accepts %v", Names(), sweep.Executors)
	}
	b, err := Build("slurm", Settings{File: &sweep.File{}, Self: "/x/servesweep", DryRun: true, TimeScale: 0.05})
	if err != nil || !b.Remote || b.Concurrent != 64 || b.Executor.(Slurm).EngineTimeScale != "0.05" || b.Executor.(Slurm).Self != "/x/servesweep" {
		t.Fatalf("%+v %v", b, err)
	}
	if b, err := Build("", Settings{Local: Local{Host: "127.0.0.1"}}); err != nil || b.Remote || b.Executor.(Local).Host != "127.0.0.1" {
		t.Fatalf("default is local: %+v %v", b, err)
	}
	if _, err := Build("kubernetes", Settings{}); err == nil || !strings.Contains(err.Error(), "use one of local, slurm") {
		t.Fatalf("%v", err)
	}
}
