package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startSim starts a sim server on a kernel-chosen port and returns its address;
// the test stops it by process group when it ends.
func startSim(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin(), append([]string{"sim-server", "--port", "0"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("sim server did not start")
	}
	return ""
}

func TestBenchRunningServer(t *testing.T) {
	addr := startSim(t, "--model-path", "org/m", "--tp-size", "2", "--sim-time-scale", "0.01")
	out := filepath.Join(t.TempDir(), "out")
	b, err := exec.Command(bin(), "bench", "--engine", "sglang", "--url", "http://"+addr, "--batch-size", "1,2",
		"--input-len", "64", "--output-len", "8", "--gpus", "2", "--out", out, "--profile", "--warmup=false").CombinedOutput()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, b)
	}
	rs := readResults(t, out)
	if len(rs) != 2 || rs[0].BatchSize != 1 || rs[1].BatchSize != 2 || rs[1].Status != "ok" || rs[0].GPUs != 2 {
		t.Fatalf("results %+v", rs)
	}
	if rs[1].CompletionTokens[0] != 8 || rs[1].CompletionTokens[1] != 8 || rs[1].PromptTokens[1] != 64 {
		t.Fatalf("token counts %v %v", rs[1].PromptTokens, rs[1].CompletionTokens)
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	if !strings.Contains(string(md), "### org/m (bench) []") || strings.Count(string(md), "[trace](") != 4 {
		t.Fatalf("report:\n%s", md)
	}

	// A second server on the same port fails at once with a clear message.
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	b, err = exec.Command(bin(), "sim-server", "--model-path", "org/m", "--port", port).CombinedOutput()
	if err == nil || !strings.Contains(string(b), "is not free") {
		t.Fatalf("port in use: %v\n%s", err, b)
	}
}

func TestSelftestJSON(t *testing.T) {
	out, err := exec.Command(bin(), "selftest", "--json", "--levels", "1,8", "--tokens", "20").Output()
	if err != nil {
		t.Fatalf("selftest: %v", err)
	}
	var s map[string]any
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"itl_abs_err_ms_median", "ttft_abs_err_ms_median", "max_streams", "tokens_per_s", "client_cpu_pct"} {
		if _, ok := s[k]; !ok {
			t.Fatalf("selftest --json lacks %s: %s", k, out)
		}
	}
	if s["max_streams"].(float64) < 8 {
		t.Fatalf("8 streams must not distort ITL: %s", out)
	}
}

// BenchmarkVersusPythonReference runs `servesweep selftest --reference` (the
// Python aiohttp client of the field on the same emitter) and reports the
// token-rate and per-CPU-second ratios. It needs /usr/bin/python3 with aiohttp
// (Debian's python3-aiohttp).
func BenchmarkVersusPythonReference(b *testing.B) {
	if exec.Command("/usr/bin/python3", "-c", "import aiohttp").Run() != nil {
		b.Skip("no aiohttp for /usr/bin/python3: apt-get install python3-aiohttp")
	}
	for b.Loop() {
		cmd := exec.Command(bin(), "selftest", "--json", "--levels", "1", "--reference", "--python", "/usr/bin/python3")
		cmd.Dir = "../.."
		out, err := cmd.Output()
		if err != nil {
			b.Fatal(err)
		}
		var s struct {
			Ref struct {
				Ratio        float64 `json:"ratio"`
				CPURatio     float64 `json:"cpu_ratio"`
				TokensPerS   float64 `json:"tokens_per_s"`
				GoTokensPerS float64 `json:"go_tokens_per_s"`
			} `json:"python_reference"`
		}
		json.Unmarshal(out, &s)
		b.ReportMetric(s.Ref.GoTokensPerS, "go_tok/s")
		b.ReportMetric(s.Ref.TokensPerS, "python_tok/s")
		b.ReportMetric(s.Ref.Ratio, "x_rate")
		b.ReportMetric(s.Ref.CPURatio, "x_per_cpu_s")
	}
}
