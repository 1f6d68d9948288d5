package sim

import (
	"github.com/servesweep/servesweep/internal/engine/sglang"
	"github.com/servesweep/servesweep/internal/engine/vllm"
)

// Speculation implements engine.Speculator with the flags of the engine the
// sim stands in for: vLLM's --speculative-config, else SGLang's
// --speculative-algorithm (whose speed the sim server models).
func (e Engine) Speculation(args []string) string {
	if e.StandingIn == "vllm" {
		return vllm.Engine{}.Speculation(args)
	}
	return sglang.Engine{}.Speculation(args)
}

// SpeculativeFlag implements engine.Speculator likewise.
func (e Engine) SpeculativeFlag(flag string) bool {
	if e.StandingIn == "vllm" {
		return vllm.Engine{}.SpeculativeFlag(flag)
	}
	return sglang.Engine{}.SpeculativeFlag(flag)
}
