package proc

import (
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Stopping is a process group waiting out its stop's grace period.
type Stopping struct {
	PID    int
	Name   string    // the process's Name
	KillAt time.Time // when SIGKILL follows if it has not exited
	p      *Process
}

var (
	stopMu   sync.Mutex
	inGrace  = map[int]Stopping{}
	killedBy = map[int]bool{} // groups KillNow killed during their grace
	hurry    atomic.Bool
)

// InGrace lists the process groups of this process's children now waiting
// out their stop's grace period, by PID.
func InGrace() []Stopping {
	stopMu.Lock()
	defer stopMu.Unlock()
	out := make([]Stopping, 0, len(inGrace))
	for _, s := range inGrace {
		out = append(out, s)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].PID < out[b].PID })
	return out
}

// KillNow ends the grace periods (a second Ctrl-C): every server in one gets
// SIGKILL at once (its group and every other process of it), and stops that
// begin later send SIGKILL right after SIGTERM. It returns the groups it killed.
func KillNow() []Stopping {
	stopMu.Lock()
	defer stopMu.Unlock()
	hurry.Store(true)
	var killed []Stopping
	for pid, s := range inGrace {
		killedBy[pid] = true
		s.p.signal(syscall.SIGKILL)
		killed = append(killed, s)
	}
	sort.Slice(killed, func(a, b int) bool { return killed[a].PID < killed[b].PID })
	return killed
}

func beginGrace(p *Process, grace time.Duration) time.Duration {
	stopMu.Lock()
	defer stopMu.Unlock()
	if hurry.Load() {
		return 0
	}
	inGrace[p.PID] = Stopping{PID: p.PID, Name: p.Name, KillAt: time.Now().Add(grace), p: p}
	return grace
}

// endGrace reports whether KillNow killed the group during its grace.
func endGrace(pid int) bool {
	stopMu.Lock()
	defer stopMu.Unlock()
	delete(inGrace, pid)
	k := killedBy[pid]
	delete(killedBy, pid)
	return k
}
