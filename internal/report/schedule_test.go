package report

import (
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
)

// TestReportStatesTheScheduleThatRan: the markdown and HTML reports name the
// schedule of run.json (packed with its GPU pool, Slurm with its job limit,
// an earlier schedule of a resumed run), never "one configuration at a time"
// for a run that packed or spread them.
func TestReportStatesTheScheduleThatRan(t *testing.T) {
	cfg := plan.Config{ID: "a", ModelKey: "m", Model: "org/m", ModelName: "M", TP: 1, GPUs: 1, Engine: "sim", Variant: "TP1",
		Cases: []plan.Case{{BatchSize: 1, InputLen: 8, OutputLen: 8}}}
	for _, tc := range []struct {
		meta      rundir.Meta
		want, not string
	}{
		{rundir.Meta{Schedule: "packed", ScheduleGPUs: 8}, "schedule: packed on 8 GPUs (several configurations at once on disjoint GPU sets)", "one configuration at a time"},
		{rundir.Meta{Schedule: "cluster", MaxJobs: 64}, "schedule: Slurm (each configuration a batch job, up to 64 at once)", "one configuration at a time"},
		{rundir.Meta{Schedule: "exclusive"}, "schedule: exclusive (one configuration at a time)", "packed"},
		{rundir.Meta{}, "schedule: exclusive (one configuration at a time)", "packed"},
		{rundir.Meta{Schedule: "packed", ScheduleGPUs: 4, EarlierSchedules: []string{"exclusive (one configuration at a time)"}},
			"schedule: packed on 4 GPUs (several configurations at once on disjoint GPU sets); resumed, earlier parts ran exclusive (one configuration at a time)", "Slurm"},
		{rundir.Meta{Schedule: "external server"}, "schedule: external server (a server servesweep did not launch)", "one configuration at a time"},
	} {
		meta := tc.meta
		meta.Engine, meta.GPULabel, meta.Configs = "sim", "h200", []plan.Config{cfg}
		rep := Build(meta, []results.Result{row("a", 100)}, nil, LinkOptions{})
		var md, html strings.Builder
		if err := rep.Markdown(&md); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(md.String(), tc.want) || strings.Contains(md.String(), tc.not) {
			t.Errorf("%+v: markdown lacks %q or holds %q:\n%s", tc.meta, tc.want, tc.not, md.String())
		}
		if err := rep.HTML(&html, HTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html.String(), "schedule: "+strings.SplitN(tc.meta.ScheduleLabel(), " (", 2)[0]) {
			t.Errorf("%+v: the HTML report does not name the schedule", tc.meta)
		}
	}
}
