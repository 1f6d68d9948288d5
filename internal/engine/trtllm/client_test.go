package trtllm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sim/simserver"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/traces"
)

// startSim runs servesweep's sim server speaking TensorRT-LLM's protocol, as a
// dry run launches it (SimArgs, with the launch file written into workDir),
// and returns its base URL once /health answers.
func startSim(t *testing.T, spec engine.LaunchSpec, workDir string) string {
	t.Helper()
	port, err := proc.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range (Engine{}).Files(spec) {
		if err := os.WriteFile(filepath.Join(workDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args, _ := Engine{}.SimArgs(spec)
	r := strings.NewReplacer(engine.HostPlaceholder, "127.0.0.1", engine.PortPlaceholder, strconv.Itoa(port), engine.WorkDirPlaceholder, workDir)
	for i := range args {
		args[i] = r.Replace(args[i])
	}
	o, err := simserver.ParseArgs(append(args, "--sim-time-scale", "0.01", "--sim-startup-ms", "0", "--sim-jitter", "0"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- simserver.Run(ctx, o, io.Discard, "test") }()
	t.Cleanup(func() { cancel(); <-done })
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	c := NewClient(base)
	for i := 0; i < 200; i++ {
		if c.Ready(context.Background()) == nil {
			return base
		}
		select {
		case err := <-done:
			t.Fatalf("sim exited: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("sim not ready")
	return ""
}

// TestClientAgainstSim: the client streams a batch of token-id prompts from
// the sim speaking TensorRT-LLM's protocol, with a stream interval of 3
// (chunks carry 3 tokens, counted through continuous usage), reads the
// effective configuration and finds no profiler without the variables.
func TestClientAgainstSim(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "Qwen3-30B-A3B")
	os.Mkdir(model, 0o755)
	base := startSim(t, engine.LaunchSpec{ModelPath: model, TP: 2, MoEBackend: "TRTLLM", Args: []string{OptionFlag, "stream_interval=3"}}, dir)
	c := Engine{}.NewClient(base, engine.ClientConfig{}).(*Client)
	ctx := context.Background()
	s, err := c.Generate(ctx, engine.GenerateRequest{InputIDs: [][]int{{1, 2, 3}, {4, 5, 6}}, OutputLen: 7})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		got := []int{}
		for _, a := range s.Arrivals[i] {
			got = append(got, a.Tokens)
		}
		if s.Output[i] != 7 || s.Prompt[i] != 3 || s.Finish[i] != "length" || len(got) != 3 || got[0] != 3 || got[1] != 6 || got[2] != 7 {
			t.Fatalf("request %d: output %d prompt %d finish %q arrivals %v", i, s.Output[i], s.Prompt[i], s.Finish[i], got)
		}
	}
	if c.model != "Qwen3-30B-A3B" {
		t.Fatalf("a local model directory is served under its name, got %q", c.model)
	}
	eff, err := c.Effective(ctx)
	if err != nil || eff["served_model_name"] != "Qwen3-30B-A3B" || eff["version"] != "sim-test" {
		t.Fatalf("%v %v", eff, err)
	}
	if info, err := c.ServerInfo(ctx); err != nil || info.TimeScale != 0.01 {
		t.Fatalf("%+v %v", info, err)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.StartProfile(ctx, engine.ProfileRequest{OutputDir: dir}); !errors.Is(err, engine.ErrNoProfiler) {
		t.Fatalf("no TLLM_TORCH_PROFILE_TRACE: no profiler, got %v", err)
	}
	// The sim, like CompletionRequest, forbids fields it does not declare.
	resp, err := http.Post(base+"/v1/completions", "application/json", strings.NewReader(`{"model":"m","prompt":[[1]],"stream":true,"sampling_params":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !bytes.Contains(b, []byte("Extra inputs are not permitted")) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	// SGLang's routes are not TensorRT-LLM's.
	if resp, err := http.Post(base+"/flush_cache", "application/json", nil); err != nil || resp.StatusCode != 404 {
		t.Fatalf("%v %v", resp, err)
	}
}

// TestLaunchWindowProfiler: the window's per-rank traces appear when its last
// iteration ends; StartProfile moves them into the profile folder under names
// the trace collector reads, once per launch.
func TestLaunchWindowProfiler(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "traces", TraceBase)
	t.Setenv(EnvProfileTrace, trace)
	t.Setenv(EnvProfileWindow, "2-4")
	spec := engine.LaunchSpec{ModelPath: "org/m", TP: 2}
	base := startSim(t, spec, dir)
	argv, _ := Engine{}.Command(spec)
	c := Engine{}.NewClient(base, engine.ClientConfig{Command: argv, Env: []string{EnvProfileTrace + "=" + trace, EnvProfileWindow + "=2-4"}}).(*Client)
	ctx := context.Background()
	out := filepath.Join(dir, "profile")
	req := engine.ProfileRequest{OutputDir: out, Prefix: "bs-1-il-8"}
	if err := c.StartProfile(ctx, req); err == nil || !strings.Contains(err.Error(), "has not been written yet") {
		t.Fatalf("before the window: %v", err)
	}
	if _, err := c.Generate(ctx, engine.GenerateRequest{InputIDs: [][]int{make([]int, 8)}, OutputLen: 6}); err != nil {
		t.Fatal(err)
	}
	if err := c.StartProfile(ctx, req); err != nil {
		t.Fatal(err)
	}
	files := traces.List(out, req.Prefix)
	if len(files) != 2 || files[0].Rank != 0 || files[1].Rank != 1 || !traces.Complete(files[0].Path) || !strings.HasSuffix(files[1].Path, "bs-1-il-8-TP-1.trace.json.gz") {
		t.Fatalf("%+v", files)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "traces", "*")); len(left) != 0 {
		t.Fatalf("the window's files are moved, not copied: %v", left)
	}
	if _, err := os.Stat(filepath.Join(out, "trtllm_window.json")); err != nil {
		t.Fatal(err)
	}
	if err := c.StartProfile(ctx, req); err == nil || !strings.Contains(err.Error(), "one iteration window per launch") {
		t.Fatalf("second profile: %v", err)
	}
	if err := c.StopProfile(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSimRefusesAsTRTLLMWould: a missing extra options file or an unknown
// backend stops trtllm-serve at startup; so does the sim.
func TestSimRefusesAsTRTLLMWould(t *testing.T) {
	dir := t.TempDir()
	for name, args := range map[string][]string{
		"No such file":            {"--extra_llm_api_options", filepath.Join(dir, "missing.yaml")},
		"Unsupported moe backend": {"--sim-effective", "moe_backend=FASTEST"},
	} {
		o, err := simserver.ParseArgs(append([]string{"--model-path", "m", "--port", "0", "--sim-protocol", "trtllm"}, args...), func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if err := simserver.Run(context.Background(), o, io.Discard, "test"); err == nil || !strings.Contains(err.Error(), name) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
