package perfmodel

import (
	"fmt"

	"github.com/servesweep/servesweep/internal/modelinfo"
)

// Parallel is how a configuration splits the model over GPUs.
type Parallel struct {
	TP int `json:"tp"`
	EP int `json:"ep"`
	// DP counts independent replicas of TP GPUs each (SGLang's --dp-size
	// without DP attention): a batch is split between them.
	DP int `json:"dp"`
	// KVBytes is the KV cache element size: 2 (16-bit, the default) or 1 (FP8).
	KVBytes int `json:"kv_bytes"`
}

// Setup is a configuration reduced to the figures the physics needs: the
// device, the parallel layout and the model's bytes and FLOPs. It is plain
// data, so a plan, a run directory and the sim server carry it as JSON.
type Setup struct {
	Model    string   `json:"model"`  // the config.json it was read from
	Family   string   `json:"family"` // config.json model_type ("deepseek_v3", "llama")
	Quant    string   `json:"quant"`  // quantization method ("" for 16-bit weights)
	Device   Device   `json:"device"`
	Parallel Parallel `json:"parallel"`

	Layers  int `json:"layers"`
	Hidden  int `json:"hidden"`
	Heads   int `json:"heads"`
	HeadDim int `json:"head_dim"`
	Experts int `json:"experts,omitempty"`
	TopK    int `json:"experts_per_token,omitempty"`

	// SharedBytes are the weight bytes every decode step reads whatever the
	// batch: attention, dense MLPs, shared experts, routers, norms and the
	// output head — not the input embedding, a row lookup. ExpertBytes are the
	// bytes of one routed expert summed over the MoE layers.
	SharedBytes float64 `json:"shared_bytes"`
	ExpertBytes float64 `json:"expert_bytes,omitempty"`
	// ActiveParams are the parameters one token multiplies through (2 FLOPs each).
	ActiveParams float64 `json:"active_params"`
	// KVBytesPerToken is one token's KV cache on each GPU at this TP and KV dtype.
	KVBytesPerToken float64 `json:"kv_bytes_per_token"`
}

// NewSetup derives a Setup from a model's config.json figures.
func NewSetup(info *modelinfo.Info, dev Device, par Parallel) (Setup, error) {
	if info == nil || info.Layers <= 0 || info.Hidden <= 0 {
		return Setup{}, fmt.Errorf("model figures unknown")
	}
	if dev.MemGBps <= 0 || dev.PeakTFLOPS <= 0 {
		return Setup{}, fmt.Errorf("device %q has no memory bandwidth or peak", dev.Name)
	}
	par.TP, par.EP, par.DP = max(1, par.TP), max(1, par.EP), max(1, par.DP)
	if par.KVBytes <= 0 {
		par.KVBytes = 2
	}
	s := Setup{Model: info.Source, Family: info.ModelType, Device: dev, Parallel: par, Layers: info.Layers, Hidden: info.Hidden,
		Heads: info.Heads, HeadDim: info.HeadDim, Experts: info.Experts, TopK: info.ExpertsPerToken,
		ActiveParams: float64(info.ActiveParams), KVBytesPerToken: float64(info.KVBytesPerTokenPerGPU(par.TP, par.KVBytes))}
	if s.Family == "" {
		s.Family = info.Architecture
	}
	if q := info.Quantization; q != nil {
		s.Quant = q.Method
	}
	// Each component at the format's bits per weight when it is quantized, at
	// the checkpoint's dtype otherwise (a skip list that keeps part of a
	// component's layers wide is counted as quantized: a small under-count,
	// which keeps the bound a bound).
	wide := float64(weightDtypeBytes(info.WeightDtype))
	bytesOf := func(comp string) float64 {
		n := float64(info.Parts[comp])
		if info.Quantization.Covers(comp) {
			return n * info.Quantization.BitsPerWeight / 8
		}
		return n * wide
	}
	for comp := range info.Parts {
		switch comp {
		case modelinfo.CompEmbed, modelinfo.CompExperts, modelinfo.CompVision:
		default:
			s.SharedBytes += bytesOf(comp)
		}
	}
	if info.Parts[modelinfo.CompHead] == 0 { // tied embeddings: the head reads the embedding matrix
		s.SharedBytes += bytesOf(modelinfo.CompEmbed)
	}
	if info.Experts > 0 {
		s.ExpertBytes = bytesOf(modelinfo.CompExperts) / float64(info.Experts)
	}
	return s, nil
}

// weightDtypeBytes is the size of an unquantized weight.
func weightDtypeBytes(d string) int {
	switch d {
	case "float32":
		return 4
	case "float8_e4m3fn", "float8":
		return 1
	}
	return 2
}

// GPUs is the number of devices the configuration uses.
func (s Setup) GPUs() int { return s.Parallel.TP * s.Parallel.DP }

// Label describes the setup in one line: "H200 ×8 (TP8), fp8 matmuls, deepseek_v3".
func (s Setup) Label() string {
	par := fmt.Sprintf("TP%d", s.Parallel.TP)
	if s.Parallel.EP > 1 {
		par += fmt.Sprintf(" EP%d", s.Parallel.EP)
	}
	if s.Parallel.DP > 1 {
		par += fmt.Sprintf(" DP%d", s.Parallel.DP)
	}
	return fmt.Sprintf("%s ×%d (%s), %s matmuls, %s", s.Device.Name, s.GPUs(), par, s.Device.Dtype, s.Family)
}
