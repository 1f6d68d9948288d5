package plan

import (
	"strconv"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sglang"
)

// filesEngine is an engine whose launch needs a file: it echoes what the spec says.
type filesEngine struct{ sglang.Engine }

func (filesEngine) Files(spec engine.LaunchSpec) map[string][]byte {
	return map[string][]byte{"opts.yaml": []byte("backend: " + spec.MoEBackend + "\n")}
}

func (filesEngine) Command(spec engine.LaunchSpec) ([]string, map[string]string) {
	return []string{"serve", "--profile-steps", strconv.Itoa(spec.ProfileSteps)}, nil
}

// TestLaunchFilesAndProfileSteps: Expand carries an engine's launch files in
// the configuration, and tells the engine how many steps the sweep profiles.
func TestLaunchFilesAndProfileSteps(t *testing.T) {
	f := mustParse(t, "engine: sglang\nmoe_backends: [a, b]\nprofile: true\nprofile_steps: 3\nmodels:\n  m: {path: x/y, is_moe: true}\n")
	cfgs := Expand(f, filesEngine{}, "")
	if len(cfgs) != 2 || cfgs[0].Files["opts.yaml"] != "backend: a\n" || cfgs[1].Files["opts.yaml"] != "backend: b\n" || cfgs[0].Command[2] != "3" {
		t.Fatalf("%+v", cfgs)
	}
	f.Profile = false
	if c := Expand(f, filesEngine{}, "")[0]; c.Command[2] != "0" {
		t.Fatalf("no profile: %v", c.Command)
	}
	if c := Expand(f, sglang.Engine{}, "")[0]; c.Files != nil {
		t.Fatalf("engines without launch files carry none: %v", c.Files)
	}
}
