package main

import (
	"bufio"
	"encoding/json"
	"math"
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

// TestSelftestReferenceJSON runs the saturation comparison with a stand-in
// for the Python client (a script that reports a fixed CPU cost, so the
// arithmetic can be checked) against servesweep's real client and emitters.
func TestSelftestReferenceJSON(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "fake-python")
	script := `#!/bin/sh
# $1 is ref_client.py, then URL STREAMS TOKENS
n=$(($3 * $4))
echo "{\"tokens\": $n, \"seconds\": 10, \"cpu_seconds\": 5, \"failed\": 0}"
`
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin(), "selftest", "--json", "--levels", "1", "--tokens", "5", "--reference", "--rounds", "2", "--python", fake)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("selftest: %v", err)
	}
	var s struct {
		Ref struct {
			Streams, Tokens, GoFailed int
			GoCPUSPer1M               float64   `json:"go_cpu_s_per_1m_tokens"`
			CPUSPer1M                 float64   `json:"cpu_s_per_1m_tokens"`
			EmitterCPUSPer1M          float64   `json:"emitter_cpu_s_per_1m_tokens"`
			CPURatio                  float64   `json:"cpu_ratio"`
			LoadAvg                   []float64 `json:"load_avg_1m"`
			Rounds                    []struct {
				Go       map[string]float64 `json:"servesweep"`
				CPURatio float64            `json:"cpu_ratio"`
			} `json:"rounds"`
		} `json:"python_reference"`
	}
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatal(err)
	}
	r := s.Ref
	want := 5 / float64(r.Streams*r.Tokens) * 1e6
	if len(r.Rounds) != 2 || r.GoFailed != 0 || r.Tokens != 20000 || math.Abs(r.CPUSPer1M-want) > 1e-9 || len(r.LoadAvg) != 2 {
		t.Fatalf("reference: %s", out)
	}
	for _, rd := range r.Rounds {
		goCPU := rd.Go["cpu_s_per_1m_tokens"]
		if rd.Go["tokens"] != float64(r.Streams*r.Tokens) || goCPU <= 0 || math.Abs(rd.CPURatio-want/goCPU) > 1e-9*rd.CPURatio ||
			rd.Go["emitter_cpu_s_per_1m_tokens"] <= 0 {
			t.Fatalf("round %+v: want the Python CPU per token over servesweep's (%g / %g)", rd, want, goCPU)
		}
	}
	if r.EmitterCPUSPer1M <= 0 || r.GoCPUSPer1M <= 0 {
		t.Fatalf("CPU per token not measured: %s", out)
	}
}

// BenchmarkVersusPythonReference runs `servesweep selftest --reference` (the
// Python aiohttp client of the field against the same emitter, alternating
// with servesweep's client, each run on a fresh emitter process) and reports
// each client's own CPU-seconds per million tokens (the emitter's CPU is
// measured apart, from its process), the ratio per CPU-second and the ratio
// of token rates, and the machine's load average. It needs /usr/bin/python3
// with aiohttp (Debian's python3-aiohttp).
func BenchmarkVersusPythonReference(b *testing.B) {
	if exec.Command("/usr/bin/python3", "-c", "import aiohttp").Run() != nil {
		b.Skip("no aiohttp for /usr/bin/python3: apt-get install python3-aiohttp")
	}
	for b.Loop() {
		cmd := exec.Command(bin(), "selftest", "--json", "--levels", "1", "--reference", "--rounds", "3", "--python", "/usr/bin/python3")
		cmd.Dir = "../.."
		out, err := cmd.Output()
		if err != nil {
			b.Fatal(err)
		}
		var s struct {
			Ref  map[string]any `json:"python_reference"`
			Note string         `json:"note"`
		}
		if err := json.Unmarshal(out, &s); err != nil || s.Ref == nil {
			b.Fatalf("no reference result (%v): %s", err, out)
		}
		num := func(k string, i ...int) float64 {
			v := s.Ref[k]
			if a, ok := v.([]any); ok && len(i) == 1 {
				v = a[i[0]]
			}
			f, _ := v.(float64)
			return f
		}
		b.ReportMetric(num("go_tokens_per_s"), "go_tok/s")
		b.ReportMetric(num("tokens_per_s"), "python_tok/s")
		b.ReportMetric(num("go_cpu_s_per_1m_tokens"), "go_cpu_s/1M_tok")
		b.ReportMetric(num("cpu_s_per_1m_tokens"), "python_cpu_s/1M_tok")
		b.ReportMetric(num("emitter_cpu_s_per_1m_tokens"), "emitter_cpu_s/1M_tok")
		b.ReportMetric(num("ratio"), "x_rate")
		b.ReportMetric(num("cpu_ratio"), "x_per_cpu_s")
		b.ReportMetric(num("cpu_ratio_range", 0), "x_per_cpu_s_min")
		b.ReportMetric(num("cpu_ratio_range", 1), "x_per_cpu_s_max")
		b.ReportMetric(num("load_avg_1m", 0), "loadavg_1m")
	}
}
