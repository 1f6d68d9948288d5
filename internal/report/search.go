package report

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/servesweep/servesweep/internal/results"
)

// searchFile is the runner's search log (runner.SearchFile).
const searchFile = "search.jsonl"

// SearchReport is what the sweep's search: strategy did: the configurations it
// did not run and why, and the GPU-hours it spent against the grid's.
type SearchReport struct {
	Strategy      string   `json:"strategy"`
	Winner        string   `json:"winner"`
	SpentGPUHours float64  `json:"spent_gpu_hours"`
	GridGPUHours  float64  `json:"grid_gpu_hours"`
	Launched      int      `json:"launched"`
	Full          int      `json:"full"`
	NotRun        []NotRun `json:"not_run"`
}

// NotRun is one configuration the search decided not to run.
type NotRun struct {
	ConfigID string `json:"config_id"`
	Reason   string `json:"reason"`
}

// readSearch reads the search log's summary and the search's skipped configurations.
func (r *Report) readSearch(dir string) {
	type line struct {
		Kind string `json:"kind"`
		SearchReport
	}
	ls, err := results.ReadLinesWarn[line](filepath.Join(dir, searchFile), func(w string) { r.Warnings = append(r.Warnings, w) })
	if err != nil || len(ls) == 0 {
		return
	}
	s := &SearchReport{}
	for _, l := range ls {
		if l.Kind == "summary" {
			*s = l.SearchReport
		}
	}
	s.NotRun = nil
	for _, c := range r.Configs {
		if c.Server != nil && c.Server.FailureKind == results.KindSearch {
			s.NotRun = append(s.NotRun, NotRun{c.ID, c.Server.Error})
		}
	}
	r.Search = s
}

// searchMarkdown writes the search section.
func (r *Report) searchMarkdown(b *strings.Builder) {
	s := r.Search
	if s == nil {
		return
	}
	b.WriteString("### Search\n\n")
	fmt.Fprintf(b, "Strategy `%s`: %d launches, %d measured fully, winner `%s`. GPU-hours spent %.4g", s.Strategy, s.Launched, s.Full, s.Winner, s.SpentGPUHours)
	if s.GridGPUHours > 0 {
		fmt.Fprintf(b, " against the grid's estimated %.4g (%.0f%%)", s.GridGPUHours, 100*s.SpentGPUHours/s.GridGPUHours)
	}
	b.WriteString(".\n\n")
	if len(s.NotRun) > 0 {
		b.WriteString("| not run | why |\n| --- | --- |\n")
		for _, n := range s.NotRun {
			fmt.Fprintf(b, "| %s | %s |\n", r.display(n.ConfigID), strings.ReplaceAll(n.Reason, "|", "\\|"))
		}
		b.WriteString("\n")
	}
}
