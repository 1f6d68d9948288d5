package runner

import (
	"slices"
	"testing"

	"github.com/servesweep/servesweep/internal/rundir"
)

// TestScheduleRecordsWhatRan: run.json names the schedule of this run, with
// the packed pool or the Slurm job limit, and a resume that runs another way
// keeps the earlier schedule instead of claiming the whole run for the new one.
func TestScheduleRecordsWhatRan(t *testing.T) {
	m := &rundir.Meta{Schedule: "exclusive"}
	setSchedule(m, Options{Packed: true, GPUs: 8})
	if m.Schedule != "packed" || m.ScheduleGPUs != 8 || m.MaxJobs != 0 || len(m.EarlierSchedules) != 0 {
		t.Fatalf("packed: %+v", m)
	}
	setSchedule(m, Options{Concurrent: 1})
	if m.Schedule != "cluster" || m.MaxJobs != 1 || m.ScheduleGPUs != 0 {
		t.Fatalf("Slurm with one job at a time is still Slurm: %+v", m)
	}
	// Resumed exclusively after a packed part: the packed part is kept.
	m = &rundir.Meta{Schedule: "packed", ScheduleGPUs: 8}
	setSchedule(m, Options{Resume: true})
	if m.Schedule != "exclusive" || m.ScheduleGPUs != 0 || !slices.Equal(m.EarlierSchedules, []string{"packed on 8 GPUs (several configurations at once on disjoint GPU sets)"}) {
		t.Fatalf("resume: %+v", m)
	}
	// Resumed the same way again: nothing new to say.
	setSchedule(m, Options{Resume: true})
	if len(m.EarlierSchedules) != 1 {
		t.Fatalf("resume again: %+v", m.EarlierSchedules)
	}
}
