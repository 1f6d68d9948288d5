package executor

import (
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
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
