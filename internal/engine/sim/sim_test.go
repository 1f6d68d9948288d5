package sim

import (
	"slices"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/vllm"
)

// speaker is an engine the sim stands in for through engine.SimSpeaker.
type speaker struct{ vllm.Engine }

func (speaker) Name() string { return "speaker" }
func (speaker) SimArgs(spec engine.LaunchSpec) ([]string, map[string]string) {
	return []string{"--model-path", spec.ModelPath, "--sim-protocol", "x"}, map[string]string{"X": "1"}
}
func (speaker) GPUs(engine.LaunchSpec) int { return 7 }
func (speaker) Files(engine.LaunchSpec) map[string][]byte {
	return map[string][]byte{"f": []byte("y")}
}
func (speaker) Asked(engine.LaunchSpec) map[string]string { return map[string]string{"k": "v"} }

type plainClient struct{ engine.Client }

func (speaker) NewClient(string, engine.ClientConfig) engine.Client { return plainClient{} }

// TestStandsInThroughSimSpeaker: for an engine other than SGLang and vLLM the
// sim takes the engine's sim arguments, GPU count, launch files, client and
// asked settings, and adds its own flags after them.
func TestStandsInThroughSimSpeaker(t *testing.T) {
	old := Lookup
	defer func() { Lookup = old }()
	Lookup = func(name string) (engine.Engine, error) { return speaker{}, nil }
	e := Engine{StandingIn: "speaker", TimeScale: "0.1"}
	argv, env := e.Command(engine.LaunchSpec{ModelPath: "m", Self: "/bin/ss", Dense: true})
	if !slices.Equal(argv, []string{"/bin/ss", "sim-server", "--model-path", "m", "--sim-protocol", "x", "--sim-time-scale", "0.1", "--sim-dense"}) || env["X"] != "1" {
		t.Fatalf("%q %v", argv, env)
	}
	spec := engine.LaunchSpec{}
	if e.GPUs(spec) != 7 || string(e.Files(spec)["f"]) != "y" || e.Asked(spec)["k"] != "v" || e.StandsInFor() != "speaker" {
		t.Fatal("the stood-in engine's answers")
	}
	if _, ok := e.NewClient("http://x", engine.ClientConfig{}).(plainClient); !ok {
		t.Fatal("the stood-in engine's client")
	}
	// SGLang stays the sim's own protocol, whatever Lookup says.
	if argv, _ := (Engine{}).Command(engine.LaunchSpec{ModelPath: "m"}); argv[2] != "--model-path" || slices.Contains(argv, "--sim-protocol") {
		t.Fatalf("%q", argv)
	}
}
