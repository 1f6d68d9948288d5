package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPublishToLocalBareRepository(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run")
	p := writeSweep(t, `name: pub
engine: sim
tp_sizes: [1]
input_lens: [32]
output_lens: [8]
profile: true
warmup: false
models:
  m: {path: org/m, extra_args: [--sim-time-scale, "0.05", --sim-startup-ms, "1"]}
`)
	if b, err := exec.Command(bin(), "run", p, "--out", run).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	bare := filepath.Join(t.TempDir(), "traces.git")
	if b, err := exec.Command("git", "init", "--quiet", "--bare", bare).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, b)
	}
	cmd := exec.Command(bin(), "publish", run, "--git", bare, "--branch", "data", "--prefix", "traces/nightly-1",
		"--base-url", "https://example.org/trace-data/data")
	cmd.Env = append(os.Environ(), "SERVESWEEP_GIT_TOKEN=ghp_supersecrettoken123456", "PERFETTO_RELAY_URL=https://example.org/relay.html")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("publish: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "supersecret") {
		t.Fatal("the token leaked into the output")
	}
	clone := filepath.Join(t.TempDir(), "clone")
	if b, err := exec.Command("git", "clone", "--quiet", "--branch", "data", bare, clone).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, b)
	}
	rs := readResults(t, run)
	trace := *rs[0].TraceDecode
	if _, err := os.Stat(filepath.Join(clone, "traces/nightly-1", trace)); err != nil {
		t.Fatalf("trace not published: %v", err)
	}
	md, err := os.ReadFile(filepath.Join(clone, "traces/nightly-1/report.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := "https://example.org/relay.html?src=https%3A%2F%2Fexample.org%2Ftrace-data%2Fdata%2Ftraces%2Fnightly-1%2F"
	if !strings.Contains(string(md), want) || strings.Contains(string(md), "supersecret") {
		t.Fatalf("published report links:\n%s", md)
	}
	local, _ := os.ReadFile(filepath.Join(run, "report.published.md"))
	if string(local) != string(md) {
		t.Fatal("report.published.md must match the published report")
	}
	// Publishing again adds a commit on the same branch.
	if b, err := exec.Command(bin(), "publish", run, "--git", bare, "--branch", "data", "--prefix", "traces/nightly-2").CombinedOutput(); err != nil {
		t.Fatalf("second publish: %v\n%s", err, b)
	}
	log, _ := exec.Command("git", "--git-dir", bare, "log", "--oneline", "data").Output()
	if strings.Count(string(log), "\n") != 2 {
		t.Fatalf("want 2 commits on data:\n%s", log)
	}
	if b, err := exec.Command(bin(), "publish", run, "--git", filepath.Join(t.TempDir(), "missing.git")).CombinedOutput(); err == nil || !strings.Contains(string(b), "cannot clone") {
		t.Fatalf("a missing remote must fail clearly: %s", b)
	}
}
