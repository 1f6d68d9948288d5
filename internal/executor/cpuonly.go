package executor

import "github.com/servesweep/servesweep/internal/results"

// cpuOnly prepares a configuration that uses no GPU on a host that has some:
// no free check, no GPU ids, no release wait, and the GPUs hidden from the
// server (CUDA_VISIBLE_DEVICES and HIP_VISIBLE_DEVICES empty) unless the
// configuration pins them, so that what it measures, and what it is charged
// (cpu_hour_price), is a CPU-only server. An engine that can use a visible
// GPU even with no layer on it (ggml offloads large batched matrix products
// to a GPU backend it finds) would otherwise borrow it.
func (x *execution) cpuOnly() results.Server {
	for _, k := range []string{"CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"} {
		if _, pinned := x.cfg.Env[k]; !pinned {
			x.env = append(x.env, k+"=")
		}
	}
	x.progress("%s: uses no GPU: GPUs hidden from the server", x.cfg.ID)
	return x.rec
}
