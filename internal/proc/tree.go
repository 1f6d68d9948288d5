package proc

import (
	"os"
	"sort"
	"sync"
	"syscall"
)

// LaunchIDEnv is set in every server's environment to its launch's id (32 hex
// digits), which every process it starts inherits: a process carrying it
// belongs to that launch, whatever its pid, group or session.
const LaunchIDEnv = "SERVESWEEP_LAUNCH_ID"

// RunIDEnv is set in every server's environment to the run's id.
const RunIDEnv = "SERVESWEEP_RUN_ID"

// tree finds every process of one launched server. A process is the server's
// when it is in the launch's cgroup; or its environment carries the launch's
// marker; or its parent is the server's; or its process group or session was
// created by one of the server's processes (recorded as they are seen, and
// forgotten once no process is left in them, so a reused id is never taken
// for the server's). A child that calls setsid(2), or double-forks and is
// adopted by init, stays the server's.
type tree struct {
	marker string  // LaunchIDEnv=<id>; "" when unknown
	cg     *cgroup // nil without a cgroup
	self   int

	mu      sync.Mutex
	leaders map[int]uint64   // group and session ids created by the server's processes → the creator's start ticks
	env     map[procKey]bool // processes whose environment was read → whether it carries the marker
	changed bool             // leaders gained an id since the last record write
}

type procKey struct {
	pid   int
	start uint64
}

func newTree(marker string, cg *cgroup) *tree {
	return &tree{marker: marker, cg: cg, self: os.Getpid(), leaders: map[int]uint64{}, env: map[procKey]bool{}}
}

// trust records id as a group or session a process of the server created.
func (t *tree) trust(id int, start uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.leaders[id]; !ok {
		t.leaders[id] = start
		t.changed = true
	}
}

// scan lists the server's live processes; ok is false when /proc cannot be read.
func (t *tree) scan() (members []stat, ok bool) {
	all, ok := snapshot()
	if !ok {
		return nil, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	in := map[int]bool{}
	for _, pid := range t.cg.procs() {
		in[pid] = true
	}
	t.markByEnv(all, in)
	for grew := true; grew; { // children of members, and members of their groups and sessions
		grew = false
		for _, s := range all {
			if in[s.pid] {
				continue
			}
			if in[s.ppid] || t.trusted(s.pgid) || t.trusted(s.sid) {
				in[s.pid], grew = true, true
			}
		}
	}
	for _, s := range all {
		if in[s.pid] && s.pid != t.self && s.pid != 1 {
			members = append(members, s)
		}
	}
	t.updateLeaders(all, members)
	return members, true
}

func (t *tree) trusted(id int) bool {
	_, ok := t.leaders[id]
	return ok && id > 1
}

// markByEnv marks the processes whose environment carries the marker; each
// process's environment is read once.
func (t *tree) markByEnv(all []stat, in map[int]bool) {
	if t.marker == "" {
		return
	}
	seen := make(map[procKey]bool, len(all))
	for _, s := range all {
		k := procKey{s.pid, s.start}
		has, ok := t.env[k]
		if !ok {
			has = hasEnv(s.pid, t.marker)
		}
		seen[k] = has
		if has {
			in[s.pid] = true
		}
	}
	t.env = seen
}

// updateLeaders records the groups and sessions members lead, and forgets
// those no live process is in any more (their ids may be reused).
func (t *tree) updateLeaders(all, members []stat) {
	for _, m := range members {
		for _, id := range []int{m.pgid, m.sid} {
			if id == m.pid && !t.trusted(id) {
				t.leaders[id] = m.start
				t.changed = true
			}
		}
	}
	used := map[int]bool{}
	for _, s := range all {
		used[s.pgid], used[s.sid] = true, true
	}
	for id := range t.leaders {
		if !used[id] {
			delete(t.leaders, id)
		}
	}
}

// pids lists the pids of members.
func pids(members []stat) []int {
	out := make([]int, 0, len(members))
	for _, m := range members {
		out = append(out, m.pid)
	}
	sort.Ints(out)
	return out
}

// recorded lists the groups and sessions the server's processes created, and
// whether that list changed since the last call.
func (t *tree) recorded() ([]Leader, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Leader, 0, len(t.leaders))
	for id, st := range t.leaders {
		out = append(out, Leader{ID: id, StartTicks: st})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	ch := t.changed
	t.changed = false
	return out, ch
}

// signalVerified sends sig to the process s names, only while its pid still
// names that process: the pid is pinned first (on Linux os.FindProcess opens
// a pidfd and Signal uses pidfd_send_signal: Go's src/os/exec_unix.go
// findProcess, src/os/pidfd_linux.go pidfdFind), then its start time is
// checked again.
func signalVerified(s stat, sig syscall.Signal) {
	p, err := os.FindProcess(s.pid)
	if err != nil {
		return
	}
	defer p.Release()
	if now, ok := readStat(s.pid); !ok || now.start != s.start {
		return
	}
	_ = p.Signal(sig)
}

// killGroup signals a process group; never group 0 or 1 (this process's own
// group, or init's).
func killGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 1 {
		return syscall.EINVAL
	}
	return syscall.Kill(-pgid, sig)
}
