package perfmodel

import "math"

// Shape is one benchmark case: Batch prompts of InputLen tokens, each
// generating OutputLen tokens.
type Shape struct {
	Batch     int `json:"batch_size"`
	InputLen  int `json:"input_len"`
	OutputLen int `json:"output_len"`
}

// DecodeContext is the mean context length over a case's decode steps.
func (c Shape) DecodeContext() int { return c.InputLen + c.OutputLen/2 }

// replicaBatch is the sequences one replica serves when DP replicas split the batch.
func (s Setup) replicaBatch(batch int) float64 {
	dp := max(1, s.Parallel.DP)
	return math.Ceil(float64(max(1, batch)) / float64(dp))
}

// distinctExperts is the expected number of different routed experts per MoE
// layer that tokens tokens touch when each picks TopK of Experts uniformly:
// E·(1 − (1 − k/E)^tokens). One token reads k experts; a large batch all E.
func (s Setup) distinctExperts(tokens float64) float64 {
	if s.Experts <= 0 || s.TopK <= 0 {
		return 0
	}
	e, k := float64(s.Experts), float64(min(s.TopK, s.Experts))
	return e * (1 - math.Pow(1-k/e, tokens))
}

// weightBytesPerGPU is what one forward pass over tokens tokens must read of
// the weights on each GPU, split evenly over TP (the ideal split: replicated
// layers and uneven expert placement only add to it).
func (s Setup) weightBytesPerGPU(tokens float64) float64 {
	return (s.SharedBytes + s.ExpertBytes*s.distinctExperts(tokens)) / float64(max(1, s.Parallel.TP))
}

// DecodeBytesPerGPU is what one decode step of batch sequences at context ctx
// reads from memory on each GPU: the weights the batch touches and each
// sequence's KV cache.
func (s Setup) DecodeBytesPerGPU(batch, ctx int) float64 {
	b := s.replicaBatch(batch)
	return s.weightBytesPerGPU(b) + b*float64(ctx)*s.KVBytesPerToken
}

// DecodeBoundMs is the memory-bandwidth bound of one decode step: its bytes
// per GPU at the device's full memory bandwidth. No decode step can be faster.
func (s Setup) DecodeBoundMs(batch, ctx int) float64 {
	return s.DecodeBytesPerGPU(batch, ctx) / (s.Device.MemGBps * 1e9) * 1e3
}

// ITLBoundMs is the pure HBM-bandwidth bound of batch-1 decode at context ctx:
// one GPU's share of the active weights plus the context's KV cache, read at
// peak bandwidth.
func (s Setup) ITLBoundMs(ctx int) float64 { return s.DecodeBoundMs(1, ctx) }

// attnFLOPsPerToken is the attention math of one token against ctx earlier
// tokens over all layers: QKᵀ and PV, 2 FLOPs per multiply-add each.
func (s Setup) attnFLOPsPerToken(ctx float64) float64 {
	return 4 * float64(s.Layers) * float64(s.Heads) * float64(s.HeadDim) * ctx
}

// DecodeFLOPsPerGPU is one decode step's math on each GPU.
func (s Setup) DecodeFLOPsPerGPU(batch, ctx int) float64 {
	b := s.replicaBatch(batch)
	return b * (2*s.ActiveParams + s.attnFLOPsPerToken(float64(ctx))) / float64(max(1, s.Parallel.TP))
}

// PrefillFLOPsPerGPU is the math of prefilling batch prompts of inputLen
// tokens on each GPU: 2 FLOPs per active parameter per token, and causal
// attention (each token against the tokens before it: inputLen²/2 pairs).
func (s Setup) PrefillFLOPsPerGPU(batch, inputLen int) float64 {
	b, l := s.replicaBatch(batch), float64(max(1, inputLen))
	return b * (2*s.ActiveParams*l + s.attnFLOPsPerToken(l/2)*l) / float64(max(1, s.Parallel.TP))
}

// PrefillBoundMs is the compute bound of a prefill: its FLOPs at the
// device's dense peak for the weights' dtype, or its weight reads at full
// bandwidth when that is longer (short prompts).
func (s Setup) PrefillBoundMs(batch, inputLen int) float64 {
	flops := s.PrefillFLOPsPerGPU(batch, inputLen) / (s.Device.PeakTFLOPS * 1e12) * 1e3
	mem := s.weightBytesPerGPU(s.replicaBatch(batch)*float64(max(1, inputLen))) / (s.Device.MemGBps * 1e9) * 1e3
	return math.Max(flops, mem)
}

// AllReduceMs is the tensor-parallel communication of one forward pass over
// tokens tokens: two all-reduces per layer (after attention, after the MLP)
// of tokens × hidden 16-bit values, each a fixed latency plus a ring's
// 2(TP−1)/TP of the message over the link. Zero at TP1.
func (s Setup) AllReduceMs(tokens float64) float64 {
	tp := float64(s.Parallel.TP)
	if tp <= 1 {
		return 0
	}
	bytes := tokens * float64(s.Hidden) * 2
	one := s.Device.LinkLatencyUs/1e3 + 2*(tp-1)/tp*bytes/(s.Device.LinkGBps*1e9)*1e3
	return 2 * float64(s.Layers) * one
}
