package runner

import (
	"path/filepath"
	"sort"
	"time"

	"github.com/servesweep/servesweep/internal/proc"
)

// reapEarlier stops, before a resume launches anything, what is left of the
// servers an earlier servesweep launched in the directory and never saw gone
// (it was SIGKILLed, crashed, or lost power): each left its launch record
// (<config id>/server.pid.json). Only processes the record proves to be that
// server's are signalled (see proc.Reap); a record whose processes are all
// gone is removed quietly.
func (s *sweepRun) reapEarlier() {
	paths, _ := filepath.Glob(filepath.Join(s.o.Dir, "*", proc.LaunchFile))
	sort.Strings(paths)
	grace := s.o.File.StopGrace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	for _, p := range paths {
		id := filepath.Base(filepath.Dir(p))
		rep, err := proc.Reap(p, grace)
		switch {
		case err != nil:
			s.logf("warning: %s: cannot check what is left of its earlier server: %v (look for its processes yourself)", id, err)
		case rep.Skipped != "":
			s.logf("%s: earlier server (pid %d) %s", id, rep.Launch.PID, rep.Skipped)
		case len(rep.Found) == 0:
		case len(rep.Leftover) > 0:
			s.logf("warning: %s: processes %v of its earlier server (pid %d) survived SIGKILL; %s keeps them for the next --resume", id, rep.Leftover, rep.Launch.PID, p)
		default:
			how := "SIGTERM"
			if rep.Forced {
				how = "SIGTERM, then SIGKILL"
			}
			s.logf("%s: the servesweep that launched its server (pid %d, group %d) ended without stopping it; stopped %d leftover processes %v (%s) before resuming",
				id, rep.Launch.PID, rep.Launch.PGID, len(rep.Found), rep.Found, how)
		}
	}
}
