// Package registry lists servesweep's engines: a sweep file's engine name maps
// to its adapter here, and nowhere else. Adding an engine is one folder under
// internal/engine and one line in the table below.
package registry

import (
	"fmt"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/ollama"
	"github.com/servesweep/servesweep/internal/engine/sglang"
	"github.com/servesweep/servesweep/internal/engine/sim"
	"github.com/servesweep/servesweep/internal/engine/trtllm"
	"github.com/servesweep/servesweep/internal/engine/vllm"
)

// engines is the table: one line per engine, in the order they are listed.
var engines = []engine.Engine{
	sglang.Engine{},
	vllm.Engine{},
	ollama.Engine{},
	trtllm.Engine{},
	sim.Engine{},
}

// The sim finds the engines it stands in for (beyond SGLang and vLLM) here.
func init() { sim.Lookup = Get }

// Get returns the adapter for name.
func Get(name string) (engine.Engine, error) {
	for _, e := range engines {
		if e.Name() == name {
			return e, nil
		}
	}
	return nil, fmt.Errorf("engine %q is not supported; use %s", name, strings.Join(Names(), ", "))
}

// Names lists the engines a sweep file may name.
func Names() []string {
	out := make([]string, len(engines))
	for i, e := range engines {
		out[i] = e.Name()
	}
	return out
}
