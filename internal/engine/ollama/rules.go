package ollama

import "github.com/servesweep/servesweep/internal/engine/rules"

// Rules implements rules.Provider: Ollama (llama.cpp) has no tensor
// parallelism to check, and no memory model: it offloads what does not fit.
func (Engine) Rules() []rules.Rule { return nil }
