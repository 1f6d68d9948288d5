package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/history"
	"github.com/servesweep/servesweep/internal/perfmodel"
)

// perfSweep is a small sweep on 8×H200 of a model whose config.json ships
// in examples/hf-configs, and of one whose config cannot be found.
func perfSweep(t *testing.T, extraModel bool) string {
	t.Helper()
	configs, _ := filepath.Abs("../../examples/hf-configs")
	body := fmt.Sprintf(`name: perf
engine: sglang
gpu_label: 8-gpu-h200
hardware: {gpu: H200, gpus: 8}
gpu_hour_price: 2.0
tp_sizes: [4, 8]
moe_backends: [flashinfer_cutlass]
batch_sizes: [1, 8]
input_lens: [256, 1024]
output_lens: [32]
model_configs: %s
models:
  qwen:
    name: Qwen 235B
    path: Qwen/Qwen3-235B-A22B-Instruct-2507
    is_moe: true
`, configs)
	if extraModel {
		body += "  nocfg:\n    name: Unknown\n    path: nobody/no-such-model\n    is_moe: false\n    tp_sizes: [4]\n"
	}
	return writeSweep(t, body)
}

type predicted struct {
	ID          string          `json:"id"`
	Prediction  json.RawMessage `json:"prediction"`
	Unavailable string          `json:"prediction_unavailable"`
}

func predictJSON(t *testing.T, args ...string) []predicted {
	t.Helper()
	cmd := exec.Command(bin(), append([]string{"plan"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("plan %v: %v\n%s", args, err, stderr.String())
	}
	var ps []predicted
	if err := json.Unmarshal(b, &ps); err != nil {
		t.Fatalf("plan --predict --json: %v\n%s", err, b)
	}
	return ps
}

func TestPlanPredictJSONContract(t *testing.T) {
	ps := predictJSON(t, perfSweep(t, true), "--predict", "--json", "--db", filepath.Join(t.TempDir(), "none.db"))
	if len(ps) != 3 {
		t.Fatalf("want 3 configurations, got %d", len(ps))
	}
	bounds := map[string]float64{}
	for _, p := range ps {
		if p.ID == "nocfg--TP4" {
			if string(p.Prediction) != "null" || !strings.Contains(p.Unavailable, "config.json") {
				t.Fatalf("no config, yet prediction %s (%q)", p.Prediction, p.Unavailable)
			}
			continue
		}
		var pr map[string]any
		if err := json.Unmarshal(p.Prediction, &pr); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"itl_ms", "itl_ms_low", "itl_ms_high", "output_throughput", "itl_bound_ms"} {
			if _, ok := pr[k].(float64); !ok {
				t.Fatalf("%s: prediction lacks %s: %s", p.ID, k, p.Prediction)
			}
		}
		itl, lo, hi, bound := pr["itl_ms"].(float64), pr["itl_ms_low"].(float64), pr["itl_ms_high"].(float64), pr["itl_bound_ms"].(float64)
		if !(bound < lo && lo < itl && itl < hi) {
			t.Fatalf("%s: want bound < low < ITL < high, got %v < %v < %v < %v", p.ID, bound, lo, itl, hi)
		}
		if rel(pr["output_throughput"].(float64), 1000/itl) > 1e-9 || pr["calibrated"] != false || pr["source"] != perfmodel.Uncalibrated {
			t.Fatalf("%s: %s", p.ID, p.Prediction)
		}
		if cases := pr["cases"].([]any); len(cases) != 4 {
			t.Fatalf("%s: %d cases predicted", p.ID, len(cases))
		}
		bounds[p.ID] = bound
	}
	// Weight bytes per GPU halve from TP4 to TP8; Qwen3-235B's 4 KV heads
	// replicate at TP8, so the (small) KV share does not: a ratio just under 2.
	if r := bounds["qwen--TP4_flashinfer_cutlass"] / bounds["qwen--TP8_flashinfer_cutlass"]; r < 1.8 || r > 2 {
		t.Fatalf("TP4/TP8 bound ratio %.3f", r)
	}
	// The table says where predictions come from and what the bound is.
	out, err := exec.Command(bin(), "plan", perfSweep(t, false), "--predict", "--db", filepath.Join(t.TempDir(), "none.db")).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ITL ms (interval)", "qwen--TP8_flashinfer_cutlass  8/1024/32", "predictions: " + perfmodel.Uncalibrated, "BOUND: the HBM-bandwidth bound"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("plan --predict lacks %q:\n%s", want, out)
		}
	}
}

func TestPlanPredictUsesAStoredCalibration(t *testing.T) {
	dbp := filepath.Join(t.TempDir(), "h.db")
	db, err := history.Open(dbp)
	if err != nil {
		t.Fatal(err)
	}
	cal := perfmodel.Calibration{Key: perfmodel.Key{Engine: "sglang", EngineVersion: "0.5.4", GPU: "H200", Family: "qwen3_moe"},
		Params: perfmodel.Params{BWEff: 0.5, FLOPEff: 0.3, LayerUs: 60, StepMs: 1, PrefillMs: 10, CommScale: 1.5}, SigmaITL: 0.05, SigmaTTFT: 0.1, N: 40, Runs: 2, Free: 6}
	if err := db.SaveCalibration(cal); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ps := predictJSON(t, perfSweep(t, false), "--predict", "--json", "--db", dbp, "--engine-version", "0.5.4")
	var pr perfmodel.Prediction
	if err := json.Unmarshal(ps[0].Prediction, &pr); err != nil {
		t.Fatal(err)
	}
	if !pr.Calibrated || pr.Source != "calibrated: sglang 0.5.4 on H200, qwen3_moe (40 cases, 2 runs)" {
		t.Fatalf("source %q", pr.Source)
	}
	// ±t(34)·σ·√(1+6/40) around the fitted prediction: about ±11%.
	if r := pr.ITLMsHigh / pr.ITLMs; r < 1.10 || r > 1.13 {
		t.Fatalf("calibrated interval %.3f–%.3f around %.3f", pr.ITLMsLow, pr.ITLMsHigh, pr.ITLMs)
	}
}

func TestDryRunIsThePredictionAndReportsPercentOfBound(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	dbp := filepath.Join(t.TempDir(), "h.db")
	b, err := exec.Command(bin(), "run", "--dry-run", perfSweep(t, true), "--out", out, "--time-scale", "0.5", "--db", dbp).CombinedOutput()
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, b)
	}
	raw, _ := os.ReadFile(filepath.Join(out, "results.jsonl"))
	if n := strings.Count(string(raw), `"itl_bound_ms":null`); n != 4 {
		t.Fatalf("the model without a config.json must carry itl_bound_ms null in its 4 cases, found %d", n)
	}
	preds := map[string]perfmodel.Prediction{}
	for _, p := range predictJSON(t, perfSweep(t, true), "--predict", "--json", "--db", dbp) {
		var pr perfmodel.Prediction
		if string(p.Prediction) != "null" && json.Unmarshal(p.Prediction, &pr) == nil {
			preds[p.ID] = pr
		}
	}
	for _, r := range readResults(t, out) {
		pr, ok := preds[r.ConfigID]
		if !ok {
			continue
		}
		var c *perfmodel.CasePrediction
		for i := range pr.Cases {
			if k := pr.Cases[i]; k.Batch == r.BatchSize && k.InputLen == r.InputLen {
				c = &pr.Cases[i]
			}
		}
		if r.Status != "ok" || r.ITLBoundMs == nil || rel(*r.ITLBoundMs, c.ITLBoundMs) > 1e-9 {
			t.Fatalf("%s bs=%d: status %s, itl_bound_ms %v, predicted bound %v", r.ConfigID, r.BatchSize, r.Status, r.ITLBoundMs, c.ITLBoundMs)
		}
		// The sim's steps are the model's, with 2% jitter: measured within 15%.
		if rel(*r.ITLMs, c.ITLMs) > 0.15 || *r.ITLMs < c.ITLMsLow || *r.ITLMs > c.ITLMsHigh {
			t.Fatalf("%s bs=%d in=%d: dry-run ITL %.3f, predicted %.3f (%.3f–%.3f)", r.ConfigID, r.BatchSize, r.InputLen, *r.ITLMs, c.ITLMs, c.ITLMsLow, c.ITLMsHigh)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	report := string(md)
	for _, want := range []string{"servesweep's performance-model prediction", "% of bound**", "_Predicted_ (" + perfmodel.Uncalibrated + "; H200 ×8 (TP8)"} {
		if !strings.Contains(report, want) {
			t.Fatalf("report lacks %q:\n%s", want, report)
		}
	}
	if n := strings.Count(report, "_% of bound_"); n != 2 {
		t.Fatalf("%% of bound under %d tables, want the 2 with a model", n)
	}
	html, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if !strings.Contains(string(html), `<p class="muted bound">% of bound`) {
		t.Fatal("HTML report lacks % of bound")
	}

	// calibrate: a dry run is no data point...
	cmd := exec.Command(bin(), "calibrate", "--db", dbp, "--json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	js, err := cmd.Output()
	var co struct {
		Calibrations []perfmodel.Calibration `json:"calibrations"`
	}
	if err != nil || json.Unmarshal(js, &co) != nil || len(co.Calibrations) != 0 || !strings.Contains(stderr.String(), "no data points") {
		t.Fatalf("calibrate fitted a dry run: %v %s %s", err, js, stderr.String())
	}
	// ...unless asked: it then recovers the defaults the sim ran with, and
	// reports its held-out error.
	js, err = exec.Command(bin(), "calibrate", "--db", dbp, "--json", "--include-simulated").Output()
	if err != nil || json.Unmarshal(js, &co) != nil || len(co.Calibrations) != 1 {
		t.Fatalf("calibrate --include-simulated: %v %s", err, js)
	}
	c := co.Calibrations[0]
	if c.Family != "qwen3_moe" || c.GPU != "H200" || c.N != 8 || c.HeldOut.Method != "leave one configuration out" {
		t.Fatalf("calibration %+v", c)
	}
	if m := c.HeldOut.MAPE["itl_ms"]; m > 10 {
		t.Fatalf("held-out ITL MAPE %.1f%% on the sim's own model", m)
	}
	if rel(c.Params.BWEff, perfmodel.Defaults.BWEff) > 0.25 {
		t.Fatalf("fitted bw_eff %.3f, the sim ran with %.2f", c.Params.BWEff, perfmodel.Defaults.BWEff)
	}
	txt, _ := exec.Command(bin(), "calibrate", "--db", dbp, "--include-simulated", "--no-save").Output()
	if !strings.Contains(string(txt), "HELD-OUT MAPE ITL / TTFT / OUT") || !strings.Contains(string(txt), "held out by leave one configuration out") {
		t.Fatalf("calibrate table:\n%s", txt)
	}
}
