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
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is one supervised child and its process group.
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
}

// Start runs argv with env (KEY=VALUE, appended to the current environment) in
// a new process group, writing its output to logPath.
func Start(argv []string, env []string, logPath string) (*Process, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	out, closeLog, drained, err := logSink(log)
	if err != nil {
		log.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		closeLog(false)
		return nil, fmt.Errorf("cannot start %s: %w", argv[0], err)
	}
	closeLog(true)
	p := &Process{cmd: cmd, log: log, exited: make(chan struct{}), PID: cmd.Process.Pid, Started: time.Now(),
		Name: filepath.Base(filepath.Dir(logPath))}
	go func() {
		p.waitErr = cmd.Wait()
		if out == log {
			log.Close()
		} else {
			// Let the log catch up with the child's last words (a process of its
			// group that still holds the pipe is not waited for long).
			select {
			case <-drained:
			case <-time.After(2 * time.Second):
			}
		}
		close(p.exited)
	}()
	return p, nil
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

// StopReport says how a stop went.
type StopReport struct {
	Duration time.Duration // from SIGTERM until no process of the group was left
	Forced   bool          // SIGKILL was needed
	Leftover []int         // pids of the group still alive at the end (should be empty)
}

// Stop sends SIGTERM to the process group, waits up to grace for every member
// to exit, then sends SIGKILL to the group and waits up to killWait more.
// KillNow cuts the grace short.
func (p *Process) Stop(grace, killWait time.Duration) StopReport {
	start := time.Now()
	rep := StopReport{}
	_ = syscall.Kill(-p.PID, syscall.SIGTERM)
	grace = beginGrace(p, grace)
	gone := p.waitGroupGone(grace)
	if killed := endGrace(p.PID); !gone || killed {
		rep.Forced = true
		_ = syscall.Kill(-p.PID, syscall.SIGKILL)
		p.waitGroupGone(killWait)
	}
	rep.Duration = time.Since(start)
	rep.Leftover = GroupMembers(p.PID)
	return rep
}

// waitGroupGone polls until the leader has been reaped and no live member of the
// group remains, or d passes.
func (p *Process) waitGroupGone(d time.Duration) bool {
	deadline := time.Now().Add(d)
	delay := 5 * time.Millisecond
	for {
		if p.HasExited() && len(GroupMembers(p.PID)) == 0 {
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

// GroupMembers lists live (non-zombie) processes whose process group is pgid,
// read from /proc.
func GroupMembers(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		// No /proc: fall back to signal 0 to the group.
		if syscall.Kill(-pgid, 0) == nil {
			return []int{-pgid}
		}
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses and may hold spaces.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 {
			continue
		}
		state, pg := f[0], f[2]
		if state == "Z" || state == "X" {
			continue
		}
		if pg == strconv.Itoa(pgid) {
			out = append(out, pid)
		}
	}
	return out
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
