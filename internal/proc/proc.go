// Package proc supervises server child processes: each runs in its own process
// group with stdout and stderr in a log file; the supervisor knows when it
// exits, stops it with SIGTERM then SIGKILL of the whole group after a grace
// period, and verifies that no process of the group is left.
package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is one supervised child and every process it starts.
type Process struct {
	cmd     *exec.Cmd
	log     *os.File
	exited  chan struct{}
	waitErr error
	// PID is the child's pid, which is also its process-group id.
	PID int
	// Started is when the child was started.
	Started time.Time
	// Name names the process in messages: the folder its log is in (a
	// server logs into its configuration's folder, so this is the config id).
	Name string

	tree    *tree
	launch  LaunchRecord
	record  string        // the launch record's path ("" for none)
	done    chan struct{} // closed by Stop: the watcher ends
	stopped sync.Once
	recMu   sync.Mutex // orders the watcher's record writes before Stop's removal
	removed bool       // the record was removed: nothing writes it again
}

// Options are a launch's settings.
type Options struct {
	// Env (KEY=VALUE) is appended to the current environment.
	Env []string
	// Log is the file stdout and stderr go to.
	Log string
	// Record, when set, is where the launch record is kept (see LaunchFile).
	Record string
	// RunID and ConfigID label the launch (RunID is also set as SERVESWEEP_RUN_ID).
	RunID, ConfigID string
}

// Start runs argv with env (KEY=VALUE, appended to the current environment) in
// a new process group, writing its output to logPath.
func Start(argv []string, env []string, logPath string) (*Process, error) {
	return Launch(argv, Options{Env: env, Log: logPath})
}

// Launch runs argv in a new process group (and, where one can be made, a
// cgroup of its own), writing its output to o.Log. On Linux the child gets
// SIGTERM when this process dies (PR_SET_PDEATHSIG). Every process it starts
// is tracked (see tree) until Stop.
func Launch(argv []string, o Options) (*Process, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	log, err := os.OpenFile(o.Log, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	out, closeLog, drained, err := logSink(log)
	if err != nil {
		log.Close()
		return nil, err
	}
	id := newLaunchID()
	env := append(append(os.Environ(), o.Env...), LaunchIDEnv+"="+id)
	if o.RunID != "" {
		env = append(env, RunIDEnv+"="+o.RunID)
	}
	cmd, cg, err := startCmd(argv, env, out, id)
	if err != nil {
		closeLog(false)
		return nil, fmt.Errorf("cannot start %s: %w", argv[0], err)
	}
	closeLog(true)
	p := &Process{cmd: cmd, log: log, exited: make(chan struct{}), PID: cmd.Process.Pid, Started: time.Now(),
		Name: filepath.Base(filepath.Dir(o.Log)), tree: newTree(LaunchIDEnv+"="+id, cg), record: o.Record, done: make(chan struct{})}
	p.begin(o, id)
	go p.wait(out, drained)
	return p, nil
}

// startCmd starts argv in its own process group, in a new cgroup when one can
// be made (clone3 CLONE_INTO_CGROUP: no process of the server ever runs
// outside it), else without.
func startCmd(argv, env []string, out *os.File, launchID string) (*exec.Cmd, *cgroup, error) {
	mk := func(cgFD int) *exec.Cmd {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = out, out
		cmd.SysProcAttr = sysProcAttr(cgFD)
		return cmd
	}
	if cg := newCgroup(launchID); cg != nil {
		if d, err := os.Open(cg.dir); err == nil {
			cmd := mk(int(d.Fd()))
			err = cmd.Start()
			d.Close()
			if err == nil {
				return cmd, cg, nil
			}
		}
		cg.remove() // the kernel refused: track through /proc alone
	}
	cmd := mk(-1)
	return cmd, nil, cmd.Start()
}

// begin records the launch and starts watching for the groups and sessions
// the server's processes create.
func (p *Process) begin(o Options, id string) {
	host, _ := os.Hostname()
	p.launch = LaunchRecord{RunID: o.RunID, ConfigID: o.ConfigID, PID: p.PID, PGID: p.PID, BootID: bootID(), Host: host,
		LaunchID: id, Cgroup: p.tree.cg.Dir(), Supervisor: os.Getpid(), StartedAt: p.Started.UTC()}
	if s, ok := readStat(os.Getpid()); ok {
		p.launch.SupervisorStartTicks = s.start
	}
	if s, ok := readStat(p.PID); ok {
		p.launch.StartTicks = s.start
		p.tree.trust(p.PID, s.start)
	}
	p.writeRecord(true)
	go p.watch(time.Second)
}

// watch rescans the server's processes every interval until Stop (or until
// none is left), so that a
// group or session one of them creates is known (and recorded) before its
// creator exits.
func (p *Process) watch(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			m, _ := p.tree.scan()
			p.writeRecord(false)
			if len(m) == 0 && p.HasExited() {
				return // nothing left to watch; Stop still checks
			}
		}
	}
}

// writeRecord rewrites the launch record when what it says changed (or force).
func (p *Process) writeRecord(force bool) {
	leaders, changed := p.tree.recorded()
	p.recMu.Lock()
	defer p.recMu.Unlock()
	if p.record == "" || p.removed || !(changed || force) {
		return
	}
	l := p.launch
	l.Leaders = leaders
	_ = writeLaunch(p.record, &l) // best effort: the run goes on without it
}

func (p *Process) wait(out *os.File, drained <-chan struct{}) {
	p.waitErr = p.cmd.Wait()
	if out == p.log {
		p.log.Close()
	} else {
		// Let the log catch up with the child's last words (a process of its
		// group that still holds the pipe is not waited for long).
		select {
		case <-drained:
		case <-time.After(2 * time.Second):
		}
	}
	close(p.exited)
}

// Exited is closed when the child has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// HasExited reports whether the child has exited.
func (p *Process) HasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// ExitStatus describes how the child ended ("exit status 1", "signal: killed"),
// or "" while it runs.
func (p *Process) ExitStatus() string {
	if !p.HasExited() {
		return ""
	}
	if p.waitErr == nil {
		return "exit status 0"
	}
	return p.waitErr.Error()
}

// Cgroup is the server's cgroup directory ("" when processes are tracked through /proc alone).
func (p *Process) Cgroup() string { return p.tree.cg.Dir() }

// Members lists the live processes of the server: its process group, its
// cgroup, and the processes that left the group (see tree).
func (p *Process) Members() []int {
	m, ok := p.tree.scan()
	if !ok {
		return GroupMembers(p.PID)
	}
	return pids(m)
}

// StopReport says how a stop went.
type StopReport struct {
	Duration time.Duration // from SIGTERM until no process of the server was left
	Forced   bool          // SIGKILL was needed
	Leftover []int         // pids of the server still alive at the end (should be empty)
}

// Stop sends SIGTERM to the process group and every other process of the
// server, waits up to grace for every one to exit, then sends them SIGKILL
// and waits up to killWait more. KillNow cuts the grace short. When nothing
// is left, the launch record and the cgroup are removed.
func (p *Process) Stop(grace, killWait time.Duration) StopReport {
	start := time.Now()
	rep := StopReport{}
	p.signal(syscall.SIGTERM)
	grace = beginGrace(p, grace)
	gone := p.waitGone(grace)
	if killed := endGrace(p.PID); !gone || killed {
		rep.Forced = true
		p.signal(syscall.SIGKILL)
		p.waitGone(killWait)
	}
	rep.Duration = time.Since(start)
	rep.Leftover = p.Members()
	p.stopped.Do(func() { close(p.done) })
	if len(rep.Leftover) == 0 {
		p.tree.cg.remove()
		p.recMu.Lock()
		if p.record != "" {
			os.Remove(p.record)
		}
		p.removed = true
		p.recMu.Unlock()
	} else {
		p.writeRecord(true) // the next --resume reaps what is left
	}
	return rep
}

// signal sends sig to the process group while its leader is not reaped (the
// group id is then surely the server's), and to every process of the server.
func (p *Process) signal(sig syscall.Signal) {
	if !p.HasExited() {
		_ = killGroup(p.PID, sig)
	}
	if sig == syscall.SIGKILL {
		p.tree.cg.kill()
	}
	m, ok := p.tree.scan()
	if !ok && p.HasExited() {
		_ = killGroup(p.PID, sig) // no /proc: the group is all that can be reached
	}
	for _, s := range m {
		signalVerified(s, sig)
	}
}

// waitGone polls until the leader has been reaped and no live process of the
// server remains, or d passes.
func (p *Process) waitGone(d time.Duration) bool {
	deadline := time.Now().Add(d)
	delay := 5 * time.Millisecond
	for {
		if p.HasExited() && len(p.Members()) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-p.exited:
		case <-time.After(delay):
		}
		delay = min(delay*2, 100*time.Millisecond)
	}
}

// LogTail returns the last n lines of the file at path.
func LogTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, _ := f.Stat()
	const max = 64 << 10
	off := int64(0)
	if st != nil && st.Size() > max {
		off = st.Size() - max
	}
	buf := make([]byte, max)
	k, _ := f.ReadAt(buf, off)
	lines := strings.Split(strings.TrimRight(string(buf[:k]), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
