package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPrefetchDownloadsOnceAndAhead uses a stand-in `hf` that logs when each
// download starts and ends; the sweep launches the sim as if it were SGLang.
func TestPrefetchDownloadsOnceAndAhead(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "hf.log")
	os.WriteFile(filepath.Join(dir, "hf"), []byte(`#!/bin/sh
echo "start $2 $(date +%s.%N)" >> `+log+`
sleep 1
echo "end $2 $(date +%s.%N)" >> `+log+`
`), 0o755)
	p := writeSweep(t, fmt.Sprintf(`engine: sglang
engine_command: [%q, sim-server]
tp_sizes: [1, 2]
input_lens: [32]
output_lens: [64]
warmup: false
models:
  a: {path: org/a, extra_args: [--sim-time-scale, "0.5", --sim-startup-ms, "600", --sim-itl-ms, "20"]}
  b: {path: org/b, extra_args: [--sim-time-scale, "0.5", --sim-startup-ms, "600", --sim-itl-ms, "20"]}
`, bin()))
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", p, "--out", out, "--no-preflight")
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "HF_HUB_OFFLINE=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	b, _ := os.ReadFile(log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if strings.Count(string(b), "start org/a") != 1 || strings.Count(string(b), "start org/b") != 1 {
		t.Fatalf("each model must be downloaded once:\n%s", b)
	}
	servers := readServers(t, out)
	if servers[0].DownloadS < 0.9 || !strings.Contains(servers[0].DownloadFrom, "hf download") {
		t.Fatalf("first configuration waited for its download: %+v", servers[0])
	}
	// org/b is fetched while org/a's configurations run: its download starts before they end.
	var startB float64
	for _, l := range lines {
		if f := strings.Fields(l); f[0] == "start" && f[1] == "org/b" {
			startB, _ = strconv.ParseFloat(f[2], 64)
		}
	}
	endA := servers[1].EndedAt
	if startB == 0 || time.Unix(0, int64(startB*1e9)).After(endA) {
		t.Fatalf("org/b download started at %v, after org/a finished at %v", startB, endA)
	}
	for _, s := range servers[2:] {
		if s.DownloadS > 0.5 {
			t.Fatalf("%s waited %.1fs: its model should have been fetched ahead", s.ConfigID, s.DownloadS)
		}
	}
}
