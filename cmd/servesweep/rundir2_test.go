package main

// The run directory's fault matrix, continued (rundir_test.go): locks,
// --force on resume, a second Ctrl-C, and readers that must create nothing.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/results"
)

// Row 5: two processes on one run directory.
func TestFaultSecondProcessOnALockedRunDirectory(t *testing.T) {
	tok := token()
	slow := `--sim-time-scale, "1", --sim-startup-ms, "1", --sim-itl-ms, "20"`
	sweep := simSweep(t, "lock", tok, 40, "a="+slow, "b="+slow)
	out := filepath.Join(t.TempDir(), "run")
	first := exec.Command(bin(), "run", sweep, "--out", out, "--no-history")
	stderr, _ := first.StderrPipe()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, stderr, "launched pid")
	r := runBin(t, "run", sweep, "--resume", out, "--no-history")
	if r.code != 1 || !strings.Contains(r.stderr, fmt.Sprintf("in use by servesweep pid %d", first.Process.Pid)) {
		t.Errorf("a second run --resume must exit 1 naming pid %d: %d\n%s", first.Process.Pid, r.code, r.stderr)
	}
	if err := first.Wait(); err != nil {
		t.Fatal(err)
	}

	// Two run --out started together: one runs the sweep, the other stops at once.
	both := filepath.Join(t.TempDir(), "run")
	var cmds [2]*exec.Cmd
	var errs [2]bytes.Buffer
	for i := range cmds {
		cmds[i] = exec.Command(bin(), "run", sweep, "--out", both, "--no-history")
		cmds[i].Stderr = &errs[i]
	}
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	codes := [2]int{}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			codes[i] = err.(*exec.ExitError).ExitCode()
		}
	}
	loser := 0
	if codes[0] == 0 {
		loser = 1
	}
	if codes[1-loser] != 0 || codes[loser] != 1 || !strings.Contains(errs[loser].String(), fmt.Sprintf("pid %d", cmds[1-loser].Process.Pid)) {
		t.Errorf("exits %v; loser said:\n%s", codes, errs[loser].String())
	}
	for _, dir := range []string{out, both} {
		if n := len(readResults(t, dir)); n != 2 {
			t.Errorf("%s: want each case once, got %d results", dir, n)
		}
	}
	assertNoneLeft(t, tok)
}

// Row 6: run --resume --force launches what pre-flight skipped.
func TestFaultForceOnResumeLaunchesSkipped(t *testing.T) {
	tok := token()
	sweep := writeSweep(t, fmt.Sprintf("name: force\nengine: sim\ntp_sizes: [1, 2]\ninput_lens: [64]\noutput_lens: [16]\nwarmup: false\nmodels:\n  m: {path: m/%s, extra_args: [%s]}\n", tok, fastSim))
	out := filepath.Join(t.TempDir(), "run")
	if r := runBin(t, "run", sweep, "--out", out, "--gpus", "1", "--no-history"); r.code != 0 || !strings.Contains(r.stderr, "m--TP2: skipped by pre-flight: needs 2 GPUs") {
		t.Fatalf("run: %d\n%s", r.code, r.stderr)
	}
	r := runBin(t, "run", sweep, "--resume", out, "--gpus", "1", "--no-history")
	if r.code != 0 || !strings.Contains(r.stderr, "m--TP2: already complete, skipped (resume): recorded as skipped by pre-flight (--force launches it)") {
		t.Fatalf("resume without --force: %d\n%s", r.code, r.stderr)
	}
	r = runBin(t, "run", sweep, "--resume", out, "--gpus", "1", "--force", "--no-history")
	if r.code != 0 || !strings.Contains(r.stderr, "[2/2] m--TP2: m/"+tok+" TP2 on 2 GPU(s)") || !strings.Contains(r.stderr, "[1/2] m--TP1: already complete") {
		t.Fatalf("--resume --force must launch m--TP2: %d\n%s", r.code, r.stderr)
	}
	// Launched — and the sim, like the real engine, does not start on too few
	// GPUs: it rehearses pre-flight's reason as a launch crash.
	last := results.Latest(readResults(t, out))
	for _, x := range last {
		switch {
		case x.ConfigID == "m--TP1" && x.Status != "ok":
			t.Errorf("%s: %s", x.ConfigID, x.Status)
		case x.ConfigID == "m--TP2" && (x.Status != "failed" || x.FailureKind != "launch_crash" || !strings.Contains(x.Error+x.LogTail, "needs 2 GPUs")):
			t.Errorf("%s after --force: %s %s %s", x.ConfigID, x.Status, x.FailureKind, x.Error)
		}
	}
	assertNoneLeft(t, tok)
}

// lines sends r's lines to a channel, closed at EOF.
func lines(r io.Reader) <-chan string {
	ch := make(chan string, 256)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
		close(ch)
	}()
	return ch
}

func expectLine(t *testing.T, ch <-chan string, s string, d time.Duration, log *strings.Builder) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case l, ok := <-ch:
			if !ok {
				t.Fatalf("never saw %q:\n%s", s, log.String())
			}
			log.WriteString(l + "\n")
			if strings.Contains(l, s) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q within %s:\n%s", s, d, log.String())
		}
	}
}

// Row 18: a second Ctrl-C during a long stop kills the server now.
func TestFaultSecondCtrlCKillsALongStop(t *testing.T) {
	tok := token()
	sweep := writeSweep(t, fmt.Sprintf(`name: ctrlc
engine: sim
tp_sizes: [1]
input_lens: [64]
output_lens: [200]
warmup: false
stop_grace: 30s
models:
  hang: {path: m/%s, extra_args: [--sim-fault, hang-on-stop, --sim-time-scale, "1", --sim-startup-ms, "1", --sim-itl-ms, "20"]}
`, tok))
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", sweep, "--out", out, "--no-history")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ch := lines(stderr)
	var log strings.Builder
	expectLine(t, ch, "hang--TP1: ready in", 10*time.Second, &log)
	cmd.Process.Signal(os.Interrupt)
	expectLine(t, ch, "stopping hang--TP1, SIGKILL in 30s; press Ctrl-C again to kill now", 5*time.Second, &log)
	t0 := time.Now()
	cmd.Process.Signal(os.Interrupt)
	expectLine(t, ch, "killing hang--TP1 now (SIGKILL)", 5*time.Second, &log)
	for l := range ch {
		log.WriteString(l + "\n")
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("want exit 130, got %v\n%s", err, log.String())
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("the second Ctrl-C took %s to end the run", d)
	}
	for _, s := range readServers(t, out) {
		if s.Status != "interrupted" || !s.ForcedKill {
			t.Errorf("server record: status %s forced_kill %v", s.Status, s.ForcedKill)
		}
	}
	assertNoneLeft(t, tok)
}

// readOnly makes dir read-only: a read-only bind mount as root (root ignores
// permissions), else chmod.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() == 0 {
		if out, err := exec.Command("mount", "--bind", dir, dir).CombinedOutput(); err != nil {
			t.Skipf("cannot bind-mount: %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
		if out, err := exec.Command("mount", "-o", "remount,ro,bind", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot remount read-only: %v %s", err, out)
		}
		return
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil {
			os.Chmod(p, info.Mode().Perm()&^0o222)
		}
		return nil
	})
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
}

// Row 18: commands that only read create nothing and fail for no reason;
// exit codes say what went wrong.
func TestFaultReadersCreateNothingAndExitCodesTellTheCause(t *testing.T) {
	tok := token()
	sweep := simSweep(t, "ro", tok, 16, "a="+fastSim)
	t.Run("plan and history create no database", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "sub", "missing.db")
		if r := runBin(t, "plan", sweep, "--db", db); r.code != 0 {
			t.Fatalf("plan: %d %s", r.code, r.stderr)
		}
		r := runBin(t, "history", "--db", db, "--json")
		if r.code != 0 || strings.TrimSpace(r.stdout) != "[]" || !strings.Contains(r.stderr, "no runs recorded yet") {
			t.Errorf("history of a missing database: %d %q %q", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Dir(db)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("plan or history created %s", filepath.Dir(db))
		}
	})
	t.Run("history on a read-only location", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		db := filepath.Join(dir, "history.db")
		if r := runBin(t, "run", sweep, "--out", filepath.Join(t.TempDir(), "run"), "--db", db); r.code != 0 {
			t.Fatalf("run: %s", r.stderr)
		}
		readOnly(t, dir)
		r := runBin(t, "history", "--db", db, "--json")
		if r.code != 0 || !strings.Contains(r.stdout, `"name": "ro"`) {
			t.Errorf("history on a read-only location: %d %s %s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("resume of a missing directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		r := runBin(t, "run", sweep, "--resume", dir)
		if r.code != 2 || !strings.Contains(r.stderr, "does not exist") {
			t.Errorf("exit %d: %s", r.code, r.stderr)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("--resume created %s", dir)
		}
	})
	t.Run("disk full before run.json", func(t *testing.T) {
		mnt := smallTmpfs(t, "64k")
		if mnt == "" {
			t.Skip("needs a tmpfs (root)")
		}
		fill(t, mnt)
		r := runBin(t, "run", sweep, "--out", filepath.Join(mnt, "run"), "--no-history")
		if r.code != 1 || !strings.Contains(r.stderr, "no space left on device") {
			t.Errorf("a full disk is not bad input: exit %d: %s", r.code, r.stderr)
		}
	})
}
