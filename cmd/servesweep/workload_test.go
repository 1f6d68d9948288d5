package main

import (
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/load"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/workload"
)

func runWorkload(t *testing.T, sweepBody string) ([]load.Result, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "run")
	b, err := exec.Command(bin(), "run", writeSweep(t, sweepBody), "--out", out).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	ls, err := results.ReadLines[load.Result](filepath.Join(out, "load.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return ls, string(b)
}

func dataPath(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "..", "examples", "data", name))
	return p
}

// TestWorkloadSweepSim runs each workload type through `servesweep run`
// against the sim server and checks what load.jsonl says was sent.
func TestWorkloadSweepSim(t *testing.T) {
	head := "engine: sim\ninput_lens: [64]\noutput_lens: [8]\nwarmup: false\nmodels:\n  m: {path: org/m, extra_args: [--sim-time-scale, \"0.1\", --sim-startup-ms, \"1\", --sim-itl-ms, \"5\"]}\n"
	t.Run("random", func(t *testing.T) {
		ls, _ := runWorkload(t, head+"load: [{concurrency: 4, requests: 40}]\nworkload: {input_len: {dist: uniform, min: 50, max: 150}, output_len: {dist: normal, mean: 12, std: 3, min: 4, max: 20}}\n")
		l := ls[0]
		if len(ls) != 1 || l.Completed != 40 || l.Count != 40 || l.MeanInputLen < 50 || l.MeanInputLen > 150 || l.MeanOutputLen < 4 || l.MeanOutputLen > 20 || !strings.HasPrefix(l.Workload, "random-") {
			t.Fatalf("%d rows: %+v", len(ls), l.Sent)
		}
	})
	t.Run("dataset", func(t *testing.T) {
		ls, log := runWorkload(t, head+fmt.Sprintf("load: [{concurrency: 2, requests: 10}, {rate: 50, requests: 10}]\nworkload: {type: dataset, path: %q, max_input_len: 200}\n", dataPath("public-domain-sharegpt.jsonl")))
		if len(ls) != 2 || !strings.Contains(log, "dataset text is sent as one id per word") {
			t.Fatalf("%d rows; log:\n%s", len(ls), log)
		}
		for _, l := range ls {
			if l.Completed != 10 || l.MeanInputLen < 4 || l.MeanInputLen > 200 || l.Workload != ls[0].Workload || !strings.HasPrefix(l.Workload, "dataset-") {
				t.Fatalf("%+v: %d ok %s", l.Sent, l.Completed, l.FirstError)
			}
		}
	})
	t.Run("multi_turn", func(t *testing.T) {
		ls, _ := runWorkload(t, head+"load: [{concurrency: 3, requests: 100}]\nworkload: {type: multi_turn, conversations: 4, turns: 3, shared_prefix: 32}\n")
		if l := ls[0]; l.Completed != 12 || l.LaterTurns != 8 || l.InputLen != 64 || l.OutputLen != 8 {
			t.Fatalf("%d ok, %d later turns, in %d out %d", l.Completed, l.LaterTurns, l.InputLen, l.OutputLen)
		}
	})
	t.Run("multi_turn_dataset", func(t *testing.T) {
		w := fmt.Sprintf("{type: multi_turn, path: %q, conversations: 20}", dataPath("public-domain-sharegpt.jsonl"))
		spec, err := workload.Parse("w.yaml", []byte(w), "")
		if err != nil {
			t.Fatal(err)
		}
		ls, log := runWorkload(t, head+"load: [{concurrency: 3, requests: 100}]\nworkload: "+w+"\n")
		t.Logf("sent %d requests, %d later turns, mean input %.1f ids, mean output %.1f", ls[0].Count, ls[0].LaterTurns, ls[0].MeanInputLen, ls[0].MeanOutputLen)
		l := ls[0]
		if n := spec.Requests(); n <= 20 || l.Completed != n || l.Failed != 0 || l.LaterTurns != n-20 || l.Count != n || !strings.HasPrefix(l.Workload, "multi_turn-") || !strings.Contains(log, "dataset text is sent as one id per word") {
			t.Fatalf("%d ok, %d failed (%s), %+v; log:\n%s", l.Completed, l.Failed, l.FirstError, l.Sent, log)
		}
	})
	t.Run("trace", func(t *testing.T) {
		ls, _ := runWorkload(t, head+fmt.Sprintf("workload: {type: trace, path: %q, speed: 4}\n", dataPath("trace-small.jsonl")))
		if l := ls[0]; len(ls) != 1 || l.Completed != 40 || l.Profile.Arrival != "trace" || l.Profile.Requests != 40 {
			t.Fatalf("%d rows: %d ok, profile %+v", len(ls), l.Completed, l.Profile)
		}
	})
}

// TestWorkloadSweepOllama: a dataset and a multi-turn workload against the
// real Ollama on the CPU: every request answered with the asked length.
func TestWorkloadSweepOllama(t *testing.T) {
	ol := ollamaBin(t)
	_, qw := tinyModels(t)
	head := fmt.Sprintf("engine: ollama\nengine_command: [%q]\ninput_lens: [32]\noutput_lens: [8]\nwarmup: false\nlaunch_timeout: 60s\nmodels:\n  qw: {path: %q, extra_args: [--num-thread, \"2\"]}\n", ol, qw)
	ls, _ := runWorkload(t, head+fmt.Sprintf("load: [{concurrency: 2, requests: 6}]\nworkload: {type: dataset, path: %q, max_input_len: 120, output_len: 8}\n", dataPath("public-domain-sharegpt.jsonl")))
	l := ls[0]
	if tokens := l.OutputThroughput * l.DurationS; l.Completed != 6 || l.Failed != 0 || l.MeanOutputLen != 8 || math.Abs(tokens-48) > 0.01 {
		t.Fatalf("dataset on Ollama: %d ok, %d failed (%s), %.2f tokens generated (want 6 × 8), %+v", l.Completed, l.Failed, l.FirstError, tokens, l.Sent)
	}
	ls, _ = runWorkload(t, head+"load: [{concurrency: 2, requests: 6}]\nworkload: {type: multi_turn, conversations: 2, turns: 3}\n")
	if l := ls[0]; l.Completed != 6 || l.Failed != 0 || l.LaterTurns != 4 {
		t.Fatalf("multi-turn on Ollama: %d ok, %d failed (%s), %d later turns", l.Completed, l.Failed, l.FirstError, l.LaterTurns)
	}
	ls, log := runWorkload(t, head+fmt.Sprintf("load: [{concurrency: 2, requests: 100}]\nworkload: {type: multi_turn, path: %q, conversations: 4, turns: 2, output_len: 8}\n", dataPath("public-domain-sharegpt.jsonl")))
	if l := ls[0]; l.Completed < 4 || l.Failed != 0 || l.Completed != l.Count || l.MeanOutputLen != 8 || !strings.Contains(log, "dataset prompts are sent as written") {
		t.Fatalf("multi-turn from a dataset on Ollama: %d ok, %d failed (%s), %+v; log:\n%s", l.Completed, l.Failed, l.FirstError, l.Sent, log)
	}
}
