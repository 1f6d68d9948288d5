package executor

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sim"
	"github.com/servesweep/servesweep/internal/engine/vllm"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/quality"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/telemetry"
)

func TestSlurmScript(t *testing.T) {
	s := Slurm{Self: "/shared/bin/servesweep", Partition: "h200", Account: "inference", TimeLimit: "02:00:00"}
	one := plan.Config{ID: "ds--TP8", GPUs: 8, Command: []string{"python3", "-m", "sglang.launch_server", "--tp-size", "8"}}
	script := s.Script(JobSpec{Dir: "/runs/a", Config: one}, "/runs/a/ds--TP8/job.json")
	for _, want := range []string{"#SBATCH --gres=gpu:8", "#SBATCH --nodes=1", "#SBATCH --partition=h200", "#SBATCH --account=inference",
		"#SBATCH --time=02:00:00", "#SBATCH --output=/runs/a/ds--TP8/slurm-%j.out", "exec '/shared/bin/servesweep' slurm-job '/runs/a/ds--TP8/job.json'"} {
		if !strings.Contains(script, want) {
			t.Fatalf("script lacks %q:\n%s", want, script)
		}
	}
	if strings.Contains(script, "srun") {
		t.Fatal("a one-node job needs no srun")
	}
	// Two nodes of 8 GPUs: the other rank is started with srun and its --node-rank.
	two := plan.Config{ID: "ds--TP16", GPUs: 16, Args: []string{"--nnodes", "2"},
		Command: []string{"python3", "-m", "sglang.launch_server", "--tp-size", "16", "--nnodes", "2", "--host", "{host}", "--port", "{port}"}}
	script = s.Script(JobSpec{Dir: "/runs/a", Config: two}, "/runs/a/ds--TP16/job.json")
	for _, want := range []string{"#SBATCH --nodes=2", "#SBATCH --gres=gpu:8", `export SERVESWEEP_DIST_INIT_ADDR="$HEAD:29500"`,
		"srun --nodes=1 --ntasks=1 --relative=$r 'python3' '-m' 'sglang.launch_server' '--tp-size' '16' '--nnodes' '2' '--host' '0.0.0.0' '--port' '30000' --node-rank $r"} {
		if !strings.Contains(script, want) {
			t.Fatalf("multi-node script lacks %q:\n%s", want, script)
		}
	}
	if Nodes(two) != 2 || Nodes(one) != 1 {
		t.Fatal("Nodes")
	}
}

// TestSlurmJobKeepsTheStandIn: a dry run of engine: vllm through Slurm writes
// the stand-in into job.json, and the job side builds the sim that speaks
// vLLM's protocol to the vLLM client (it used to build a plain sim and
// measure the vLLM sweep through the SGLang client).
func TestSlurmJobKeepsTheStandIn(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no sbatch: Execute fails after writing the spec
	dir := t.TempDir()
	cfg := plan.Config{ID: "m--TP1", GPUs: 1, Engine: "vllm", Cases: []plan.Case{{BatchSize: 1, InputLen: 8, OutputLen: 8}}}
	var got []results.Result
	rec := Slurm{Self: "/bin/servesweep", EngineTimeScale: "0.1"}.Execute(context.Background(), Job{RunID: "r", Config: cfg, Dir: dir,
		Engine: sim.Engine{StandingIn: "vllm", TimeScale: "0.1"}, Emit: func(r results.Result) error { got = append(got, r); return nil }})
	if rec.Status != results.StatusFailed || !strings.Contains(rec.Error, "sbatch") || len(got) != 1 {
		t.Fatalf("without sbatch: %+v %+v", rec, got)
	}
	b, err := os.ReadFile(filepath.Join(dir, cfg.ID, JobSpecFile))
	if err != nil {
		t.Fatal(err)
	}
	var spec JobSpec
	if err := json.Unmarshal(b, &spec); err != nil || spec.Engine != "sim" || spec.StandingIn != "vllm" || spec.TimeScale != "0.1" {
		t.Fatalf("job.json: %v %s", err, b)
	}
	noGet := func(name string) (engine.Engine, error) { return nil, fmt.Errorf("asked for %s", name) }
	eng, err := JobEngine(spec, noGet)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := eng.NewClient("http://127.0.0.1:1", engine.ClientConfig{}).(*vllm.Client); !ok || !eng.Simulated() {
		t.Fatalf("the job's engine %#v must be the sim with the vLLM client", eng)
	}
	// Without a stand-in (engine: sim itself) the sim keeps SGLang's client;
	// a real engine comes from get.
	spec.StandingIn = ""
	if eng, _ := JobEngine(spec, noGet); eng.(sim.Engine).StandingIn != "" {
		t.Fatalf("%#v", eng)
	}
	if _, err := JobEngine(JobSpec{Engine: "vllm"}, noGet); err == nil || err.Error() != "asked for vllm" {
		t.Fatalf("a real engine comes from get: %v", err)
	}
}

// TestSlurmJobCarriesTelemetryAndQuality: job.json carries the telemetry
// period and the quality guard (not its emitter); the parts the job writes
// come back through the job's emitters when it is collected.
func TestSlurmJobCarriesTelemetryAndQuality(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no sbatch: Execute fails after writing the spec
	dir := t.TempDir()
	cfg := plan.Config{ID: "m--TP1", GPUs: 1, Cases: []plan.Case{{BatchSize: 1, InputLen: 8, OutputLen: 8}}}
	var samples []telemetry.Sample
	var quals []quality.Record
	job := Job{RunID: "r", Config: cfg, Dir: dir, Engine: sim.Engine{}, Emit: func(results.Result) error { return nil },
		Telemetry: telemetry.Settings{Period: 250 * time.Millisecond, Emit: func(x telemetry.Sample) error { samples = append(samples, x); return nil }},
		Quality: &QualityJob{Prompts: []string{"a", "b"}, MaxTokens: 4, Base: quality.Record{ConfigID: cfg.ID, Reference: "ref"},
			Emit: func(q quality.Record) error { quals = append(quals, q); return nil }}}
	Slurm{Self: "/bin/servesweep"}.Execute(context.Background(), job)
	workDir := filepath.Join(dir, cfg.ID)
	b, _ := os.ReadFile(filepath.Join(workDir, JobSpecFile))
	var spec JobSpec
	if err := json.Unmarshal(b, &spec); err != nil || spec.TelemetryPeriod != 250*time.Millisecond || spec.Quality == nil ||
		len(spec.Quality.Prompts) != 2 || spec.Quality.MaxTokens != 4 || spec.Quality.Base.Reference != "ref" {
		t.Fatalf("job.json: %v %s", err, b)
	}
	// The node's side: the spec's parts, written through the job's hooks.
	parts, err := openParts(workDir, spec)
	if err != nil {
		t.Fatal(err)
	}
	var node Job
	parts.hook(&node, spec)
	if !node.Telemetry.On() || node.Quality == nil || node.Quality.Emit == nil {
		t.Fatalf("node job: %+v", node)
	}
	node.Telemetry.Emit(telemetry.Sample{ConfigID: cfg.ID, Source: telemetry.SourceServer, T: 0.5})
	node.Quality.Emit(quality.Record{ConfigID: cfg.ID, MaxTokens: 4, Outputs: []quality.Output{{Prompt: 0}, {Prompt: 1}}})
	parts.close()
	Slurm{}.collect(workDir, job)
	if len(samples) != 1 || samples[0].T != 0.5 || len(quals) != 1 || len(quals[0].Outputs) != 2 {
		t.Fatalf("collected %+v %+v", samples, quals)
	}
}
