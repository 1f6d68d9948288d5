package proc

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"syscall"
	"time"
)

// LaunchFile is the launch record a server's folder holds from its launch
// until a stop that left nothing behind. One left there means the servesweep
// that launched the server did not see it gone (SIGKILL, a crash, a power
// cut): `run --resume` reaps what is left of it (see Reap).
const LaunchFile = "server.pid.json"

// LaunchRecord records one launched server: enough to find its processes again
// from another servesweep process, and to be sure they are its.
type LaunchRecord struct {
	RunID    string `json:"run_id,omitempty"`
	ConfigID string `json:"config_id,omitempty"`
	// PID is the launched child's pid, also its process group id.
	PID  int `json:"pid"`
	PGID int `json:"pgid"`
	// StartTicks is the child's start time (/proc/PID/stat field 22): with
	// BootID it tells the child from a process that reused its pid.
	StartTicks uint64 `json:"start_ticks"`
	BootID     string `json:"boot_id"`
	Host       string `json:"host"`
	// LaunchID is the value of SERVESWEEP_LAUNCH_ID in the environment of
	// every process the server started.
	LaunchID string `json:"launch_id"`
	// Cgroup is the launch's cgroup v2 directory ("" when none was made).
	Cgroup string `json:"cgroup,omitempty"`
	// Leaders are the process groups and sessions the server's processes
	// created (setsid, setpgid), as seen so far.
	Leaders []Leader `json:"leaders,omitempty"`
	// Supervisor is the pid of the servesweep that launched the server, and
	// SupervisorStartTicks its start time: while it runs, the server is its.
	Supervisor           int       `json:"supervisor_pid"`
	SupervisorStartTicks uint64    `json:"supervisor_start_ticks,omitempty"`
	StartedAt            time.Time `json:"started_at"`
}

// Leader is a process group or session id and its creator's start ticks.
type Leader struct {
	ID         int    `json:"id"`
	StartTicks uint64 `json:"start_ticks"`
}

var launchIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func newLaunchID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ParseLaunch parses a launch record.
func ParseLaunch(b []byte) (*LaunchRecord, error) {
	var l LaunchRecord
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("not a launch record: %v", err)
	}
	if l.PID <= 1 || l.PGID <= 1 {
		return nil, fmt.Errorf("not a launch record: pid %d, pgid %d", l.PID, l.PGID)
	}
	if !launchIDPattern.MatchString(l.LaunchID) {
		return nil, fmt.Errorf("not a launch record: launch_id %q is not 32 hex digits", l.LaunchID)
	}
	return &l, nil
}

// ReadLaunch reads the launch record at path.
func ReadLaunch(path string) (*LaunchRecord, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l, err := ParseLaunch(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return l, nil
}

// writeLaunch writes the record atomically (a synced temporary file renamed
// over the old one).
func writeLaunch(path string, l *LaunchRecord) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// ReapReport says what Reap found and did.
type ReapReport struct {
	Launch *LaunchRecord
	// Skipped says why nothing was looked for ("" when the record was checked).
	Skipped string
	// Found are the server's processes still running; Forced says SIGKILL
	// was needed; Leftover those alive at the end (the record then stays).
	Found    []int
	Forced   bool
	Leftover []int
}

// Reap stops what is left of the server a launch record describes: its
// processes (see tree) get SIGTERM, then SIGKILL after grace. A process is
// taken for the server's only when the record proves it: in the launch's
// cgroup, carrying its SERVESWEEP_LAUNCH_ID, the launched child itself (same
// pid and start time, same boot), or descended from or in a group or session
// of such a process. A pid reused by another process is never signalled. The
// record (and the cgroup) are removed when nothing is left.
func Reap(path string, grace time.Duration) (ReapReport, error) {
	l, err := ReadLaunch(path)
	if err != nil {
		return ReapReport{}, err
	}
	rep := ReapReport{Launch: l}
	host, _ := os.Hostname()
	switch {
	case l.Host != host:
		rep.Skipped = fmt.Sprintf("launched on host %s, not this one (%s): look for its processes there", l.Host, host)
		return rep, nil
	case l.BootID == "" || l.BootID != bootID():
		rep.Skipped = "launched before this machine's last boot: nothing of it can still run"
		return rep, os.Remove(path)
	}
	if s, ok := readStat(l.Supervisor); ok && s.live() && s.start == l.SupervisorStartTicks && l.Supervisor != os.Getpid() {
		rep.Skipped = fmt.Sprintf("belongs to servesweep pid %d, which still runs (a Slurm job's, or another run's): left to it", l.Supervisor)
		return rep, nil
	}
	t := newTree(LaunchIDEnv+"="+l.LaunchID, openCgroup(l.Cgroup, l.LaunchID))
	for _, ld := range append([]Leader{{ID: l.PID, StartTicks: l.StartTicks}}, l.Leaders...) {
		if s, ok := readStat(ld.ID); ok && s.live() && s.start == ld.StartTicks {
			t.trust(ld.ID, ld.StartTicks)
		}
	}
	members, ok := t.scan()
	if !ok {
		return rep, errors.New("cannot read /proc to look for the server's processes")
	}
	rep.Found = pids(members)
	if len(members) > 0 {
		rep.Forced, rep.Leftover = stopTree(t, grace)
	}
	if len(rep.Leftover) > 0 {
		return rep, nil
	}
	t.cg.remove()
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return rep, err
	}
	return rep, nil
}

// stopTree sends SIGTERM to every process of t, waits up to grace for them to
// end, then SIGKILL; it returns whether SIGKILL was needed and what survived it.
func stopTree(t *tree, grace time.Duration) (forced bool, left []int) {
	signalTree(t, syscall.SIGTERM)
	if waitTreeGone(t, grace) {
		return false, nil
	}
	signalTree(t, syscall.SIGKILL)
	waitTreeGone(t, 10*time.Second)
	m, _ := t.scan()
	return true, pids(m)
}

// signalTree signals every process of t (SIGKILL: through cgroup.kill too).
func signalTree(t *tree, sig syscall.Signal) {
	if sig == syscall.SIGKILL {
		t.cg.kill()
	}
	m, _ := t.scan()
	for _, s := range m {
		signalVerified(s, sig)
	}
}

// waitTreeGone polls until no process of t is left, or d passes.
func waitTreeGone(t *tree, d time.Duration) bool {
	deadline := time.Now().Add(d)
	delay := 5 * time.Millisecond
	for {
		if m, ok := t.scan(); ok && len(m) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(min(delay, time.Until(deadline)+time.Millisecond))
		delay = min(delay*2, 100*time.Millisecond)
	}
}
