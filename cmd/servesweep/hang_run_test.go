package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hangSweep writes a one-configuration sim sweep whose server has fault.
func hangSweep(t *testing.T, fault string) string {
	t.Helper()
	y := `name: hang
engine: sim
gpu_label: test
tp_sizes: [1]
batch_sizes: [1, 2]
input_lens: [16]
output_lens: [4]
launch_timeout: 20s
stop_grace: 2s
warmup: false
models:
  m: {path: m/hang, extra_args: [--sim-fault, ` + fault + `, --sim-fault-after, "1", --sim-time-scale, "0.01"]}
`
	p := filepath.Join(t.TempDir(), "hang.yaml")
	if err := os.WriteFile(p, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Row 7 with `run`: the launched server's /server_info stops answering after
// the first case. Ctrl-C stops the run at once, keeps the measured case, and
// stops the server.
func TestRunInterruptWhileServerInfoHangs(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", "--no-preflight", hangSweep(t, "hang-server-info"), "--out", out)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		logs, _ := filepath.Glob(filepath.Join(out, "*", "server.log"))
		if len(logs) == 1 {
			if b, _ := os.ReadFile(logs[0]); strings.Contains(string(b), "/server_info will not answer") {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the sim's /server_info never hung:\n%s", &buf)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	if code := waitExit(t, cmd, 10*time.Second, "Ctrl-C while /server_info hangs", &buf); code != 130 {
		t.Fatalf("Ctrl-C must exit 130, got %d:\n%s", code, &buf)
	}
	servers := readServers(t, out)
	assertNoSurvivors(t, servers)
	rs := readResults(t, out)
	if len(rs) != 1 || rs[0].Status != "ok" || rs[0].BatchSize != 1 {
		t.Fatalf("the case measured before Ctrl-C must be kept, got %+v\n%s", rs, &buf)
	}
	if len(servers) != 1 || servers[0].Status != "interrupted" {
		t.Fatalf("server record %+v", servers)
	}
}

// Row 7 with `run`: a /flush_cache that never answers fails each case with a
// clear error; the sweep goes on and ends.
func TestRunFlushHangIsRecorded(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", "--no-preflight", hangSweep(t, "hang-flush"), "--out", out)
	cmd.Env = append(os.Environ(), "SERVESWEEP_CONTROL_TIMEOUT=1s")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, 40*time.Second, "hanging /flush_cache", &buf); code != 0 {
		t.Fatalf("exit %d:\n%s", code, &buf)
	}
	assertNoSurvivors(t, readServers(t, out))
	rs := readResults(t, out)
	if len(rs) != 2 {
		t.Fatalf("want 2 results, got %+v\n%s", rs, &buf)
	}
	for _, r := range rs {
		if r.Status != "failed" || r.FailureKind != "request_failed" || !strings.Contains(r.Error, "/flush_cache did not answer within 1s") {
			t.Errorf("bs=%d: %s %s %q", r.BatchSize, r.Status, r.FailureKind, r.Error)
		}
	}
}
