package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine/sim"
	"github.com/servesweep/servesweep/internal/executor"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/runner"
	"github.com/servesweep/servesweep/internal/sweep"
)

const fallbackSweep = `name: fallback
engine: sglang
gpu_label: 8-gpu-h200
gpu_hour_price: 2.0
tp_sizes: [8]
moe_backends: [flashinfer_trtllm, flashinfer_cutlass]
batch_sizes: [1]
input_lens: [256]
output_lens: [32]
models:
  deepseek-v3:
    name: DeepSeek V3
    path: deepseek-ai/DeepSeek-V3
    is_moe: true
`

// The upstream line (python/sglang/srt/layers/quantization/fp8.py,
// Fp8MoEMethod.create_moe_runner) names the backend by its enum name.
const fp8Fallback = "Fp8MoEMethod has no FLASHINFER_CUTLASS path; using triton for its fp8 experts."

// runFallbackSweep dry-runs fallbackSweep in process, with pre-flight's
// expectation for the cutlass configuration set as pre-flight would set it.
func runFallbackSweep(t *testing.T) string {
	t.Helper()
	f, err := sweep.Load(writeSweep(t, fallbackSweep))
	if err != nil {
		t.Fatal(err)
	}
	eng := sim.Engine{TimeScale: "0.02", StandingIn: "sglang"}
	cfgs := plan.Expand(f, eng, bin())
	for i := range cfgs {
		if cfgs[i].MoEBackend == "flashinfer_cutlass" {
			cfgs[i].ExpectEffective = map[string]string{"moe_runner_backend": "triton"}
			cfgs[i].ExpectLog = []string{fp8Fallback}
		}
	}
	dir := filepath.Join(t.TempDir(), "run")
	_, err = runner.Run(context.Background(), runner.Options{File: f, Configs: cfgs, Engine: eng, Executor: executor.Local{},
		Dir: dir, DryRun: true, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func reportOf(t *testing.T, dir, format string) string {
	t.Helper()
	out, err := exec.Command(bin(), "report", dir, "--format", format).Output()
	if err != nil {
		t.Fatalf("report --format %s: %v", format, err)
	}
	return string(out)
}

func TestDryRunRecordsWhatActuallyRan(t *testing.T) {
	dir := runFallbackSweep(t)
	servers := results.LatestServers(readServers(t, dir))
	cut, trt := servers["deepseek-v3--TP8_flashinfer_cutlass"], servers["deepseek-v3--TP8_flashinfer_trtllm"]
	if cut.Status != results.StatusOK || trt.Status != results.StatusOK {
		t.Fatalf("servers: %+v / %+v", cut, trt)
	}
	if cut.Effective["moe_runner_backend"] != "triton" || cut.Effective["tp_size"] != float64(8) {
		t.Fatalf("cutlass effective: %v", cut.Effective)
	}
	want := []string{"moe_runner_backend: asked flashinfer_cutlass, ran triton", `server log: "` + fp8Fallback + `"`}
	if strings.Join(cut.EffectiveWarnings, "\n") != strings.Join(want, "\n") {
		t.Fatalf("cutlass warnings (one per distinct line, although every TP rank logs it):\n%q\nwant\n%q", cut.EffectiveWarnings, want)
	}
	if trt.Effective["moe_runner_backend"] != "flashinfer_trtllm" || len(trt.EffectiveWarnings) != 0 {
		t.Fatalf("trtllm ran as asked, yet: %v %q", trt.Effective, trt.EffectiveWarnings)
	}
	log := readFile(t, filepath.Join(dir, cut.LogPath))
	if n := strings.Count(log, "TP7] "+fp8Fallback); n != 1 {
		t.Fatalf("the sim must print the rehearsed line as SGLang's rank 7 would, got %d:\n%s", n, log)
	}

	md := reportOf(t, dir, "md")
	ranAs := `ran as: moe_runner_backend=triton (asked flashinfer_cutlass) — server log: "` + fp8Fallback + `"`
	if strings.Count(md, "ran as: ") != 1 || !strings.Contains(md, ranAs) {
		t.Fatalf("want exactly one ran-as line %q in:\n%s", ranAs, md)
	}
	cutTable := md[strings.Index(md, "(TP8_flashinfer_cutlass)"):]
	if strings.Index(cutTable, ranAs) > strings.Index(cutTable, "\n### ") {
		t.Fatal("the ran-as line must sit under the cutlass table")
	}
	if !strings.Contains(md, "| TP8 + flashinfer_cutlass (ran as triton MoE) | 8 |") || !strings.Contains(md, "triton (asked flashinfer_cutlass) →") {
		t.Fatalf("the ranking and the knob sentence must name what ran:\n%s", md)
	}
	var rep struct {
		Configs []struct {
			ID    string `json:"id"`
			RanAs *struct {
				Line        string `json:"line"`
				Differences []struct{ Key, Asked, Ran string }
			} `json:"ran_as"`
		} `json:"configs"`
	}
	if err := json.Unmarshal([]byte(reportOf(t, dir, "json")), &rep); err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Configs {
		isCut := strings.HasSuffix(c.ID, "cutlass")
		if (c.RanAs != nil) != isCut || isCut && (c.RanAs.Line != ranAs || c.RanAs.Differences[0].Ran != "triton") {
			t.Fatalf("report.json %s ran_as %+v", c.ID, c.RanAs)
		}
	}
	if html := reportOf(t, dir, "html"); !strings.Contains(html, `<p class="ranas">ran as: moe_runner_backend=triton`) {
		t.Fatal("the HTML report must show the ran-as line")
	}
}

func TestUnchangedConfigurationHasNoRanAsLine(t *testing.T) {
	// --no-preflight: nothing predicts a fallback, so every server runs as asked.
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", "--dry-run", "--no-preflight", "--time-scale", "0.02", "--no-history", writeSweep(t, fallbackSweep), "--out", out)
	cmd.Env = append(os.Environ(), "GITHUB_STEP_SUMMARY=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for _, s := range readServers(t, out) {
		want := strings.TrimPrefix(s.ConfigID, "deepseek-v3--TP8_")
		if s.Effective["moe_runner_backend"] != want || s.Effective["tp_size"] != float64(8) || len(s.EffectiveWarnings) != 0 {
			t.Fatalf("%s: effective %v, warnings %q", s.ConfigID, s.Effective, s.EffectiveWarnings)
		}
	}
	md := readFile(t, filepath.Join(out, "report.md"))
	if strings.Contains(md, "ran as") || !strings.Contains(md, "| TP8 + flashinfer_cutlass | 8 |") {
		t.Fatalf("configurations that ran as asked must keep their names and have no ran-as line:\n%s", md)
	}
}
