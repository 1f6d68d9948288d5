package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/results"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "servesweep-bin")
	if err != nil {
		panic(err)
	}
	binDir = dir
	// Pre-flight must not reach the Hugging Face Hub from tests: loopback only.
	os.Setenv("HF_HUB_OFFLINE", "1")
	// The history database goes to a temporary data directory, not the user's.
	os.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "servesweep"), ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func bin() string { return filepath.Join(binDir, "servesweep") }

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			wd, _ := os.Getwd()
			env.Setenv("EXAMPLES", filepath.Join(wd, "..", "..", "examples"))
			return nil
		},
	})
}

func readResults(t *testing.T, dir string) []results.Result {
	t.Helper()
	rs, err := results.ReadLines[results.Result](filepath.Join(dir, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func readServers(t *testing.T, dir string) []results.Server {
	t.Helper()
	ss, err := results.ReadLines[results.Server](filepath.Join(dir, results.ServersFile))
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// assertNoSurvivors checks that no process of any server's group is alive.
func assertNoSurvivors(t *testing.T, servers []results.Server) {
	t.Helper()
	for _, s := range servers {
		if s.PID == 0 {
			continue
		}
		if m := proc.GroupMembers(s.PID); len(m) > 0 {
			t.Errorf("%s: processes %v of group %d survived", s.ConfigID, m, s.PID)
			for _, pid := range m {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

func TestDryRunSeedSweep(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	start := time.Now()
	// --no-preflight: every configuration runs (pre-flight on the file's 8×H200 would skip 15, see TestDryRunHonoursPreflight).
	cmd := exec.Command(bin(), "run", "--dry-run", "--no-preflight", "../../examples/neurips-tp-moe.yaml", "--out", out)
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	cmd.Env = append(os.Environ(), "GITHUB_STEP_SUMMARY="+summary, "TRACE_BASE_URL=", "PERFETTO_RELAY_URL=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dry run failed: %v\n%s", err, b)
	}
	t.Logf("dry run of the 24-configuration seed sweep took %s", time.Since(start).Round(time.Millisecond))
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	report := string(md)
	if n := strings.Count(report, "| batch size | input len | latency (s) |"); n != 24 {
		t.Fatalf("want 24 tables, got %d", n)
	}
	if !strings.Contains(report, "### DeepSeek V3 (TP4_flashinfer_trtllm) [8-gpu-h200]") {
		t.Fatal("seed-style header missing")
	}
	for _, line := range strings.Split(report, "\n") {
		if strings.HasPrefix(line, "| 1 | 4096 |") {
			cells := strings.Split(strings.Trim(line, "| "), " | ")
			if len(cells) != 11 {
				t.Fatalf("row has %d cells: %s", len(cells), line)
			}
			for i, c := range cells {
				if c == "" || c == "-" || (c == "n/a" && i != 5) {
					t.Fatalf("column %d empty in %s", i, line)
				}
			}
		}
	}
	if !strings.Contains(report, "- DeepSeek V3: TP") || !strings.Contains(report, "**24 passed, 0 failed**") {
		t.Fatal("closing list or summary missing")
	}
	if s, _ := os.ReadFile(summary); string(s) != report {
		t.Fatal("GITHUB_STEP_SUMMARY must receive the report")
	}
	rs := readResults(t, out)
	if len(rs) != 24 {
		t.Fatalf("want 24 results, got %d", len(rs))
	}
	for _, r := range rs {
		if r.Status != "ok" || !r.Simulated || r.TraceExtend == nil || r.TraceDecode == nil {
			t.Fatalf("%s: status %s simulated %v traces %v %v (%s)", r.ConfigID, r.Status, r.Simulated, r.TraceExtend, r.TraceDecode, r.ProfileError)
		}
		bs := float64(r.BatchSize)
		if rel(*r.ITLMs, 1000*bs / *r.OutputThroughput) > 1e-9 {
			t.Fatalf("%s: ITL %v != 1000·bs/out", r.ConfigID, *r.ITLMs)
		}
		hourly := r.GPUHourPrice * float64(r.GPUs)
		if r.GPUs != map[bool]int{true: 4, false: 8}[strings.Contains(r.Variant, "TP4")] {
			t.Fatalf("%s: gpus %d", r.ConfigID, r.GPUs)
		}
		if rel(*r.OutputCostPer1M, 1e6 / *r.OutputThroughput / 3600 * hourly) > 1e-9 ||
			rel(*r.InputCostPer1M, 1e6/(*r.InputThroughput*0.7)/3600*hourly) > 1e-9 {
			t.Fatalf("%s: costs do not follow price × GPUs", r.ConfigID)
		}
		if rel(*r.InputThroughput, bs*float64(r.InputLen) / *r.TTFTS) > 1e-9 ||
			rel(*r.OutputThroughput, bs*float64(r.OutputLen)/(*r.LatencyS-*r.TTFTS)) > 1e-9 {
			t.Fatalf("%s: throughputs do not follow bench_one_batch_server", r.ConfigID)
		}
		if len(r.TokenTimesMs) != 1 || len(r.TokenTimesMs[0]) != 512 {
			t.Fatalf("%s: raw token times missing", r.ConfigID)
		}
		for _, p := range []string{*r.TraceExtend, *r.TraceDecode} {
			if _, err := os.Stat(filepath.Join(out, p)); err != nil {
				t.Fatalf("trace %s: %v", p, err)
			}
		}
	}
	assertNoSurvivors(t, readServers(t, out))
}

func rel(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-12) }

func TestFaultsAreRecordedAndSweepGoesOn(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	b, err := exec.Command(bin(), "run", "testdata/faults.yaml", "--out", out).CombinedOutput()
	if err != nil {
		t.Fatalf("a sweep with failing configurations must exit 0 without --strict: %v\n%s", err, b)
	}
	want := map[string]struct{ status, kind, logHas string }{
		"crash--TP1": {"failed", "launch_crash", "simulated crash at start"},
		"oom--TP1":   {"failed", "oom", "CUDA out of memory"},
		"never--TP1": {"failed", "launch_timeout", "fault never-ready"},
		"die--TP1":   {"failed", "server_died", "illegal memory access"},
		"bad--TP1":   {"failed", "request_failed", "ready to roll"},
		"hang--TP1":  {"ok", "", ""},
		"good--TP1":  {"ok", "", ""},
	}
	rs := readResults(t, out)
	if len(rs) != len(want) {
		t.Fatalf("want %d results, got %d", len(want), len(rs))
	}
	for _, r := range rs {
		w := want[r.ConfigID]
		if r.Status != w.status || r.FailureKind != w.kind || !strings.Contains(r.LogTail, w.logHas) {
			t.Errorf("%s: status %q kind %q, want %q %q; log tail has %q: %q", r.ConfigID, r.Status, r.FailureKind, w.status, w.kind, w.logHas, r.LogTail)
		}
		if r.Status == "failed" && r.Error == "" {
			t.Errorf("%s: failed without an error", r.ConfigID)
		}
	}
	servers := readServers(t, out)
	for _, s := range servers {
		if s.ConfigID == "hang--TP1" && (s.FailureKind != "stop_timeout" || !s.ForcedKill) {
			t.Errorf("hang-on-stop must be recorded as stop_timeout with SIGKILL: %+v", s)
		}
		if s.ConfigID == "never--TP1" && s.ShutdownS > 5 {
			t.Errorf("never-ready server took %vs to stop", s.ShutdownS)
		}
	}
	assertNoSurvivors(t, servers)
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	for _, s := range []string{"**2 passed, 5 failed**", "launch_crash", "stop_timeout", "last lines of server.log"} {
		if !strings.Contains(string(md), s) {
			t.Errorf("report lacks %q", s)
		}
	}
	if err := exec.Command(bin(), "run", "testdata/faults.yaml", "--out", filepath.Join(t.TempDir(), "strict"), "--strict").Run(); err == nil {
		t.Error("--strict must exit non-zero when configurations fail")
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("--strict: %v", err)
	}
}

func TestInterruptKeepsResultsAndResumeCompletes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", "--dry-run", "--no-preflight", "../../examples/neurips-tp-moe.yaml", "--out", out)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	seen := 0
	for sc.Scan() {
		if strings.Contains(sc.Text(), "out=512  latency") {
			seen++
		}
		if seen == 3 && strings.Contains(sc.Text(), "ready in") {
			cmd.Process.Signal(os.Interrupt)
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("Ctrl-C must exit 130, got %v", err)
	}
	before := readResults(t, out)
	if len(before) < 3 || len(before) >= 24 {
		t.Fatalf("want a partial run, got %d results", len(before))
	}
	assertNoSurvivors(t, readServers(t, out))
	b, err := exec.Command(bin(), "run", "--dry-run", "--no-preflight", "../../examples/neurips-tp-moe.yaml", "--resume", out).CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if n := strings.Count(string(b), "already complete, skipped"); n < 3 {
		t.Fatalf("resume re-ran complete configurations (%d skipped)\n%s", n, b)
	}
	after := readResults(t, out)
	keys := map[string]int{}
	for _, r := range after {
		keys[r.Key()]++
	}
	if len(keys) != 24 {
		t.Fatalf("want 24 distinct cases after resume, got %d", len(keys))
	}
	for k, n := range keys {
		if n > 1 {
			t.Fatalf("case %s recorded %d times", k, n)
		}
	}
	assertNoSurvivors(t, readServers(t, out))
	var rep struct {
		Summary struct {
			CasesOK int `json:"cases_ok"`
		} `json:"summary"`
	}
	js, _ := exec.Command(bin(), "report", out, "--format", "json").Output()
	if err := json.Unmarshal(js, &rep); err != nil || rep.Summary.CasesOK != 24 {
		t.Fatalf("report after resume: %v %+v", err, rep.Summary)
	}
}
