package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ollamaBin returns the Ollama binary the integration tests drive. `make test`
// installs it (scripts/install-ollama.sh) and sets SERVESWEEP_OLLAMA; a bare
// `go test` without it skips these tests.
func ollamaBin(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SERVESWEEP_OLLAMA")
	if p == "" {
		t.Skip("SERVESWEEP_OLLAMA is not set: run `make test` (it installs Ollama) to include the real-engine tests")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("SERVESWEEP_OLLAMA=%s: %v", p, err)
	}
	return p
}

// tinyModels generates the tiny DeepSeek-V3 and Qwen3-MoE models once per test.
func tinyModels(t *testing.T) (deepseek, qwen string) {
	t.Helper()
	dir := t.TempDir()
	run := func(arch string) string {
		out, err := exec.Command(bin(), "testmodel", "--arch", arch, "--size", "tiny", "--out", filepath.Join(dir, arch)).Output()
		if err != nil {
			t.Fatalf("testmodel %s: %v", arch, err)
		}
		return strings.TrimSpace(string(out))
	}
	return run("deepseek-v3"), run("qwen3-moe")
}

func writeSweep(t *testing.T, body string) string {
	t.Helper()
	return writeSweepTB(t, body)
}

func writeSweepTB(t testing.TB, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sweep.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOllamaSweepEndToEnd(t *testing.T) {
	ol := ollamaBin(t)
	ds, qw := tinyModels(t)
	sweep := writeSweep(t, fmt.Sprintf(`name: ollama-e2e
engine: ollama
engine_command: [%q]
gpu_label: cpu
gpu_hour_price: 0.1
batch_sizes: [1, 2]
input_lens: [64, 300]
output_lens: [40]
profile: true
launch_timeout: 60s
stop_grace: 10s
server_params:
  --num-thread: [1, 2]
models:
  ds: {name: DeepSeek tiny, path: %q, is_moe: true}
  qw: {name: Qwen tiny, path: %q, is_moe: true, tp_sizes: [1]}
`, ol, ds, qw))
	out := filepath.Join(t.TempDir(), "run")
	b, err := exec.Command(bin(), "run", sweep, "--out", out, "--strict").CombinedOutput()
	if err != nil {
		t.Fatalf("sweep against real Ollama failed: %v\n%s", err, b)
	}
	rs := readResults(t, out)
	if len(rs) != 2*2*2*2 {
		t.Fatalf("want 16 cases, got %d", len(rs))
	}
	for _, r := range rs {
		if r.Status != "ok" || r.Simulated {
			t.Fatalf("%s: %s %s", r.ConfigID, r.Status, r.Error)
		}
		if len(r.PromptTokens) != r.BatchSize || len(r.CompletionTokens) != r.BatchSize {
			t.Fatalf("%s: token counts %v %v for batch %d", r.ConfigID, r.PromptTokens, r.CompletionTokens, r.BatchSize)
		}
		for i := range r.PromptTokens {
			if r.PromptTokens[i] != r.InputLen || r.CompletionTokens[i] != r.OutputLen {
				t.Fatalf("%s bs=%d in=%d: the server counted prompt %d, completion %d", r.ConfigID, r.BatchSize, r.InputLen, r.PromptTokens[i], r.CompletionTokens[i])
			}
		}
		if r.EngineVersion != "v0.17.4" {
			t.Fatalf("engine version %q, want the installed v0.17.4", r.EngineVersion)
		}
		if r.ServerTTFTS == nil || r.ServerOutputThroughput == nil || r.TimingCheck == "" || len(r.ServerTimings) != r.BatchSize {
			t.Fatalf("%s: server-reported timings missing", r.ConfigID)
		}
		if r.TraceExtend != nil || !strings.Contains(r.ProfileError, "cannot profile") {
			t.Fatalf("%s: Ollama cannot profile; want 'no trace', got %v %q", r.ConfigID, r.TraceExtend, r.ProfileError)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	for _, want := range []string{"**16 passed, 0 failed**", "### Recommended configurations", "- DeepSeek tiny: num-thread=", "- Qwen tiny: num-thread="} {
		if !strings.Contains(string(md), want) {
			t.Fatalf("report lacks %q:\n%s", want, md)
		}
	}
	assertNoSurvivors(t, readServers(t, out))
}

func TestOllamaKilledMidSweep(t *testing.T) {
	ol := ollamaBin(t)
	ds, _ := tinyModels(t)
	sweep := writeSweep(t, fmt.Sprintf(`name: ollama-kill
engine: ollama
engine_command: [%q]
input_lens: [64]
output_lens: [3000]
warmup: false
launch_timeout: 60s
stop_grace: 5s
models:
  killed: {path: %q, is_moe: true, extra_args: [--num-thread, "1"]}
  next: {path: %q, is_moe: true, extra_args: [--num-thread, "1"]}
`, ol, ds, ds))
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", sweep, "--out", out)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`launched pid (\d+)`)
	sc := bufio.NewScanner(stderr)
	pid := 0
	killed := false
	var log strings.Builder
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		if m := re.FindStringSubmatch(line); m != nil && pid == 0 {
			pid, _ = strconv.Atoi(m[1])
		}
		if pid != 0 && !killed && strings.Contains(line, "prepared in") {
			time.Sleep(700 * time.Millisecond) // into the 3000-token request
			syscall.Kill(pid, syscall.SIGKILL) // the server only: its runner child is left for servesweep to clean up
			killed = true
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the sweep must go on and exit 0: %v\n%s", err, log.String())
	}
	rs := readResults(t, out)
	if len(rs) != 2 || rs[0].Status != "failed" || rs[0].FailureKind != "server_died" || rs[1].Status != "ok" {
		t.Fatalf("want the killed configuration failed (server_died) and the next ok, got %+v\n%s", rs, log.String())
	}
	if rs[0].LogTail == "" {
		t.Fatal("failed case without the server log tail")
	}
	assertNoSurvivors(t, readServers(t, out))
}

func TestOllamaPortInUse(t *testing.T) {
	ol := ollamaBin(t)
	_, qw := tinyModels(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().String()
	sweep := writeSweep(t, fmt.Sprintf(`engine: ollama
engine_command: [%q]
input_lens: [32]
output_lens: [8]
launch_timeout: 30s
models:
  pinned: {path: %q, env: {OLLAMA_HOST: %q}}
  free: {path: %q}
`, ol, qw, taken, qw))
	out := filepath.Join(t.TempDir(), "run")
	if b, err := exec.Command(bin(), "run", sweep, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	rs := readResults(t, out)
	if len(rs) != 2 || rs[0].FailureKind != "port_in_use" || !strings.Contains(rs[0].LogTail, "address already in use") || rs[1].Status != "ok" {
		t.Fatalf("results %+v", rs)
	}
	assertNoSurvivors(t, readServers(t, out))
}

func readFile(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
