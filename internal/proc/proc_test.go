package proc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStopKillsWholeGroup(t *testing.T) {
	dir := t.TempDir()
	// A parent that ignores SIGTERM and a grandchild that does too.
	script := `trap '' TERM; (trap '' TERM; sleep 60) & echo started; sleep 60`
	p, err := Start([]string{"sh", "-c", script}, nil, filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(GroupMembers(p.PID)) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(GroupMembers(p.PID)); n < 3 {
		t.Fatalf("want sh, subshell and sleeps in the group, got %d", n)
	}
	rep := p.Stop(200*time.Millisecond, 5*time.Second)
	if !rep.Forced {
		t.Fatal("SIGTERM was ignored; SIGKILL must have been needed")
	}
	if len(rep.Leftover) != 0 || len(GroupMembers(p.PID)) != 0 {
		t.Fatalf("processes left: %v", rep.Leftover)
	}
	if !strings.Contains(LogTail(filepath.Join(dir, "log"), 5), "started") {
		t.Fatal("log not captured")
	}
}

func TestStopGraceful(t *testing.T) {
	p, err := Start([]string{"sleep", "60"}, nil, filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	rep := p.Stop(5*time.Second, time.Second)
	if rep.Forced || rep.Duration > 2*time.Second || !p.HasExited() {
		t.Fatalf("sleep stops on SIGTERM: %+v", rep)
	}
	if !strings.Contains(p.ExitStatus(), "terminated") {
		t.Fatalf("exit status %q", p.ExitStatus())
	}
}

func TestStartMissingBinary(t *testing.T) {
	_, err := Start([]string{"/nonexistent/engine"}, nil, filepath.Join(t.TempDir(), "log"))
	if err == nil || !strings.Contains(err.Error(), "cannot start") {
		t.Fatalf("got %v", err)
	}
}

func TestLogTail(t *testing.T) {
	p := filepath.Join(t.TempDir(), "l")
	os.WriteFile(p, []byte("a\nb\nc\nd\n"), 0o644)
	if got := LogTail(p, 2); got != "c\nd" {
		t.Fatalf("got %q", got)
	}
}
