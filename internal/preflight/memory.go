package preflight

import (
	"fmt"
	"strconv"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/plan"
)

// DefaultMemFraction is assumed for engines without a known default.
const DefaultMemFraction = 0.85

const gib = float64(1 << 30)

const srcMemFit = "sglang python/sglang/srt/model_executor/model_runner_kv_cache_mixin.py profile_max_num_token (KV pool = fraction × memory − weights; \"Not enough memory. Please try to increase --mem-fraction-static.\")"

// memFraction is the share of GPU memory for weights + KV pool: the flag when
// given, else the engine's default — SGLang's heuristic of
// python/sglang/srt/server_args.py ServerArgs._handle_gpu_memory_settings
// (v0.5.4+; arg_groups/memory_hook.py in 2026), vLLM's
// --gpu-memory-utilization 0.9.
func memFraction(engineName string, args []string, gpuMemGiB float64, tp int) (float64, string) {
	for _, flag := range []string{"--mem-fraction-static", "--gpu-memory-utilization"} {
		if v, ok := engine.FlagValue(args, flag); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && f < 1 {
				return f, flag
			}
		}
	}
	switch engineName {
	case "sglang":
		return sglangMemFraction(gpuMemGiB, tp), "SGLang's default for this GPU and TP"
	case "vllm", "trtllm":
		return 0.9, engineName + " default"
	}
	return DefaultMemFraction, "assumed"
}

// sglangMemFraction reproduces SGLang's default --mem-fraction-static: reserve
// 512 MiB + 1.5 × max(chunked_prefill_size, 2048) + 2 × cuda_graph_max_bs +
// tp/8 GiB, at least 10 GiB on GPUs over 60 GiB.
func sglangMemFraction(gpuMemGiB float64, tp int) float64 {
	mib := gpuMemGiB * 1024
	chunked, graphBS := 4096.0, 160.0
	switch {
	case mib < 20*1024:
		chunked, graphBS = 2048, 8
	case mib < 35*1024:
		graphBS = map[bool]float64{true: 24, false: 80}[tp < 4]
	case mib < 60*1024:
		graphBS = map[bool]float64{true: 32, false: 160}[tp < 4]
	case mib < 160*1024:
		chunked, graphBS = 8192, map[bool]float64{true: 256, false: 512}[tp < 4]
	default:
		chunked, graphBS = 16384, 512
	}
	reserved := 512 + max(chunked, 2048)*1.5 + graphBS*2 + float64(tp)/8*1024
	if mib > 60*1024 {
		reserved = max(reserved, 10*1024)
	}
	return float64(int((mib-reserved)/mib*1000+0.5)) / 1000
}

// memoryRule checks memory fit and KV room on the target hardware.
func memoryRule(c *Ctx, engineName, appliedTo string) (plan.RuleCheck, *plan.MemoryFit) {
	rc := plan.RuleCheck{Rule: "memory fit and KV room", Versions: "all", Arch: "all", Source: srcMemFit, AppliedTo: appliedTo}
	if engineName == "ollama" {
		rc.Outcome, rc.Detail = NA, "Ollama offloads what does not fit (num_gpu)"
		return rc, nil
	}
	if c.HW == nil || c.HW.GPUMemoryGiB <= 0 {
		rc.Outcome, rc.Detail = Warn, "GPU memory unknown (no --gpu, no hardware: section, no GPU found and no GPU in gpu_label): memory fit not checked"
		return rc, nil
	}
	fit := Fit(c.Cfg, c.Info, c.Info.WeightBytes, c.HW.GPUMemoryGiB, engineName)
	rc.Detail = fit.Detail
	switch fit.Verdict {
	case "does not fit":
		rc.Outcome, rc.Detail = Skip, "does not fit: "+fit.Detail
	case "tight":
		rc.Outcome, rc.Detail = Warn, "tight: "+fit.Detail
	default:
		rc.Outcome = Pass
	}
	return rc, fit
}

// Fit estimates memory per GPU: weights sharded over the configuration's GPUs,
// and the KV pool left under the memory fraction for the largest case's
// batch × (input + output) tokens.
func Fit(cfg plan.Config, info interface {
	KVBytesPerTokenPerGPU(tp, dtypeBytes int) int64
}, weightBytes int64, gpuMemGiB float64, engineName string) *plan.MemoryFit {
	gpus := max(1, cfg.GPUs)
	frac, fracFrom := memFraction(engineName, cfg.Args, gpuMemGiB, max(1, cfg.TP))
	weights := float64(weightBytes) / float64(gpus) / gib
	var tokens int64
	for _, k := range cfg.Cases {
		tokens = max(tokens, int64(k.BatchSize)*int64(k.InputLen+k.OutputLen))
	}
	kv := float64(tokens*info.KVBytesPerTokenPerGPU(max(1, cfg.TP), 2)) / gib
	budget := frac * gpuMemGiB
	pool := budget - weights
	f := &plan.MemoryFit{GPUMemoryGiB: gpuMemGiB, MemFraction: frac, WeightsPerGPUGiB: weights, KVPoolGiB: pool, KVNeededGiB: kv}
	switch {
	case pool <= 0:
		f.Verdict = "does not fit"
		f.Detail = fmt.Sprintf("weights %.1f GiB/GPU exceed %.3f (%s) × %.1f GiB = %.1f GiB: use more GPUs, a quantized checkpoint, or a larger --mem-fraction-static", weights, frac, fracFrom, gpuMemGiB, budget)
	case pool < kv:
		f.Verdict = "does not fit"
		f.Detail = fmt.Sprintf("KV pool %.2f GiB/GPU after %.1f GiB of weights is smaller than the %.2f GiB the largest case needs: use more GPUs or shorter cases", pool, weights, kv)
	case pool < 2*kv || pool < 4:
		f.Verdict = "tight"
		f.Detail = fmt.Sprintf("weights %.1f GiB/GPU leave a %.2f GiB KV pool for %.2f GiB needed (of %.1f GiB at fraction %.3f, %s)", weights, pool, kv, gpuMemGiB, frac, fracFrom)
	default:
		f.Verdict = "fits"
		f.Detail = fmt.Sprintf("weights %.1f GiB/GPU, KV pool %.1f GiB for %.2f GiB needed (of %.1f GiB at fraction %.3f, %s)", weights, pool, kv, gpuMemGiB, frac, fracFrom)
	}
	return f
}
