package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/gpu"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// TestOllamaTelemetry runs the real Ollama with telemetry on. Ollama has no
// Prometheus endpoint, so its telemetry is NVML only: on a machine without a
// GPU the file says so and holds no samples; on a GPU machine (the H200
// check) every case and load profile has GPU samples with power, and the
// report has joules per token.
func TestOllamaTelemetry(t *testing.T) {
	ol := ollamaBin(t)
	_, qw := tinyModels(t)
	sweep := writeSweep(t, fmt.Sprintf(`name: ollama-telemetry
engine: ollama
engine_command: [%q]
telemetry: {period: 200ms}
power_price: 0.15
input_lens: [64]
output_lens: [32]
launch_timeout: 60s
stop_grace: 10s
load:
  - {concurrency: 2, requests: 4}
models:
  qw: {name: Qwen tiny, path: %q, is_moe: true}
`, ol, qw))
	out := filepath.Join(t.TempDir(), "run")
	b, err := exec.Command(bin(), "run", sweep, "--out", out, "--no-history").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !strings.Contains(string(b), "serves no Prometheus metrics: GPU samples only") {
		t.Fatalf("the run must say Ollama has no metrics endpoint:\n%s", b)
	}
	ss, err := results.ReadLines[telemetry.Sample](filepath.Join(out, telemetry.File))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range readResults(t, out) {
		if strings.Contains(strings.Join(r.Command, " "), "--enable-metrics") {
			t.Fatal("no metrics flag is added for an engine without an endpoint")
		}
	}
	var gpuSamples, power int
	for _, s := range ss {
		if s.Source == telemetry.SourceServer && s.Error == "" {
			t.Fatalf("a server sample from an engine without an endpoint: %+v", s)
		}
		if s.Source == telemetry.SourceGPU && s.Error == "" {
			gpuSamples++
			if _, ok := s.Values["power_w"]; ok {
				power++
			}
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	sampler, serr := gpu.OpenSampler()
	if serr != nil { // no GPU here: nothing recorded, and said so
		t.Logf("no GPU to sample (%v): checking that the run says so", serr)
		if gpuSamples != 0 || !strings.Contains(string(md), "gpu: no GPU sampled") {
			t.Fatalf("%d GPU samples without a GPU; report:\n%s", gpuSamples, md)
		}
		return
	}
	sampler.Close()
	sums := telemetry.Summarize(ss)
	if gpuSamples == 0 || power == 0 || len(sums) != 2 {
		t.Fatalf("on a GPU host every case and load profile has GPU samples: %d samples, %d with power, %d segments", gpuSamples, power, len(sums))
	}
	for _, s := range sums {
		if s.GPU == nil || s.GPU.EnergyJ <= 0 {
			t.Fatalf("%s %s: no energy: %+v", s.Case, s.Profile, s.GPU)
		}
		t.Logf("%s %s: %.2f s, %.1f J (%s), mean power %.0f W, util %.0f%%", s.Case, s.Profile, s.DurationS, s.GPU.EnergyJ, s.GPU.EnergySource, s.GPU.PowerW.Mean, s.GPU.UtilPct.Mean)
	}
	if !strings.Contains(string(md), "### Telemetry and energy") || strings.Contains(string(md), "gpu: no GPU sampled") {
		t.Fatalf("report:\n%s", md)
	}
}
