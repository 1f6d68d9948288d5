package preflight

import (
	"fmt"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/rules"
	"github.com/servesweep/servesweep/internal/plan"
)

// DefaultMemFraction is assumed for engines without a known default.
const DefaultMemFraction = 0.85

const gib = float64(1 << 30)

const srcMemFit = "sglang python/sglang/srt/model_executor/model_runner_kv_cache_mixin.py profile_max_num_token (KV pool = fraction × memory − weights; \"Not enough memory. Please try to increase --mem-fraction-static.\")"

// memFraction is the share of GPU memory for weights + KV pool: the engine's
// own model (flag or default), else DefaultMemFraction.
func memFraction(mm rules.MemoryModel, args []string, gpuMemGiB float64, tp int) (float64, string) {
	if mm == nil {
		return DefaultMemFraction, "assumed"
	}
	return mm.MemFraction(gpuMemGiB, tp, args)
}

// memoryRule checks memory fit and KV room on the target hardware.
func memoryRule(c *rules.Ctx, cfg plan.Config, eng engine.Engine, appliedTo string) (plan.RuleCheck, *plan.MemoryFit) {
	rc := plan.RuleCheck{Rule: "memory fit and KV room", Versions: "all", Arch: "all", Source: srcMemFit, AppliedTo: appliedTo}
	mm, ok := eng.(rules.MemoryModel)
	if !ok {
		rc.Outcome, rc.Detail = NA, eng.Name()+" has no memory model (it offloads what does not fit)"
		return rc, nil
	}
	if c.HW == nil || c.HW.GPUMemoryGiB <= 0 {
		rc.Outcome, rc.Detail = Warn, "GPU memory unknown (no --gpu, no hardware: section, no GPU found and no GPU in gpu_label): memory fit not checked"
		return rc, nil
	}
	fit := Fit(cfg, c.Info, c.Info.WeightBytes, c.HW.GPUMemoryGiB, mm)
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
}, weightBytes int64, gpuMemGiB float64, mm rules.MemoryModel) *plan.MemoryFit {
	gpus := max(1, cfg.GPUs)
	frac, fracFrom := memFraction(mm, cfg.Args, gpuMemGiB, max(1, cfg.TP))
	weights := float64(weightBytes) / float64(gpus) / gib
	var tokens int64
	for _, k := range cfg.Cases {
		tokens = max(tokens, int64(k.BatchSize)*int64(k.InputLen+k.OutputLen))
	}
	kv := float64(tokens*info.KVBytesPerTokenPerGPU(max(1, cfg.TP), 2)) / gib
	budget := frac * gpuMemGiB
	if fm, ok := mm.(rules.FreeMemoryModel); ok {
		budget, frac, fracFrom = freeBudget(fm, cfg, gpuMemGiB, weights)
	}
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

// freeBudget is weights + KV pool for engines whose KV cache takes a share of
// the memory left free after the weights and runtime buffers, as the share of
// the whole GPU it amounts to.
func freeBudget(fm rules.FreeMemoryModel, cfg plan.Config, gpuMemGiB, weights float64) (budget, frac float64, from string) {
	f, src, reserved := fm.FreeFraction(gpuMemGiB, max(1, cfg.TP), cfg.Args)
	budget = weights + f*max(0, gpuMemGiB-weights-reserved)
	return budget, budget / gpuMemGiB, fmt.Sprintf("%.2f of the memory free after weights and ~%.0f GiB of buffers, %s", f, reserved, src)
}
