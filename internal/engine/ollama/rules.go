package ollama

import (
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/rules"
)

// Rules implements rules.Provider: Ollama (llama.cpp) has no tensor
// parallelism to check, and no memory model: it offloads what does not fit.
func (Engine) Rules() []rules.Rule { return nil }

// Traits implements engine.Describer: Ollama starts in seconds, has no tensor
// parallelism, and creates its own models (ollama create).
func (Engine) Traits() engine.Traits {
	return engine.Traits{LaunchSeconds: 5, NoTP: true, NoPrefetch: true, RunsOnCPU: true}
}
