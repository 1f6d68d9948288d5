package rundir

import (
	"bufio"
	"errors"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/plan"
)

// TestMain lets the test binary act as a second process holding a lock.
func TestMain(m *testing.M) {
	if dir := os.Getenv("RUNDIR_TEST_HOLD"); dir != "" {
		l, err := Acquire(dir)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		defer l.Release()
		fmt.Println("locked")
		time.Sleep(time.Minute)
		return
	}
	os.Exit(m.Run())
}

func holdLock(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RUNDIR_TEST_HOLD="+dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("holder: %q", line)
	}
	return cmd
}

func TestLockNamesTheHolderAndDiesWithIt(t *testing.T) {
	dir := t.TempDir()
	holder := holdLock(t, dir)
	_, err := Acquire(dir)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.PID != holder.Process.Pid || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", holder.Process.Pid)) {
		t.Fatalf("want a BusyError naming pid %d, got %v", holder.Process.Pid, err)
	}
	holder.Process.Signal(syscall.SIGKILL) // the kernel releases the lock of a killed process
	holder.Wait()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("lock of a killed process not released: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, LockFile)); string(b) != fmt.Sprintf("%d\n", os.Getpid()) {
		t.Errorf("lock file holds %q", b)
	}
	if _, err := Acquire(dir); !errors.As(err, &busy) {
		t.Errorf("a second lock in the same process must fail too (flock per open file): %v", err)
	}
	l.Release()
	l2, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	l2.Release()
}

func cfg(id string, cmd ...string) plan.Config {
	return plan.Config{ID: id, Command: cmd, Env: map[string]string{"K": "v"}, Cases: []plan.Case{{BatchSize: 1, InputLen: 64, OutputLen: 16}}}
}

func TestFingerprint(t *testing.T) {
	a, b := cfg("a", "/usr/bin/servesweep", "sim-server", "--x"), cfg("b", "python3", "-m", "sglang")
	base := Fingerprint([]plan.Config{a, b}, map[string]int{"repeats": 1})
	if !strings.HasPrefix(base, "sha256:") {
		t.Fatal(base)
	}
	moved := cfg("a", "/tmp/go-build1/servesweep", "sim-server", "--x")
	skipped := b
	skipped.Verdict, skipped.Reasons = plan.VerdictSkip, []string{"needs 8 GPUs"}
	for name, fp := range map[string]string{
		"reordered":               Fingerprint([]plan.Config{b, a}, map[string]int{"repeats": 1}),
		"launcher in another dir": Fingerprint([]plan.Config{moved, b}, map[string]int{"repeats": 1}),
		"another pre-flight":      Fingerprint([]plan.Config{a, skipped}, map[string]int{"repeats": 1}),
	} {
		if fp != base {
			t.Errorf("%s: fingerprint changed", name)
		}
	}
	changedEnv := cfg("b", "python3", "-m", "sglang")
	changedEnv.Env = map[string]string{"K": "w"}
	changedCases := cfg("b", "python3", "-m", "sglang")
	changedCases.Cases[0].OutputLen = 32
	for name, fp := range map[string]string{
		"argument": Fingerprint([]plan.Config{a, cfg("b", "python3", "-m", "sglang", "--tp", "2")}, map[string]int{"repeats": 1}),
		"env":      Fingerprint([]plan.Config{a, changedEnv}, map[string]int{"repeats": 1}),
		"cases":    Fingerprint([]plan.Config{a, changedCases}, map[string]int{"repeats": 1}),
		"settings": Fingerprint([]plan.Config{a, b}, map[string]int{"repeats": 3}),
		"one more": Fingerprint([]plan.Config{a, b, cfg("c", "x")}, map[string]int{"repeats": 1}),
	} {
		if fp == base {
			t.Errorf("%s changed but the fingerprint did not", name)
		}
	}
	if !SameLaunch(a, moved) || SameLaunch(b, changedEnv) || SameLaunch(b, changedCases) {
		t.Error("SameLaunch")
	}
}

// A run.json that cannot be written (here RLIMIT_FSIZE: the kernel refuses
// the write, as on a full disk) leaves the old one whole.
func TestWriteMetaKeepsTheOldOneOnFailure(t *testing.T) {
	dir := t.TempDir()
	if err := WriteMeta(dir, &Meta{RunID: "r1"}); err != nil {
		t.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	lim := syscall.Rlimit{Cur: 64, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	err := WriteMeta(dir, &Meta{RunID: "r2", Name: strings.Repeat("n", 200)})
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
	if err == nil || !strings.Contains(err.Error(), "cannot write "+filepath.Join(dir, MetaFile)) {
		t.Fatalf("want a write error naming run.json, got %v", err)
	}
	m, err := ReadMeta(dir)
	if err != nil || m.RunID != "r1" {
		t.Fatalf("old run.json lost: %+v %v", m, err)
	}
	if _, err := os.Stat(filepath.Join(dir, MetaFile+".tmp")); !errors.Is(err, os.ErrNotExist) {
		t.Error("temporary file left behind")
	}
}

// The readers (report, history) depend on the run directory, not on the
// runner; the run directory depends on none of them.
func TestImportsPointDown(t *testing.T) {
	forbidden := map[string][]string{
		"report":  {"internal/runner"},
		"history": {"internal/runner", "internal/report", "internal/executor"},
		"runner":  {"internal/report", "internal/history"},
		"rundir":  {"internal/runner", "internal/report", "internal/history", "internal/executor", "internal/cli"},
	}
	for pkg, bad := range forbidden {
		p, err := build.ImportDir(filepath.Join("..", pkg), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			for _, b := range bad {
				if strings.HasSuffix(imp, "/"+b) {
					t.Errorf("internal/%s imports %s", pkg, imp)
				}
			}
		}
	}
}

func FuzzParsePID(f *testing.F) {
	for _, s := range []string{"123\n", "0\n", "-5\n", "12", "\n", "99999999999\n", " 7 \n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pid, ok := ParsePID(b)
		if ok && (pid <= 0 || !strings.HasSuffix(string(b), "\n")) {
			t.Fatalf("%q → %d", b, pid)
		}
		if !ok && pid != 0 {
			t.Fatalf("%q: pid %d without ok", b, pid)
		}
	})
}
