package trtllm

import (
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/rules"
)

// DefaultFreeFraction is trtllm-serve's --kv_cache_free_gpu_memory_fraction
// default (tensorrt_llm/commands/serve.py: default=0.9, "Free GPU memory
// fraction reserved for KV Cache, after allocating model weights and buffers").
const DefaultFreeFraction = 0.9

// ReservedGiB estimates the runtime buffers TensorRT-LLM holds outside the KV
// cache (activations of a max_num_tokens forward, CUDA graphs, workspaces):
// the free memory it measures after loading is what remains.
const ReservedGiB = 4.0

// FreeFraction implements rules.FreeMemoryModel: the flag, else
// kv_cache_config.free_gpu_memory_fraction from --llm_api_option, else 0.9.
func (Engine) FreeFraction(_ float64, _ int, args []string) (float64, string, float64) {
	rest, _ := SplitOptions(args)
	if f, ok := rules.FlagFraction(rest, memFlags...); ok {
		return f, "--kv_cache_free_gpu_memory_fraction", ReservedGiB
	}
	if doc, err := Options(engine.LaunchSpec{Args: args}); err == nil {
		if kv, ok := doc["kv_cache_config"].(map[string]any); ok {
			if f, ok := kv["free_gpu_memory_fraction"].(float64); ok && f > 0 && f < 1 {
				return f, OptionFlag + " kv_cache_config.free_gpu_memory_fraction", ReservedGiB
			}
		}
	}
	return DefaultFreeFraction, "TensorRT-LLM's default --kv_cache_free_gpu_memory_fraction", ReservedGiB
}

// MemFraction implements rules.MemoryModel for callers that know only a
// share of the whole GPU: the free fraction (pre-flight uses FreeFraction).
func (e Engine) MemFraction(gpuMemGiB float64, tp int, args []string) (float64, string) {
	f, from, _ := e.FreeFraction(gpuMemGiB, tp, args)
	return f, from
}
