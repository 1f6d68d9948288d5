// Package engines maps a sweep file's engine name to its adapter.
package engines

import (
	"fmt"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/ollama"
	"github.com/servesweep/servesweep/internal/engine/sglang"
	"github.com/servesweep/servesweep/internal/engine/sim"
	"github.com/servesweep/servesweep/internal/engine/vllm"
)

// Get returns the adapter for name.
func Get(name string) (engine.Engine, error) {
	switch name {
	case "sglang":
		return sglang.Engine{}, nil
	case "vllm":
		return vllm.Engine{}, nil
	case "sim":
		return sim.Engine{}, nil
	case "ollama":
		return ollama.Engine{}, nil
	}
	return nil, fmt.Errorf("engine %q is not supported; use sglang, vllm, ollama or sim", name)
}
