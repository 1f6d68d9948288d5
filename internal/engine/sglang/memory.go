package sglang

import "github.com/servesweep/servesweep/internal/engine/rules"

// MemFraction implements rules.MemoryModel: --mem-fraction-static when given,
// else SGLang's default for the GPU and TP (python/sglang/srt/server_args.py
// ServerArgs._handle_gpu_memory_settings, v0.5.4+; arg_groups/memory_hook.py
// handle_gpu_memory_settings in 2026).
func (Engine) MemFraction(gpuMemGiB float64, tp int, args []string) (float64, string) {
	if f, ok := rules.FlagFraction(args, "--mem-fraction-static"); ok {
		return f, "--mem-fraction-static"
	}
	return defaultMemFraction(gpuMemGiB, tp), "SGLang's default for this GPU and TP"
}

// sglangMemFraction reproduces SGLang's default --mem-fraction-static: reserve
// 512 MiB + 1.5 × max(chunked_prefill_size, 2048) + 2 × cuda_graph_max_bs +
// tp/8 GiB, at least 10 GiB on GPUs over 60 GiB.
func defaultMemFraction(gpuMemGiB float64, tp int) float64 {
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
