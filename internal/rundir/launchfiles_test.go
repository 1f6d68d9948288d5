package rundir

import (
	"testing"

	"github.com/servesweep/servesweep/internal/plan"
)

// TestLaunchFilesAreTheLaunch: a configuration whose launch file changed
// (another MoE backend in TensorRT-LLM's options YAML, same argv) is another
// measurement; configurations without files keep their old fingerprints.
func TestLaunchFilesAreTheLaunch(t *testing.T) {
	a := cfg("a", "serve", "--config", "{work_dir}/o.yaml")
	a.Files = map[string]string{"o.yaml": "moe_config:\n  backend: CUTLASS\n"}
	b := a
	b.Files = map[string]string{"o.yaml": "moe_config:\n  backend: TRTLLM\n"}
	if SameLaunch(a, b) || Fingerprint([]plan.Config{a}, nil) == Fingerprint([]plan.Config{b}, nil) {
		t.Fatal("a changed launch file must change the launch")
	}
	c := cfg("c", "serve")
	d := c
	d.Files = map[string]string{}
	if !SameLaunch(c, d) {
		t.Fatal("no files and empty files are the same launch")
	}
}
