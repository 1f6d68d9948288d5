package vllm

import "github.com/servesweep/servesweep/internal/engine/rules"

// Rules implements rules.Provider: tensor-parallel head split, then the
// --speculative-config rules (rules_spec.go).
func (Engine) Rules() []rules.Rule { return append([]rules.Rule{rules.HeadsSplit}, specRules...) }

// MemFraction implements rules.MemoryModel: --gpu-memory-utilization, 0.9 by
// default (vllm/config/cache.py CacheConfig.gpu_memory_utilization).
func (Engine) MemFraction(gpuMemGiB float64, tp int, args []string) (float64, string) {
	if f, ok := rules.FlagFraction(args, "--gpu-memory-utilization"); ok {
		return f, "--gpu-memory-utilization"
	}
	return 0.9, "vLLM's default --gpu-memory-utilization"
}
