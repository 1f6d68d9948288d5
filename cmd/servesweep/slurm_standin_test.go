package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSlurm puts an sbatch that runs the job script at once (its output in
// slurm-4242.out, as #SBATCH --output would) and a squeue that reports no
// job on a PATH: the coordinator, the job script and `servesweep slurm-job`
// run for real, without a Slurm cluster.
func fakeSlurm(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	scripts := map[string]string{
		"sbatch": "#!/bin/sh\nfor a; do last=$a; done\nbash \"$last\" > \"$(dirname \"$last\")/slurm-4242.out\" 2>&1\necho 4242\n",
		"squeue": "#!/bin/sh\nexit 0\n",
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSlurmDryRunKeepsTheStandIn: a dry run of engine: vllm through the
// Slurm executor measures the sim through the vLLM client in the job, as a
// local dry run does (vLLM's profiler routes leave vLLM's trace names); the
// job used to get a plain sim and the SGLang client.
func TestSlurmDryRunKeepsTheStandIn(t *testing.T) {
	p := writeSweep(t, fmt.Sprintf(`name: vllm-slurm-dry
engine: vllm
executor: slurm
slurm: {servesweep: %q}
tp_sizes: [1]
batch_sizes: [1]
input_lens: [64]
output_lens: [8]
profile: true
warmup: false
models:
  m: {path: org/m, extra_args: [--sim-startup-ms, "1"]}
`, bin()))
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin(), "run", "--dry-run", p, "--out", out, "--no-history")
	cmd.Env = append(os.Environ(), "PATH="+fakeSlurm(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	spec := readFile(t, filepath.Join(out, "m--TP1", "job.json"))
	if !strings.Contains(spec, `"sim_standing_in": "vllm"`) {
		t.Fatalf("job.json lacks the stand-in:\n%s", spec)
	}
	rs := readResults(t, out)
	if len(rs) != 1 || rs[0].Status != "ok" {
		t.Fatalf("results %+v", rs)
	}
	if tr := rs[0].TraceDecode; tr == nil || !strings.Contains(*tr, ".pt.trace.json.gz") {
		got := "no trace"
		if tr != nil {
			got = *tr
		}
		t.Fatalf("the job must profile through vLLM's client (vLLM's trace names), got %s", got)
	}
	if md := readFile(t, filepath.Join(out, "report.md")); !strings.Contains(md, "schedule: Slurm (each configuration a batch job, up to 64 at once)") {
		t.Fatalf("the report must say the configurations ran as Slurm jobs:\n%s", md)
	}
}
