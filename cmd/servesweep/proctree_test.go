package main

// Issue 12 rows 8 and 9: servers that outlive servesweep, and server
// processes that leave their process group. Real processes, real signals:
// the server is a bash stand-in that starts helpers escaping its group
// (setsid, a double fork) and then execs the sim server.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/proc"
)

// escapingSweep writes a sweep whose servers are the stand-in: one helper
// stays in the server's group, one calls setsid, one double-forks and calls
// setsid; each helper's name, and the sim server's model path, hold tok. The
// sweep's engine is sglang (whose protocol the sim server speaks): the sim
// engine always launches the sim server itself, not engine_command.
func escapingSweep(t *testing.T, tok string, outLen int, sim string, models ...string) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "server.sh")
	body := fmt.Sprintf(`#!/bin/bash
case " $* " in *" --port "*)
	bash -c 'exec -a %[1]s-group sleep 300' &
	echo "helper $!"
	setsid bash -c 'exec -a %[1]s-setsid sleep 300' &
	echo "helper $!"
	( setsid bash -c 'exec -a %[1]s-double sleep 300' & echo "helper $!" )
esac
exec %[2]s sim-server "$@"
`, tok, bin())
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "name: escape\nengine: sglang\nengine_command: [bash, %s]\ngpu_label: test\ntp_sizes: [1]\ninput_lens: [64]\noutput_lens: [%d]\nwarmup: false\nstop_grace: 5s\nmodels:\n", script, outLen)
	for _, m := range models {
		fmt.Fprintf(&b, "  %s: {path: m/%s-%s, extra_args: [%s]}\n", m, tok, m, sim)
	}
	return writeSweep(t, b.String())
}

// helpersLogged are the pids the stand-in logged for its helpers.
func helpersLogged(t *testing.T, log string) []int {
	t.Helper()
	var out []int
	for _, l := range strings.Split(readFile(t, log), "\n") {
		if v, ok := strings.CutPrefix(l, "helper "); ok {
			if pid, err := strconv.Atoi(v); err == nil {
				out = append(out, pid)
			}
		}
	}
	return out
}

// helpersOf lists the live stand-in helpers (named tok-group, tok-setsid, tok-double).
func helpersOf(tok string) []int {
	var out []int
	for _, pid := range survivors(tok) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if strings.HasPrefix(string(b), tok+"-") {
			out = append(out, pid)
		}
	}
	return out
}

// Row 9: a server's processes that call setsid (or double-fork) are stopped
// with it and would be reported as leftovers; with a cgroup and through /proc.
func TestFaultSetsidChildrenAreStopped(t *testing.T) {
	for _, mode := range []string{"cgroup", "proc"} {
		t.Run(mode, func(t *testing.T) {
			tok := token()
			sweep := escapingSweep(t, tok, 16, fastSim, "a", "b")
			out := filepath.Join(t.TempDir(), "run")
			cmd := exec.Command(bin(), "run", sweep, "--out", out, "--no-history")
			cmd.Env = os.Environ()
			if mode == "proc" {
				cmd.Env = append(cmd.Env, proc.CgroupEnv+"=off")
			}
			b, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("run: %v\n%s", err, b)
			}
			for _, s := range readServers(t, out) {
				if h := helpersLogged(t, filepath.Join(out, s.ConfigID, "server.log")); len(h) != 3 {
					t.Errorf("%s: the stand-in did not start its 3 helpers: %v", s.ConfigID, h)
				}
				if s.Status != "ok" || s.ForcedKill || len(s.LeftoverPIDs) != 0 {
					t.Errorf("%s: status %s forced %v leftover %v %s", s.ConfigID, s.Status, s.ForcedKill, s.LeftoverPIDs, s.Error)
				}
				if _, err := os.Stat(filepath.Join(out, s.ConfigID, proc.LaunchFile)); !os.IsNotExist(err) {
					t.Errorf("%s: a clean stop leaves no launch record (%v)", s.ConfigID, err)
				}
			}
			assertNoneLeft(t, tok)
		})
	}
}

// Row 8: servesweep is SIGKILLed mid-run. The server's leader gets the
// parent-death signal; the launch record stays; --resume stops what is left
// (and says so) before it launches anything, then finishes the sweep.
func TestFaultSIGKILLThenResumeReaps(t *testing.T) {
	tok := token()
	slow := `--sim-time-scale, "1", --sim-startup-ms, "1", --sim-itl-ms, "20"`
	sweep := escapingSweep(t, tok, 300, slow, "a")
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", sweep, "--out", out, "--no-history")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	killSurvivors(t, tok)
	ch := lines(stderr)
	var log strings.Builder
	expectLine(t, ch, "a--TP1: ready in", 20*time.Second, &log)
	for i := 0; i < 100 && len(helpersOf(tok)) < 3; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1200 * time.Millisecond) // servesweep's watcher sees the new sessions
	rec, err := proc.ReadLaunch(filepath.Join(out, "a--TP1", proc.LaunchFile))
	if err != nil || rec.ConfigID != "a--TP1" || rec.Supervisor != cmd.Process.Pid {
		ls, _ := exec.Command("find", out).CombinedOutput()
		t.Fatalf("launch record while a runs: %+v %v\n%s\n%s", rec, err, ls, log.String())
	}
	cmd.Process.Kill()
	cmd.Wait()
	for i := 0; i < 200 && alive(rec.PID); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(rec.PID) {
		t.Errorf("the server (pid %d) outlived servesweep: no parent-death signal", rec.PID)
	}
	if h := helpersOf(tok); len(h) != 3 {
		t.Fatalf("want the 3 helpers still running after the SIGKILL, got %v", h)
	}
	r := runBin(t, "run", sweep, "--resume", out, "--no-history")
	if r.code != 0 {
		t.Fatalf("resume: %d\n%s", r.code, r.stderr)
	}
	want := fmt.Sprintf("a--TP1: the servesweep that launched its server (pid %d, group %d) ended without stopping it; stopped 3 leftover processes", rec.PID, rec.PGID)
	reaped := strings.Index(r.stderr, want)
	launched := strings.Index(r.stderr, "[1/1] a--TP1: m/")
	if reaped < 0 || launched < reaped {
		t.Errorf("resume must say it stopped the leftovers, before launching:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "a--TP1", proc.LaunchFile)); !os.IsNotExist(err) {
		t.Errorf("the launch record stays after the resume: %v", err)
	}
	if sum, _ := reportJSON(t, out); sum["complete"] != true || sum["cases_ok"] != 1.0 {
		t.Errorf("report after the resume: %v", sum)
	}
	assertNoneLeft(t, tok)
}

// killSurvivors kills, by pid, what a failed test leaves running.
func killSurvivors(t *testing.T, tok string) {
	t.Cleanup(func() {
		for _, p := range survivors(tok) {
			syscall.Kill(p, syscall.SIGKILL)
		}
	})
}

// alive reports whether pid runs (not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(b), ") Z ")
}

// Row 8: SIGHUP (the terminal closed) stops the run like Ctrl-C: servers
// stopped, the record says interrupted, exit 130, --resume finishes.
func TestFaultSIGHUPStopsLikeCtrlC(t *testing.T) {
	tok := token()
	slow := `--sim-time-scale, "1", --sim-startup-ms, "1", --sim-itl-ms, "20"`
	sweep := simSweep(t, "hup", tok, 200, "a="+slow, "b="+fastSim)
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", sweep, "--out", out, "--no-history")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	killSurvivors(t, tok)
	ch := lines(stderr)
	var log strings.Builder
	expectLine(t, ch, "a--TP1: ready in", 20*time.Second, &log)
	cmd.Process.Signal(syscall.SIGHUP)
	for l := range ch {
		log.WriteString(l + "\n")
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("SIGHUP must exit 130 like Ctrl-C, got %v\n%s", err, log.String())
	}
	ss := readServers(t, out)
	if len(ss) != 1 || ss[0].Status != "interrupted" {
		t.Fatalf("want a's server record, interrupted: %+v", ss)
	}
	assertNoneLeft(t, tok)
	if r := runBin(t, "run", sweep, "--resume", out, "--no-history"); r.code != 0 || !strings.Contains(r.stderr, "[1/2] a--TP1: m/") {
		t.Fatalf("resume after SIGHUP: %d\n%s", r.code, r.stderr)
	}
	assertNoneLeft(t, tok)
}
