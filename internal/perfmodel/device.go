package perfmodel

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
)

// Device is what the model needs of one accelerator (or of the CPU): its
// memory bandwidth, its peak for the weights' math dtype and its link.
type Device struct {
	Name string `json:"name"` // catalog name ("H200") or "CPU"
	// MemGBps is the memory bandwidth in GB/s (10^9 bytes): HBM for a GPU, DRAM for the CPU.
	MemGBps float64 `json:"mem_gb_s"`
	// PeakTFLOPS is the dense peak of the dtype the matmuls run in (Dtype).
	PeakTFLOPS float64 `json:"peak_tflops"`
	Dtype      string  `json:"dtype"` // bf16 | fp8 | fp4 | fp32 (CPU)
	// LinkGBps is the GPU-to-GPU bandwidth per direction in GB/s; LinkLatencyUs
	// the fixed cost of one small all-reduce.
	LinkGBps      float64 `json:"link_gb_s"`
	LinkLatencyUs float64 `json:"link_latency_us"`
	// Source says where the figures come from (datasheet, measured, default).
	Source string `json:"source"`
}

// Link defaults. The catalog gives NVLink/Infinity Fabric bandwidth per GPU
// bidirectional; an all-reduce ring sends in one direction, so half is used.
// Without NVLink the GPUs talk over PCIe: ~25 GB/s per direction is what a
// Gen4 x16 slot delivers (Gen5 doubles it). Latencies are the order of one
// small all-reduce with a custom kernel (SGLang's custom all-reduce, NCCL's
// LL protocol): a few µs on NVLink, tens over PCIe — uncalibrated defaults.
const (
	pcieGBps         = 25
	nvlinkLatencyUs  = 8
	pcieLatencyUs    = 20
	cpuGFLOPSPerCore = 32 // AVX2: 2 FMA units × 8 fp32 lanes × 2 flops × ~1 GHz sustained (conservative)
	cpuDefaultGBps   = 20 // a conservative dual-channel DDR4 figure, when measuring fails
)

// MathDtype is the dtype the model's matmuls run in: FP8 checkpoints use FP8
// tensor cores (block-scaled W8A8 GEMMs), FP4 ones FP4 where the GPU has them;
// weight-only INT4/INT8 formats dequantize to BF16.
func MathDtype(info *modelinfo.Info) string {
	q := info.Quantization
	switch {
	case q == nil || q.Unknown || !q.Float:
		return "bf16"
	case q.Bits == 8:
		return "fp8"
	case q.Bits == 4:
		return "fp4"
	}
	return "bf16"
}

// FromCatalog describes a catalog GPU for a model whose matmuls run in dtype;
// a dtype the GPU lacks falls back to the next wider one it has.
func FromCatalog(g hardware.GPU, dtype string) Device {
	d := Device{Name: g.Name, MemGBps: g.HBMTBps * 1000, LinkGBps: g.LinkGBps / 2, LinkLatencyUs: nvlinkLatencyUs,
		Source: "datasheet: " + g.Source}
	if g.LinkGBps == 0 {
		d.LinkGBps, d.LinkLatencyUs = pcieGBps, pcieLatencyUs
	}
	switch {
	case dtype == "fp4" && g.FP4TFLOPS > 0:
		d.PeakTFLOPS, d.Dtype = g.FP4TFLOPS, "fp4"
	case (dtype == "fp4" || dtype == "fp8") && g.FP8TFLOPS > 0:
		d.PeakTFLOPS, d.Dtype = g.FP8TFLOPS, "fp8"
	default:
		d.PeakTFLOPS, d.Dtype = g.BF16TFLOPS, "bf16"
	}
	return d
}

// CPU describes this machine's CPU as a device: its memory bandwidth measured
// (a parallel copy, best of three) or, when that fails, a conservative default,
// and a conservative fp32 peak from the core count. Source says which.
func CPU() Device {
	gbps, how := measuredBandwidth()
	cores := runtime.NumCPU()
	return Device{Name: "CPU", MemGBps: gbps, PeakTFLOPS: float64(cores) * cpuGFLOPSPerCore / 1000, Dtype: "fp32",
		Source: fmt.Sprintf("CPU: memory bandwidth %.1f GB/s %s; peak %d cores × %d GFLOPS (conservative AVX2 figure)", gbps, how, cores, cpuGFLOPSPerCore)}
}

var measuredBandwidth = sync.OnceValues(func() (float64, string) {
	gbps := MeasureMemBandwidth(16<<20, 3)
	if gbps < 1 {
		return cpuDefaultGBps, fmt.Sprintf("(conservative default: the measurement gave %.2f GB/s)", gbps)
	}
	return gbps, "(measured: parallel copy of 16 MiB per core, up to 8 cores, best of 3)"
})

// MeasureMemBandwidth copies size bytes per goroutine, one goroutine per core
// (at most 8, which saturate a socket's memory channels), passes times, and
// returns the best rate in GB/s (bytes read + written).
func MeasureMemBandwidth(size, passes int) float64 {
	n := min(8, max(1, runtime.GOMAXPROCS(0)))
	src, dst := make([][]byte, n), make([][]byte, n)
	for i := range src {
		src[i], dst[i] = make([]byte, size), make([]byte, size)
		for j := 0; j < size; j += 4096 {
			src[i][j] = byte(j) // touch every page before timing
			dst[i][j] = 0
		}
	}
	best := 0.0
	for p := 0; p < passes; p++ {
		var wg sync.WaitGroup
		t0 := time.Now()
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) { defer wg.Done(); copy(dst[i], src[i]) }(i)
		}
		wg.Wait()
		if s := time.Since(t0).Seconds(); s > 0 {
			best = max(best, float64(2*size*n)/s/1e9)
		}
	}
	return best
}
