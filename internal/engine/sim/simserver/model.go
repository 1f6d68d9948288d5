package simserver

import (
	"hash/fnv"
	"math"
)

// Speed is the modelled cost of one request, in modelled (unscaled) time.
type Speed struct {
	PrefillUsPerToken float64
	DecodeStepMs      float64
	// Shares of a decode step by kernel family, for the traces.
	Shares map[string]float64
}

// backendFactor is how much a MoE backend stretches a decode step at batch 1.
var backendFactor = map[string]float64{
	"":                   1.0,
	"auto":               1.0,
	"flashinfer_trtllm":  0.93,
	"flashinfer_cutlass": 1.0,
	"triton":             1.08,
	"deep_gemm":          0.97,
	"cutlass":            1.02,
}

// modelFactor gives each model a stable size factor in [0.8, 1.6) from its path.
func modelFactor(path string) float64 {
	h := fnv.New32a()
	h.Write([]byte(path))
	return 0.8 + float64(h.Sum32()%80)/100
}

// SpeedOf models a server's speed from TP size, EP size and MoE backend: compute
// shrinks with TP while communication grows with log2(TP).
func SpeedOf(o Options) Speed {
	mf := modelFactor(o.ModelPath)
	tp := float64(o.TP)
	bf, ok := backendFactor[o.MoEBackend]
	if !ok {
		bf = 1.05
	}
	comm := 0.0
	if o.TP > 1 {
		comm = 0.35 * math.Log2(tp)
	}
	compute := 30 * mf / math.Pow(tp, 0.7)
	moe := compute * 0.45 * bf
	gemm := compute * 0.35
	if o.Dense {
		gemm, moe = gemm+compute*0.45, 0
	}
	attn := compute * 0.20
	step := moe + gemm + attn + comm + 0.1
	s := Speed{
		PrefillUsPerToken: 200 * mf / math.Pow(tp, 0.9),
		DecodeStepMs:      step,
		Shares: map[string]float64{
			"moe": moe / step, "gemm": gemm / step, "attention": attn / step,
			"communication": comm / step, "other": 0.1 / step,
		},
	}
	if o.TTFTPerTokenUs > 0 {
		s.PrefillUsPerToken = o.TTFTPerTokenUs
	}
	if o.ITLMs > 0 {
		s.DecodeStepMs = o.ITLMs
	}
	s.PrefillUsPerToken *= o.Slowdown
	s.DecodeStepMs *= o.Slowdown
	return s
}
