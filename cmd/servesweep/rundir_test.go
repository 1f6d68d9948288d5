package main

// The run directory's fault matrix (issue 12, "Nothing lost, nothing hung,
// nothing leaked"): one test per fault, with real processes, real files and,
// where the test may mount one (root), a real size-limited tmpfs for a full disk.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/results"
)

// ran is one finished servesweep command.
type ran struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, args ...string) ran {
	t.Helper()
	cmd := exec.Command(bin(), args...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	r := ran{stdout: so.String(), stderr: se.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// simSweep writes a sim sweep of one TP1 configuration per model; args are
// each model's sim arguments (a unique token in the model paths lets the test
// find the servers' processes).
func simSweep(t *testing.T, name, tok string, outLen int, models ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nengine: sim\ngpu_label: test\ntp_sizes: [1]\ninput_lens: [64]\noutput_lens: [%d]\nwarmup: false\nstop_grace: 5s\nmodels:\n", name, outLen)
	for _, m := range models {
		key, args, _ := strings.Cut(m, "=")
		fmt.Fprintf(&b, "  %s: {path: m/%s-%s, extra_args: [%s]}\n", key, tok, key, args)
	}
	return writeSweep(t, b.String())
}

const fastSim = `--sim-time-scale, "0.01", --sim-startup-ms, "1"`

func token() string { return fmt.Sprintf("t%d", time.Now().UnixNano()) }

// survivors lists live processes whose command line holds tok.
func survivors(tok string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		st, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err == nil && bytes.Contains(b, []byte(tok)) && !bytes.Contains(st, []byte(") Z ")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func assertNoneLeft(t *testing.T, tok string) {
	t.Helper()
	for i := 0; i < 20; i++ {
		if len(survivors(tok)) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	pids := survivors(tok)
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGKILL)
	}
	t.Fatalf("server processes %v survived", pids)
}

// smallTmpfs mounts a tmpfs of size at a new folder; "" where the test may not mount.
func smallTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Logf("cannot mount a tmpfs (%v: %s)", err, bytes.TrimSpace(out))
		return ""
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes dir/filler until the file system is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return p
		}
	}
}

func reportJSON(t *testing.T, dir string) (map[string]any, ran) {
	t.Helper()
	r := runBin(t, "report", dir, "--format", "json")
	if r.code != 0 {
		t.Fatalf("report exit %d: %s", r.code, r.stderr)
	}
	var rep struct {
		Summary map[string]any `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	return rep.Summary, r
}

// tear cuts the last record of path in half, as a power cut, a full disk or
// SIGKILL in the middle of a write leaves it.
func tear(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1
	if err := os.Truncate(path, int64(start+(len(b)-start)/2)); err != nil {
		t.Fatal(err)
	}
}

// Row 1: a torn last line in results.jsonl and servers.jsonl, then report and --resume.
func TestFaultTornLastLineThenResume(t *testing.T) {
	tok := token()
	sweep := simSweep(t, "torn", tok, 16, "a="+fastSim, "b="+fastSim, "c="+fastSim)
	out := filepath.Join(t.TempDir(), "run")
	if r := runBin(t, "run", sweep, "--out", out, "--no-history"); r.code != 0 {
		t.Fatalf("run: %d %s", r.code, r.stderr)
	}
	resPath, srvPath := filepath.Join(out, results.ResultsFile), filepath.Join(out, results.ServersFile)
	tear(t, resPath)
	tear(t, srvPath)

	sum, r := reportJSON(t, out)
	if !strings.Contains(r.stderr, "results.jsonl:3: incomplete last line") || !strings.Contains(r.stderr, "servers.jsonl:3: incomplete last line") {
		t.Errorf("report must name the torn lines:\n%s", r.stderr)
	}
	if sum["complete"] != false || sum["cases_ok"] != 2.0 {
		t.Errorf("report of a torn run: %v", sum)
	}

	r = runBin(t, "run", sweep, "--resume", out, "--no-history")
	if r.code != 0 {
		t.Fatalf("resume after a torn write: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"results.jsonl ended with a torn record", "moved it to " + resPath + ".torn",
		"servers.jsonl ended with a torn record", "a--TP1: already complete", "b--TP1: already complete", "[3/3] c--TP1: m/"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("resume must say %q:\n%s", want, r.stderr)
		}
	}
	for _, p := range []string{resPath, srvPath} {
		b, _ := os.ReadFile(p)
		if len(b) == 0 || b[len(b)-1] != '\n' {
			t.Errorf("%s does not end on a line boundary", p)
		}
		if _, err := results.ReadLines[map[string]any](p); err != nil {
			t.Errorf("a record was glued onto the fragment: %v", err)
		}
	}
	if frag, _ := os.ReadFile(resPath + ".torn"); !bytes.HasPrefix(frag, []byte(`{"run_id"`)) {
		t.Errorf("the torn fragment was not kept: %q", frag)
	}
	sum, r = reportJSON(t, out)
	if strings.Contains(r.stderr, "warning") || sum["complete"] != true || sum["cases_ok"] != 3.0 {
		t.Errorf("report after the resume: %v\n%s", sum, r.stderr)
	}
	// A torn result whose server record survived: the case has no record, so c is not complete.
	tear(t, resPath)
	r = runBin(t, "run", sweep, "--resume", out, "--no-history")
	if r.code != 0 || !strings.Contains(r.stderr, "c--TP1: 1 of its 1 case records are missing (torn or lost); running it again") || !strings.Contains(r.stderr, "[3/3] c--TP1: m/") {
		t.Errorf("resume must run c again: %d\n%s", r.code, r.stderr)
	}
	if sum, _ := reportJSON(t, out); sum["complete"] != true || sum["cases_ok"] != 3.0 {
		t.Errorf("report after the second resume: %v", sum)
	}
	assertNoneLeft(t, tok)
}

// Row 2: the disk fills up in the middle of a sweep.
func TestFaultDiskFullStopsTheSweep(t *testing.T) {
	mnt := smallTmpfs(t, "256k")
	if mnt == "" {
		t.Skip("needs a tmpfs (root); the appender's own write failures are tested in internal/results")
	}
	tok := token()
	// 600 tokens: a result record (their arrival times) is bigger than a page,
	// so it cannot slip into the slack of the file's last page.
	slow := `--sim-time-scale, "0.05", --sim-startup-ms, "1", --sim-itl-ms, "20"`
	sweep := simSweep(t, "diskfull", tok, 600, "a="+slow, "b="+slow, "c="+slow, "d="+slow)
	out := filepath.Join(mnt, "run")
	cmd := exec.Command(bin(), "run", sweep, "--out", out, "--no-history")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	var filler string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if filler == "" && strings.Contains(sc.Text(), "[2/4] b--TP1") {
			filler = fill(t, mnt) // a's records are written; b's will not fit
		}
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("a full disk must exit 1, got %v\n%s", err, log.String())
	}
	for _, want := range []string{"no space left on device", "(write_failed)", "--resume " + out} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, log.String())
		}
	}
	// The configuration being measured when the write failed is the last launched; nothing after it.
	before, _, _ := strings.Cut(log.String(), "no space left on device")
	failed := before[strings.LastIndex(before, "] ")+2:]
	failed = failed[:strings.Index(failed, ":")]
	if n := strings.Count(log.String(), "/4] "); n != strings.Count(before, "/4] ") {
		t.Errorf("the sweep went on launching after a write failure in %s:\n%s", failed, log.String())
	}
	assertNoneLeft(t, tok)
	rs, err := results.ReadLines[results.Result](filepath.Join(out, results.ResultsFile))
	if err != nil || len(rs) == 0 || rs[0].ConfigID != "a--TP1" || rs[0].Status != "ok" {
		t.Fatalf("want a's result, whole: %v %d", err, len(rs))
	}
	for _, r := range rs {
		if r.Status != "ok" {
			t.Errorf("%s recorded %s (%q) instead of staying incomplete", r.ConfigID, r.Status, r.FailureKind)
		}
	}
	for _, s := range readServers(t, out) {
		if s.ConfigID == failed && s.FailureKind != "write_failed" {
			t.Errorf("%s's server record: %+v", failed, s)
		}
	}
	if sum, _ := reportJSON(t, out); sum["complete"] != false {
		t.Errorf("the report claims a run cut short by a full disk is complete: %v", sum)
	}
	os.Remove(filler)
	r := runBin(t, "run", sweep, "--resume", out, "--no-history")
	if r.code != 0 || !strings.Contains(r.stderr, "[1/4] a--TP1: already complete") || !strings.Contains(r.stderr, "] "+failed+": m/") {
		t.Fatalf("resume must run %s again and not a: exit %d\n%s", failed, r.code, r.stderr)
	}
	if sum, _ := reportJSON(t, out); sum["complete"] != true || sum["cases_ok"] != 4.0 {
		t.Errorf("report after the resume: %v", sum)
	}
}

// Row 4: --resume with another sweep file.
func TestFaultResumeWithAnotherSweep(t *testing.T) {
	tok := token()
	first := simSweep(t, "fp", tok, 16, "a="+fastSim, "b="+fastSim)
	out := filepath.Join(t.TempDir(), "run")
	if r := runBin(t, "run", first, "--out", out, "--no-history"); r.code != 0 {
		t.Fatalf("run: %s", r.stderr)
	}
	var meta struct {
		Fingerprint string `json:"sweep_fingerprint"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "run.json"))
	if json.Unmarshal(b, &meta); !strings.HasPrefix(meta.Fingerprint, "sha256:") {
		t.Fatalf("run.json has no sweep fingerprint: %s", b)
	}
	other := simSweep(t, "fp", tok, 16, "a="+fastSim, "b="+fastSim+`, --sim-seed, "9"`, "c="+fastSim)
	r := runBin(t, "run", other, "--resume", out, "--no-history")
	if r.code != 2 || !strings.Contains(r.stderr, "holds another sweep than "+other) || !strings.Contains(r.stderr, "--resume-anyway") {
		t.Fatalf("another sweep must be refused with exit 2: %d\n%s", r.code, r.stderr)
	}
	if n := len(readResults(t, out)); n != 2 {
		t.Fatalf("a refused resume ran something: %d results", n)
	}
	r = runBin(t, "run", other, "--resume", out, "--resume-anyway", "--no-history")
	if r.code != 0 {
		t.Fatalf("--resume-anyway: %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"a--TP1: already complete", "b--TP1: launch command or cases changed", "[2/3] b--TP1: m/", "[3/3] c--TP1: m/"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("--resume-anyway must say %q:\n%s", want, r.stderr)
		}
	}
	n := map[string]int{}
	for _, x := range readResults(t, out) {
		n[x.ConfigID]++
	}
	if n["a--TP1"] != 1 || n["b--TP1"] != 2 || n["c--TP1"] != 1 {
		t.Errorf("runs per configuration: %v", n)
	}
	if r := runBin(t, "run", other, "--resume", out, "--no-history"); r.code != 0 || strings.Count(r.stderr, "already complete") != 3 {
		t.Errorf("the directory now holds the second sweep: %d\n%s", r.code, r.stderr)
	}
	assertNoneLeft(t, tok)
}

// waitFor reads lines from r until one contains s; the rest is drained.
func waitFor(t *testing.T, r io.Reader, s string) {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			go func() {
				for sc.Scan() {
				}
			}()
			return
		}
	}
	t.Fatalf("never saw %q", s)
}
