package main

// Issue 12 rows 7 and 11: nothing hung, nothing unbounded. A fake SGLang
// server written for each fault (real HTTP on loopback) or the sim with a
// fault, the real servesweep binary, real signals.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fakeSGLang is an SGLang server with one fault.
type fakeSGLang struct {
	hangInfo  bool // /server_info stops answering once a /generate was served
	hangFlush bool // /flush_cache never answers
	stallGen  bool // /generate sends one token, then nothing
	overrun   bool // completion_tokens rise past max_new_tokens without end

	gens     atomic.Int32
	events   atomic.Int64
	infoHung chan struct{} // closed when /server_info starts hanging
	gone     chan struct{} // closed when an overrunning stream's client hung up
	once     sync.Once
	quit     chan struct{}
}

// start serves f on loopback and returns its URL.
func (f *fakeSGLang) start(t *testing.T) string {
	f.infoHung, f.gone, f.quit = make(chan struct{}), make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/server_info", f.serverInfo)
	mux.HandleFunc("/flush_cache", func(w http.ResponseWriter, r *http.Request) {
		if f.hangFlush {
			f.hang(r)
		}
	})
	mux.HandleFunc("/generate", f.generate)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(f.quit) }) // runs first: hanging handlers return
	return srv.URL
}

func (f *fakeSGLang) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.quit:
	}
}

func (f *fakeSGLang) serverInfo(w http.ResponseWriter, r *http.Request) {
	if f.hangInfo && f.gens.Load() > 0 {
		f.once.Do(func() { close(f.infoHung) })
		f.hang(r)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"version": "fake", "model_path": "fake/model"})
}

func (f *fakeSGLang) generate(w http.ResponseWriter, r *http.Request) {
	f.gens.Add(1)
	var req struct {
		InputIDs       [][]int `json:"input_ids"`
		SamplingParams struct {
			MaxNewTokens int `json:"max_new_tokens"`
		} `json:"sampling_params"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	send := func(i, tok int, finish string) bool {
		fr := "null"
		if finish != "" {
			fr = `{"type":"` + finish + `"}`
		}
		_, err := fmt.Fprintf(w, "data: {\"index\":%d,\"meta_info\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"finish_reason\":%s}}\n\n", i, len(req.InputIDs[i]), tok, fr)
		w.(http.Flusher).Flush()
		f.events.Add(1)
		return err == nil
	}
	switch {
	case f.stallGen:
		send(0, 1, "")
		f.hang(r)
		return
	case f.overrun:
		for tok := 1; send(0, tok, "") && r.Context().Err() == nil; tok++ {
		}
		close(f.gone)
		return
	}
	for i := range req.InputIDs {
		for tok := 1; tok <= req.SamplingParams.MaxNewTokens; tok++ {
			send(i, tok, map[bool]string{true: "length"}[tok == req.SamplingParams.MaxNewTokens])
		}
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// startBench starts `servesweep bench` against url with extra args and env.
func startBench(t *testing.T, url, out string, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	all := append([]string{"bench", "--engine", "sglang", "--url", url, "--input-len", "16", "--warmup=false", "--prompts", "random-ids", "--out", out}, args...)
	cmd := exec.Command(bin(), all...)
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &buf
}

// waitExit waits for cmd up to d; a process still running then is killed and the test fails.
func waitExit(t *testing.T, cmd *exec.Cmd, d time.Duration, what string, out *bytes.Buffer) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(d):
		killChildren(cmd.Process.Pid) // servers it launched would outlive it
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s: servesweep still running after %s (hung); output:\n%s", what, d, out)
	}
	return -1
}

// killChildren kills the child processes of pid, each with its process group
// when it leads one (servers are launched in their own group).
func killChildren(pid int) {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			var c int
			if _, err := fmt.Sscan(field, &c); err != nil || c <= 1 {
				continue
			}
			if g, err := syscall.Getpgid(c); err == nil && g == c {
				syscall.Kill(-c, syscall.SIGKILL)
			}
			syscall.Kill(c, syscall.SIGKILL)
		}
	}
}

// Row 7: a /server_info that stops answering after a case was measured.
// Before: Ctrl-C was ignored (SIGKILL only) and the measured case was lost.
func TestBenchInterruptWhileServerInfoHangs(t *testing.T) {
	t.Parallel()
	f := &fakeSGLang{hangInfo: true}
	url := f.start(t)
	out := filepath.Join(t.TempDir(), "out")
	cmd, buf := startBench(t, url, out, nil, "--batch-size", "1,2", "--output-len", "4")
	select {
	case <-f.infoHung:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the fake's /server_info was never asked after a request:\n%s", buf)
	}
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	if code := waitExit(t, cmd, 5*time.Second, "Ctrl-C while /server_info hangs", buf); code != 130 {
		t.Fatalf("Ctrl-C must exit 130, got %d:\n%s", code, buf)
	}
	rs := readResults(t, out)
	if len(rs) != 1 || rs[0].Status != "ok" || rs[0].BatchSize != 1 || rs[0].LatencyS == nil {
		t.Fatalf("the case measured before Ctrl-C must be kept, got %+v\n%s", rs, buf)
	}
}

// Row 7: a /flush_cache that never answers is a recorded failure, not a stall.
func TestBenchFlushHangIsRecorded(t *testing.T) {
	t.Parallel()
	f := &fakeSGLang{hangFlush: true}
	out := filepath.Join(t.TempDir(), "out")
	cmd, buf := startBench(t, f.start(t), out, []string{"SERVESWEEP_CONTROL_TIMEOUT=1s"}, "--batch-size", "1,2", "--output-len", "4")
	if code := waitExit(t, cmd, 20*time.Second, "hanging /flush_cache", buf); code != 0 {
		t.Fatalf("exit %d:\n%s", code, buf)
	}
	rs := readResults(t, out)
	if len(rs) != 2 {
		t.Fatalf("want 2 results, got %d\n%s", len(rs), buf)
	}
	for _, r := range rs {
		if r.Status != "failed" || r.FailureKind != "request_failed" || !strings.Contains(r.Error, "/flush_cache did not answer within 1s") {
			t.Errorf("bs=%d: %s %s %q", r.BatchSize, r.Status, r.FailureKind, r.Error)
		}
	}
	if n := f.gens.Load(); n != 0 {
		t.Errorf("%d requests sent to a server whose flush is stuck", n)
	}
}

// Row 7/11: bench has --request-timeout, and a request that stalls is failed at it.
func TestBenchRequestTimeout(t *testing.T) {
	t.Parallel()
	f := &fakeSGLang{stallGen: true}
	out := filepath.Join(t.TempDir(), "out")
	cmd, buf := startBench(t, f.start(t), out, nil, "--output-len", "4", "--request-timeout", "1s")
	if code := waitExit(t, cmd, 20*time.Second, "stalled stream", buf); code != 0 {
		t.Fatalf("exit %d:\n%s", code, buf)
	}
	rs := readResults(t, out)
	if len(rs) != 1 || rs[0].FailureKind != "request_failed" || !strings.Contains(rs[0].Error, "request timed out after 1s (request_timeout)") {
		t.Fatalf("results %+v\n%s", rs, buf)
	}
	b, err := exec.Command(bin(), "bench", "--engine", "sglang", "--url", "http://127.0.0.1:1", "--request-timeout", "0s").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(b), "--request-timeout must be positive") {
		t.Fatalf("--request-timeout 0s: %v\n%s", err, b)
	}
}

// Row 11: completion_tokens rising past max_new_tokens without end. Before:
// the client grew without limit until the 30-minute timeout.
func TestBenchStreamOverrunIsAborted(t *testing.T) {
	t.Parallel()
	f := &fakeSGLang{overrun: true}
	out := filepath.Join(t.TempDir(), "out")
	cmd, buf := startBench(t, f.start(t), out, nil, "--output-len", "8")
	if code := waitExit(t, cmd, 20*time.Second, "overrunning stream", buf); code != 0 {
		t.Fatalf("exit %d:\n%s", code, buf)
	}
	rs := readResults(t, out)
	if len(rs) != 1 || rs[0].FailureKind != "request_failed" || !strings.Contains(rs[0].Error, "request 0 streamed more than 72 tokens when 8 were asked") {
		t.Fatalf("results %+v\n%s", rs, buf)
	}
	select {
	case <-f.gone:
	case <-time.After(5 * time.Second):
		t.Fatalf("the client kept reading the overrunning stream (%d events sent)", f.events.Load())
	}
}
