package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chromium returns headless Chromium; `make test` installs it and sets SERVESWEEP_CHROMIUM.
func chromium(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SERVESWEEP_CHROMIUM")
	if p == "" {
		t.Skip("SERVESWEEP_CHROMIUM is not set: run `make test` (it installs Chromium) to include the browser tests")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("SERVESWEEP_CHROMIUM=%s: %v", p, err)
	}
	return p
}

// runChromium runs headless Chromium (no network but loopback) on url with extra flags.
func runChromium(t *testing.T, url string, extra ...string) string {
	t.Helper()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-popup-blocking",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=10000"}, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium(t), append(args, url)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

// dumpDOM loads url in headless Chromium and returns the DOM after scripts ran.
func dumpDOM(t *testing.T, url string, extra ...string) string {
	t.Helper()
	return runChromium(t, url, append(extra, "--dump-dom")...)
}

func repeatedDryRun(t *testing.T) string {
	t.Helper()
	p := writeSweep(t, `name: html
engine: sim
gpu_label: test
tp_sizes: [1, 2]
moe_backends: [flashinfer_trtllm]
input_lens: [64]
output_lens: [32]
repeats: 2
profile: true
warmup: false
models:
  m: {name: Model M, path: org/m, is_moe: true, extra_args: [--sim-time-scale, "0.05", --sim-startup-ms, "1"]}
`)
	out := filepath.Join(t.TempDir(), "run")
	if b, err := exec.Command(bin(), "run", p, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return out
}

func TestHTMLReportRendersOffline(t *testing.T) {
	chromium(t)
	out := repeatedDryRun(t)
	page := filepath.Join(out, "report.html")
	html, _ := os.ReadFile(page)
	if strings.Contains(string(html), "http://") || strings.Contains(string(html), "https://") && !strings.Contains(string(html), "ui.perfetto.dev") {
		t.Fatal("the report must not load anything from the network")
	}
	// --host-resolver-rules makes every name unresolvable: the page must render from the file alone.
	dom := dumpDOM(t, "file://"+page, "--host-resolver-rules=MAP * ~NOTFOUND")
	for _, want := range []string{"Model M", "lowest ITL"} {
		if !strings.Contains(dom, want) {
			t.Fatalf("rendered page lacks %q", want)
		}
	}
	var rep struct {
		Configs []struct{ Display string }
	}
	if err := json.Unmarshal([]byte(reportOf(t, out, "json")), &rep); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range rep.Configs {
		names = append(names, c.Display)
	}
	checkRenderedCharts(t, dom, names)
	shot := screenshot(t, page)
	t.Logf("screenshot of the report: %s", shot)
}

func TestServeOpensTracesInPerfetto(t *testing.T) {
	chromium(t)
	out := repeatedDryRun(t)
	// A local stand-in for the Perfetto UI: it answers PING with PONG and reports the bytes it receives.
	standin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><html><body><script>
window.addEventListener("message", (e) => {
  if (e.data === "PING") { e.source.postMessage("PONG", e.origin); return; }
  if (e.data && e.data.perfetto) e.source.postMessage("LOADED " + e.data.perfetto.buffer.byteLength + " bytes of " + e.data.perfetto.fileName, e.origin);
});</script></body></html>`)
	}))
	defer standin.Close()
	cmd := exec.Command(bin(), "serve", out, "--addr", "127.0.0.1:0", "--perfetto-url", standin.URL)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	re := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`)
	sc := bufio.NewScanner(stderr)
	base := ""
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatal("serve did not start")
	}
	rs := readResults(t, out)
	trace := *rs[0].TraceExtend
	st, err := os.Stat(filepath.Join(out, trace))
	if err != nil {
		t.Fatal(err)
	}
	dom := dumpDOM(t, base+"/?open=0")
	want := fmt.Sprintf("LOADED %d bytes of %s", st.Size(), filepath.Base(trace))
	if !strings.Contains(dom, want) {
		m := regexp.MustCompile(`id="perfetto-status">[^<]*`).FindString(dom)
		t.Fatalf("Perfetto stand-in did not get the trace: want %q, page says %q", want, m)
	}
	resp, err := http.Get(base + "/run/../run.json")
	if err == nil && resp.StatusCode == 200 {
		b := make([]byte, 100)
		n, _ := resp.Body.Read(b)
		if strings.Contains(string(b[:n]), "run_id") && !strings.HasPrefix(resp.Request.URL.Path, "/run/") {
			t.Fatal("serve must not escape the run directory")
		}
	}
}
