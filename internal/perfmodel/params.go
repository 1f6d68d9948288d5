package perfmodel

import "math"

// Params are the efficiency factors that turn the physical bounds into a
// prediction. Each is a property of an engine (and its version) on a device
// for a model family; `servesweep calibrate` fits them to measured runs.
type Params struct {
	// BWEff is the fraction of peak memory bandwidth a decode step's reads reach.
	BWEff float64 `json:"bw_eff"`
	// FLOPEff is the fraction of the dense peak the matmuls reach (prefill,
	// large-batch decode): the model FLOPs utilisation.
	FLOPEff float64 `json:"flop_eff"`
	// LayerUs is a fixed cost per layer per forward pass, in µs: kernel
	// launches, norms, rotary embeddings, MoE routing — work that does not
	// shrink with bandwidth.
	LayerUs float64 `json:"layer_us"`
	// StepMs is a fixed cost per decode step, in ms: scheduling, sampling,
	// detokenizing and streaming the token.
	StepMs float64 `json:"step_ms"`
	// PrefillMs is a fixed cost per prefill, in ms: batch assembly, scheduling.
	PrefillMs float64 `json:"prefill_ms"`
	// CommScale multiplies the all-reduce model (latency and bandwidth terms).
	CommScale float64 `json:"comm_scale"`
}

// Uncalibrated defaults and the range each is expected in. They are round
// figures, not measurements: memory-bound GEMV kernels reach 70–90% of HBM
// bandwidth in microbenchmarks and whole decode steps less; large-model
// prefill reaches 40–60% MFU; a CUDA-graph replayed layer costs tens of µs of
// fixed overhead (hundreds for small-batch MoE with unfused routing); a
// scheduler step well under a millisecond on a GPU server (more on a CPU).
// The interval of an uncalibrated prediction spans the optimistic and the
// pessimistic ends of these ranges.
var (
	Defaults    = Params{BWEff: 0.70, FLOPEff: 0.45, LayerUs: 40, StepMs: 0.5, PrefillMs: 5, CommScale: 1}
	Optimistic  = Params{BWEff: 0.90, FLOPEff: 0.70, LayerUs: 10, StepMs: 0.1, PrefillMs: 1, CommScale: 0.5}
	Pessimistic = Params{BWEff: 0.45, FLOPEff: 0.25, LayerUs: 250, StepMs: 5, PrefillMs: 50, CommScale: 3}
)

// paramNames index Params as a vector, for fitting.
var paramNames = []string{"bw_eff", "flop_eff", "layer_us", "step_ms", "prefill_ms", "comm_scale"}

func (p Params) vec() []float64 {
	return []float64{p.BWEff, p.FLOPEff, p.LayerUs, p.StepMs, p.PrefillMs, p.CommScale}
}

func fromVec(v []float64) Params {
	return Params{BWEff: v[0], FLOPEff: v[1], LayerUs: v[2], StepMs: v[3], PrefillMs: v[4], CommScale: v[5]}
}

// upper limits of the factors that are fractions of a peak.
var paramMax = []float64{1, 1, math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)}

// DecodeTimeMs predicts one decode step of batch sequences at context ctx: the
// longer of the memory time (bytes at BWEff of the bandwidth) and the math
// time (FLOPs at FLOPEff of the peak), plus the all-reduces, a fixed cost per
// layer and one per step.
func (p Params) DecodeTimeMs(s Setup, batch, ctx int) float64 {
	mem := s.DecodeBoundMs(batch, ctx) / p.BWEff
	math_ := s.DecodeFLOPsPerGPU(batch, ctx) / (s.Device.PeakTFLOPS * 1e12 * p.FLOPEff) * 1e3
	return math.Max(mem, math_) + p.CommScale*s.AllReduceMs(s.replicaBatch(batch)) + float64(s.Layers)*p.LayerUs/1e3 + p.StepMs
}

// PrefillTimeMs predicts the prefill of batch prompts of inputLen tokens in one
// forward pass: the longer of math and weight reads, the all-reduces of every
// token, a fixed cost per layer and one per prefill.
func (p Params) PrefillTimeMs(s Setup, batch, inputLen int) float64 {
	tokens := s.replicaBatch(batch) * float64(max(1, inputLen))
	flops := s.PrefillFLOPsPerGPU(batch, inputLen) / (s.Device.PeakTFLOPS * 1e12 * p.FLOPEff) * 1e3
	mem := s.weightBytesPerGPU(tokens) / (s.Device.MemGBps * 1e9 * p.BWEff) * 1e3
	return math.Max(flops, mem) + p.CommScale*s.AllReduceMs(tokens) + float64(s.Layers)*p.LayerUs/1e3 + p.PrefillMs
}
