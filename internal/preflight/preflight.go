// Package preflight rejects configurations that cannot work before they cost
// GPU hours: memory fit from the model's config.json, SGLang's startup rules
// (TP/EP divisibility, heads vs TP, FP8 block divisibility of the MoE
// intermediate size, backend ↔ quantization compatibility), and enough GPUs on
// the host. Each violated rule gives one line with the fix when there is one.
package preflight

import (
	"fmt"
	"strconv"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/plan"
)

// Hardware is what pre-flight knows about the host's GPUs.
type Hardware struct {
	GPUs         int
	GPUMemoryGiB float64
	Name         string
	Source       string // "sweep file", "NVML", "nvidia-smi", "flags"
}

// DefaultMemFraction is assumed when --mem-fraction-static is not given.
const DefaultMemFraction = 0.85

const gib = float64(1 << 30)

// Check returns the verdict, the reasons and the memory fit of cfg for a model
// described by info (nil when its config could not be read) on hw (nil when unknown).
func Check(cfg plan.Config, info *modelinfo.Info, infoErr error, hw *Hardware, rulesFor string) (string, []string, *plan.MemoryFit) {
	var skip, warn []string
	if hw != nil && hw.GPUs > 0 && cfg.GPUs > hw.GPUs {
		skip = append(skip, fmt.Sprintf("needs %d GPUs, the host has %d (%s)", cfg.GPUs, hw.GPUs, hw.Source))
	}
	if info == nil {
		msg := "model config not read: pre-flight checks skipped"
		if infoErr != nil {
			msg = "model config not read (" + firstClause(infoErr.Error()) + "): memory and engine rules not checked"
		}
		warn = append(warn, msg)
		return verdict(skip, warn), append(skip, warn...), nil
	}
	if rulesFor == "sglang" {
		s, w := sglangRules(cfg, info)
		skip, warn = append(skip, s...), append(warn, w...)
	} else if info.Heads%cfg.TP != 0 && rulesFor != "ollama" {
		skip = append(skip, fmt.Sprintf("%d attention heads do not split over TP%d: use a TP size that divides %d", info.Heads, cfg.TP, info.Heads))
	}
	var fit *plan.MemoryFit
	if hw != nil && hw.GPUMemoryGiB > 0 && rulesFor != "ollama" {
		fit = Fit(cfg, info, hw.GPUMemoryGiB)
		switch fit.Verdict {
		case "does not fit":
			skip = append(skip, "does not fit: "+fit.Detail)
		case "tight":
			warn = append(warn, "tight: "+fit.Detail)
		}
	} else if rulesFor != "ollama" {
		warn = append(warn, "GPU memory unknown (no hardware: section and no GPU found): memory fit not checked")
	}
	return verdict(skip, warn), append(skip, warn...), fit
}

func verdict(skip, warn []string) string {
	switch {
	case len(skip) > 0:
		return plan.VerdictSkip
	case len(warn) > 0:
		return plan.VerdictWarn
	}
	return plan.VerdictOK
}

func firstClause(s string) string {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == ' ' && s[i+1] == '(' {
			return s[:i]
		}
	}
	return s
}

// Fit estimates memory per GPU: weights sharded over the configuration's GPUs,
// and the KV pool left under --mem-fraction-static for the largest case's
// batch × (input + output) tokens.
func Fit(cfg plan.Config, info *modelinfo.Info, gpuMemGiB float64) *plan.MemoryFit {
	frac := DefaultMemFraction
	if v, ok := engine.FlagValue(cfg.Args, "--mem-fraction-static"); ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && f < 1 {
			frac = f
		}
	}
	gpus := max(1, cfg.GPUs)
	weights := float64(info.WeightBytes) / float64(gpus) / gib
	var tokens int64
	for _, c := range cfg.Cases {
		tokens = max(tokens, int64(c.BatchSize)*int64(c.InputLen+c.OutputLen))
	}
	kv := float64(tokens*info.KVBytesPerTokenPerGPU(cfg.TP, 2)) / gib
	budget := frac * gpuMemGiB
	pool := budget - weights
	f := &plan.MemoryFit{GPUMemoryGiB: gpuMemGiB, MemFraction: frac, WeightsPerGPUGiB: weights, KVPoolGiB: pool, KVNeededGiB: kv}
	switch {
	case pool <= 0:
		f.Verdict = "does not fit"
		f.Detail = fmt.Sprintf("weights %.1f GiB/GPU exceed %.2f × %.1f GiB = %.1f GiB (use more GPUs, a quantized checkpoint, or a larger --mem-fraction-static)", weights, frac, gpuMemGiB, budget)
	case pool < kv:
		f.Verdict = "does not fit"
		f.Detail = fmt.Sprintf("KV pool %.2f GiB/GPU after %.1f GiB of weights is smaller than the %.2f GiB the largest case needs", pool, weights, kv)
	case pool < 2*kv || pool < 4:
		f.Verdict = "tight"
		f.Detail = fmt.Sprintf("weights %.1f GiB/GPU leave a %.2f GiB KV pool for %.2f GiB needed (of %.1f GiB at fraction %.2f)", weights, pool, kv, gpuMemGiB, frac)
	default:
		f.Verdict = "fits"
		f.Detail = fmt.Sprintf("weights %.1f GiB/GPU, KV pool %.1f GiB for %.2f GiB needed (of %.1f GiB at fraction %.2f)", weights, pool, kv, gpuMemGiB, frac)
	}
	return f
}
