package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/perfmodel"
)

// Real Ollama runs on the CPU are data points: the run records each
// configuration's performance model (the CPU with its measured memory
// bandwidth), every result its itl_bound_ms, and calibrate fits them and
// reports the fit's held-out error.
func TestOllamaRunsCalibrate(t *testing.T) {
	ol := ollamaBin(t)
	ds, _ := tinyModels(t)
	sweep := writeSweep(t, fmt.Sprintf(`name: ollama-calibrate
engine: ollama
engine_command: [%q]
gpu_label: cpu
gpu_hour_price: 0.1
batch_sizes: [1, 2]
input_lens: [64, 300]
output_lens: [24]
launch_timeout: 60s
stop_grace: 10s
server_params:
  --num-thread: [1, 2]
models:
  ds: {name: DeepSeek tiny, path: %q, is_moe: true}
`, ol, ds))
	out, dbp := filepath.Join(t.TempDir(), "run"), filepath.Join(t.TempDir(), "h.db")
	if b, err := exec.Command(bin(), "run", sweep, "--out", out, "--strict", "--db", dbp).CombinedOutput(); err != nil {
		t.Fatalf("sweep against real Ollama failed: %v\n%s", err, b)
	}
	for _, r := range readResults(t, out) {
		if r.ITLBoundMs == nil || *r.ITLBoundMs <= 0 || *r.ITLBoundMs >= *r.ITLMs {
			t.Fatalf("%s: itl_bound_ms %v against a measured ITL %v", r.ConfigID, r.ITLBoundMs, *r.ITLMs)
		}
	}
	if md, _ := os.ReadFile(filepath.Join(out, "report.md")); !strings.Contains(string(md), "% of bound**") {
		t.Fatalf("report lacks %% of bound:\n%s", md)
	}
	js, err := exec.Command(bin(), "calibrate", "--db", dbp, "--engine", "ollama", "--json").Output()
	if err != nil {
		t.Fatalf("calibrate: %v", err)
	}
	var co struct {
		Calibrations []perfmodel.Calibration `json:"calibrations"`
	}
	if err := json.Unmarshal(js, &co); err != nil || len(co.Calibrations) != 1 {
		t.Fatalf("calibrate --json: %v\n%s", err, js)
	}
	c := co.Calibrations[0]
	if c.Engine != "ollama" || c.Family != "deepseek_v3" || c.N != 8 || c.Configs != 2 || c.HeldOut.Method != "leave one configuration out" {
		t.Fatalf("calibration %+v", c)
	}
	for _, m := range perfmodel.Metrics {
		v, ok := c.HeldOut.MAPE[m]
		if !ok || math.IsNaN(v) || v < 0 {
			t.Fatalf("held-out MAPE of %s: %v (%v)", m, v, ok)
		}
		t.Logf("held-out MAPE %s: %.1f%%", m, v)
	}
	// plan --predict now uses the fit for Ollama on this CPU.
	b, err := exec.Command(bin(), "plan", sweep, "--predict", "--db", dbp).Output()
	if err != nil || !strings.Contains(string(b), "predictions: calibrated: ollama") {
		t.Fatalf("plan --predict after calibrate: %v\n%s", err, b)
	}
}
