package proc

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// named lists live processes whose name (argv[0]) starts with tok.
func named(tok string) []int {
	var out []int
	all, _ := snapshot()
	for _, s := range all {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", s.pid))
		if err == nil && bytes.HasPrefix(b, []byte(tok)) {
			out = append(out, s.pid)
		}
	}
	return out
}

func killNamed(t *testing.T, tok string) {
	t.Cleanup(func() {
		for _, pid := range named(tok) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// escaper is a server stand-in: one sleep stays in its group, one calls
// setsid (a new session), one double-forks and calls setsid (adopted by init
// at once); each sleep's name holds tok.
func escaper(tok string) string {
	return fmt.Sprintf(`bash -c 'exec -a %[1]s-group sleep 300' &
setsid bash -c 'exec -a %[1]s-setsid sleep 300' &
( setsid bash -c 'exec -a %[1]s-double sleep 300' & )
echo up
exec -a %[1]s-leader sleep 300`, tok)
}

func waitNamed(t *testing.T, tok string, n int) {
	t.Helper()
	t0 := time.Now()
	for i := 0; i < 500 && len(named(tok)) < n; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if got := named(tok); len(got) < n {
		t.Fatalf("want %d processes named %s, got %v after %s", n, tok, got, time.Since(t0))
	}
}

func hasCgroup(t *testing.T) bool {
	t.Helper()
	cg := newCgroup(newLaunchID())
	if cg == nil {
		return false
	}
	cg.remove()
	return true
}

// Issue 12 row 9: a child that calls setsid, or double-forks, is stopped with
// the server and counted by the leftover check; with a cgroup and without.
func TestStopReachesProcessesThatLeftTheGroup(t *testing.T) {
	for _, mode := range []string{"cgroup", "proc"} {
		t.Run(mode, func(t *testing.T) {
			if mode == "proc" {
				t.Setenv(CgroupEnv, "off")
			} else if !hasCgroup(t) {
				t.Skip("no writable cgroup v2 here; the /proc walk is tested")
			}
			tok := fmt.Sprintf("esc%d", time.Now().UnixNano())
			killNamed(t, tok)
			dir := t.TempDir()
			p, err := Launch([]string{"bash", "-c", escaper(tok)}, Options{Log: filepath.Join(dir, "log"), Record: filepath.Join(dir, LaunchFile)})
			if err != nil {
				t.Fatal(err)
			}
			waitNamed(t, tok, 4)
			if (p.Cgroup() != "") != (mode == "cgroup") {
				t.Fatalf("cgroup %q in mode %s", p.Cgroup(), mode)
			}
			if m := p.Members(); len(m) != 4 {
				t.Errorf("members %v, want the leader and its three sleeps %v", m, named(tok))
			}
			if n := len(GroupMembers(p.PID)); n != 2 {
				t.Errorf("the stand-in must leave its group: %d in it", n)
			}
			rep := p.Stop(5*time.Second, 5*time.Second)
			if rep.Forced || len(rep.Leftover) != 0 {
				t.Errorf("stop: %+v", rep)
			}
			if left := named(tok); len(left) != 0 {
				t.Errorf("processes %v survived the stop", left)
			}
			if _, err := os.Stat(filepath.Join(dir, LaunchFile)); !os.IsNotExist(err) {
				t.Errorf("a clean stop leaves no launch record: %v", err)
			}
			if c := p.Cgroup(); c != "" {
				if _, err := os.Stat(c); !os.IsNotExist(err) {
					t.Errorf("cgroup %s not removed", c)
				}
			}
		})
	}
}

// A process that clears its environment and double-forks into a new session
// is out of reach of /proc: only a cgroup keeps it.
func TestCgroupKeepsAnEnvClearingEscapee(t *testing.T) {
	if !hasCgroup(t) {
		t.Skip("no writable cgroup v2 here")
	}
	tok := fmt.Sprintf("envi%d", time.Now().UnixNano())
	killNamed(t, tok)
	script := fmt.Sprintf(`( env -i setsid bash -c 'exec -a %[1]s-hidden sleep 300' & ); exec -a %[1]s-leader sleep 300`, tok)
	p, err := Launch([]string{"bash", "-c", script}, Options{Log: filepath.Join(t.TempDir(), "log")})
	if err != nil {
		t.Fatal(err)
	}
	waitNamed(t, tok, 2)
	rep := p.Stop(5*time.Second, 5*time.Second)
	if left := named(tok); len(left) != 0 || len(rep.Leftover) != 0 {
		t.Errorf("left %v, report %+v", left, rep)
	}
}

// helperEnv makes the test binary a servesweep stand-in that launches the
// escaper and waits to be killed (see TestHelperSupervisor).
const helperEnv = "PROC_TEST_SUPERVISOR"

func TestHelperSupervisor(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper process only")
	}
	tok, dir, _ := strings.Cut(spec, ":")
	p, err := Launch([]string{"bash", "-c", escaper(tok)}, Options{Log: filepath.Join(dir, "log"), Record: filepath.Join(dir, LaunchFile), RunID: "r1", ConfigID: "c1"})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("launched", p.PID)
	time.Sleep(time.Minute)
	os.Exit(0)
}

// Issue 12 row 8: the supervisor is SIGKILLed: its direct child gets the
// parent-death signal, and Reap (what --resume does) finds and stops the
// rest from the launch record alone.
func TestReapAfterTheSupervisorIsKilled(t *testing.T) {
	for _, mode := range []string{"cgroup", "proc"} {
		t.Run(mode, func(t *testing.T) {
			cgEnv := "off"
			if mode == "cgroup" {
				if !hasCgroup(t) {
					t.Skip("no writable cgroup v2 here")
				}
				cgEnv = ""
			}
			tok := fmt.Sprintf("reap%d", time.Now().UnixNano())
			killNamed(t, tok)
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSupervisor$")
			cmd.Env = append(os.Environ(), helperEnv+"="+tok+":"+dir, CgroupEnv+"="+cgEnv)
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			leader := 0
			for leader == 0 && sc.Scan() {
				if v, ok := strings.CutPrefix(sc.Text(), "launched "); ok {
					leader, _ = strconv.Atoi(v)
				}
			}
			if leader == 0 {
				t.Fatal("the helper did not launch")
			}
			waitNamed(t, tok, 4)
			time.Sleep(1200 * time.Millisecond) // the watcher records the sessions
			cmd.Process.Kill()
			cmd.Wait()
			for i := 0; i < 200 && len(named(tok+"-leader")) > 0; i++ {
				time.Sleep(10 * time.Millisecond)
			}
			if l := named(tok + "-leader"); len(l) > 0 {
				t.Errorf("the leader %v did not get the parent-death signal", l)
			}
			if n := len(named(tok)); n != 3 {
				t.Fatalf("want the three sleeps still running, got %d", n)
			}
			rec, err := ReadLaunch(filepath.Join(dir, LaunchFile))
			if err != nil || rec.PID != leader || rec.ConfigID != "c1" || (rec.Cgroup != "") != (mode == "cgroup") {
				t.Fatalf("launch record: %+v %v", rec, err)
			}
			rep, err := Reap(filepath.Join(dir, LaunchFile), 2*time.Second)
			if err != nil || rep.Skipped != "" || len(rep.Found) != 3 || len(rep.Leftover) != 0 {
				t.Errorf("reap: %+v %v", rep, err)
			}
			if left := named(tok); len(left) != 0 {
				t.Errorf("processes %v survived the reap", left)
			}
			if _, err := os.Stat(filepath.Join(dir, LaunchFile)); !os.IsNotExist(err) {
				t.Errorf("the record stays after a complete reap: %v", err)
			}
		})
	}
}

// A record whose pid now names another process (or whose groups and cgroup
// are not the launch's) makes Reap signal nothing.
func TestReapNeverSignalsAReusedPID(t *testing.T) {
	other := exec.Command("sleep", "300")
	other.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer other.Process.Kill()
	st, ok := readStat(other.Process.Pid)
	if !ok {
		t.Skip("no /proc")
	}
	host, _ := os.Hostname()
	self, _ := readStat(os.Getpid())
	rec := LaunchRecord{PID: st.pid, PGID: st.pid, StartTicks: st.start - 1, BootID: bootID(), Host: host, LaunchID: newLaunchID(),
		Cgroup: "/sys/fs/cgroup", Leaders: []Leader{{ID: self.pgid, StartTicks: 1}, {ID: self.sid, StartTicks: 1}}}
	path := filepath.Join(t.TempDir(), LaunchFile)
	if err := writeLaunch(path, &rec); err != nil {
		t.Fatal(err)
	}
	rep, err := Reap(path, time.Second)
	if err != nil || len(rep.Found) != 0 {
		t.Fatalf("reap of a reused pid: %+v %v", rep, err)
	}
	if s, ok := readStat(st.pid); !ok || !s.live() {
		t.Fatal("Reap killed a process that reused the recorded pid")
	}
	// The record names the process rightly, but the servesweep that launched
	// it still runs (a Slurm job's): left alone.
	sup := exec.Command("sleep", "300")
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	defer sup.Process.Kill()
	supSt, _ := readStat(sup.Process.Pid)
	rec.StartTicks, rec.Leaders, rec.Supervisor, rec.SupervisorStartTicks = st.start, nil, supSt.pid, supSt.start
	writeLaunch(path, &rec)
	if rep, err := Reap(path, time.Second); err != nil || !strings.Contains(rep.Skipped, "still runs") || len(rep.Found) != 0 {
		t.Fatalf("reap of a live supervisor's server: %+v %v", rep, err)
	}
	if s, ok := readStat(st.pid); !ok || !s.live() {
		t.Fatal("Reap killed the server of a servesweep that still runs")
	}
	// Another boot: nothing can be left; the record goes, nothing is signalled.
	rec.StartTicks, rec.BootID = st.start, "another-boot"
	writeLaunch(path, &rec)
	if rep, err := Reap(path, time.Second); err != nil || rep.Skipped == "" {
		t.Fatalf("reap of another boot's record: %+v %v", rep, err)
	}
	if s, ok := readStat(st.pid); !ok || !s.live() {
		t.Fatal("Reap killed a process named in another boot's record")
	}
}

func TestParseStat(t *testing.T) {
	line := "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 0\n"
	s, ok := parseStat([]byte(line))
	if !ok || s.pid != 4242 || s.ppid != 1 || s.pgid != 4242 || s.sid != 4242 || s.state != 'S' || s.start != 987654 {
		t.Fatalf("%+v %v", s, ok)
	}
	for _, bad := range []string{"", "1 (x", "x (y) S 1 2 3", "1 (y) S 1 2 3 4"} {
		if _, ok := parseStat([]byte(bad)); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestCgroupDir(t *testing.T) {
	mi := `35 24 0:30 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw
36 24 0:31 / /sys/fs/cgroup/cpu rw,relatime shared:10 - cgroup cgroup rw,cpu`
	if d, ok := cgroupDir("1:cpu:/\n0::/user.slice/s.scope\n", mi); !ok || d != "/sys/fs/cgroup/unified/user.slice/s.scope" {
		t.Errorf("got %q %v", d, ok)
	}
	ns := `40 30 0:27 /user.slice /sys/fs/cg\040x rw - cgroup2 cgroup2 rw`
	if d, ok := cgroupDir("0::/user.slice/a\n", ns); !ok || d != "/sys/fs/cg x/a" {
		t.Errorf("namespaced mount: %q %v", d, ok)
	}
	for _, c := range [][2]string{{"1:cpu:/\n", mi}, {"0::/x\n", "36 24 0:31 / /c rw - cgroup cgroup rw"}, {"0::/../x\n", mi}} {
		if d, ok := cgroupDir(c[0], c[1]); ok {
			t.Errorf("%q: got %q", c[0], d)
		}
	}
}

func TestParseLaunch(t *testing.T) {
	good := `{"pid": 10, "pgid": 10, "start_ticks": 5, "launch_id": "0123456789abcdef0123456789abcdef"}`
	if l, err := ParseLaunch([]byte(good)); err != nil || l.PID != 10 {
		t.Fatalf("%+v %v", l, err)
	}
	for _, bad := range []string{`{`, `{"pid": 1, "pgid": 1, "launch_id": "0123456789abcdef0123456789abcdef"}`, `{"pid": 10, "pgid": 10, "launch_id": ""}`} {
		if _, err := ParseLaunch([]byte(bad)); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5 100 10\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, ok := parseStat(b); ok && s.pid <= 0 {
			t.Fatalf("pid %d accepted", s.pid)
		}
	})
}

func FuzzCgroupDir(f *testing.F) {
	f.Add("0::/a\n", "35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")
	f.Fuzz(func(t *testing.T, self, mi string) {
		if d, ok := cgroupDir(self, mi); ok && !filepath.IsAbs(d) {
			t.Fatalf("relative cgroup dir %q", d)
		}
	})
}

func FuzzParseLaunch(f *testing.F) {
	f.Add([]byte(`{"pid": 10, "pgid": 10, "launch_id": "0123456789abcdef0123456789abcdef"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if l, err := ParseLaunch(b); err == nil && (l.PID <= 1 || l.PGID <= 1 || len(l.LaunchID) != 32) {
			t.Fatalf("accepted %+v", l)
		}
	})
}
