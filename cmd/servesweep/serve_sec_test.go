package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestServeKeepsToTheRunDirectory: serve answers only with regular files inside
// the run directory (links out of it, to / or to a file elsewhere, are not
// followed), sends no wildcard CORS header, and answers only requests
// addressed to its own address (DNS rebinding).
func TestServeKeepsToTheRunDirectory(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run")
	p := writeSweep(t, "name: serve\nengine: sim\ninput_lens: [8]\noutput_lens: [4]\nwarmup: false\nmodels:\n  m: {path: org/m, extra_args: [--sim-time-scale, \"0.01\", --sim-startup-ms, \"1\"]}\n")
	if b, err := exec.Command(bin(), "run", p, "--out", run).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	outside := filepath.Join(t.TempDir(), "private.txt")
	os.WriteFile(outside, []byte("private key material"), 0o600)
	os.WriteFile(filepath.Join(filepath.Dir(run), "sibling.txt"), []byte("private key material"), 0o600)
	for link, target := range map[string]string{"rootlink": "/", "outside-link": outside, "inner-link": "run.json", "up": ".."} {
		if err := os.Symlink(target, filepath.Join(run, link)); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.Command(bin(), "serve", run, "--addr", "127.0.0.1:0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	base := ""
	for sc.Scan() {
		if m := regexp.MustCompile(`at (http://127\.0\.0\.1:(\d+))/`).FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatal("serve did not start")
	}
	port := base[strings.LastIndex(base, ":")+1:]
	get := func(path, host string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Host = host
		req.Header.Set("Origin", "http://evil.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("%s: Access-Control-Allow-Origin: %s", path, v)
		}
		return resp, string(b)
	}
	self := "127.0.0.1:" + port
	for _, path := range []string{"/run/rootlink/etc/passwd", "/run/rootlink/etc/hostname", "/run/outside-link", "/run/up/sibling.txt", "/run/", "/run/m--TP1/"} {
		if resp, body := get(path, self); resp.StatusCode != 404 || strings.Contains(body, "private key") || strings.Contains(body, "root:") {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
	for _, host := range []string{self, "localhost:" + port} {
		if resp, body := get("/run/run.json", host); resp.StatusCode != 200 || !strings.Contains(body, "run_id") {
			t.Errorf("run.json for Host %s: %d", host, resp.StatusCode)
		}
	}
	if resp, body := get("/run/inner-link", self); resp.StatusCode != 200 || !strings.Contains(body, "run_id") {
		t.Errorf("a link inside the run directory: %d", resp.StatusCode)
	}
	if resp, _ := get("/", self); resp.StatusCode != 200 {
		t.Errorf("report page: %d", resp.StatusCode)
	}
	for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.1:1"} {
		if resp, body := get("/run/run.json", host); resp.StatusCode != 403 || strings.Contains(body, "run_id") {
			t.Errorf("Host %s: %d, want 403", host, resp.StatusCode)
		}
	}
}
