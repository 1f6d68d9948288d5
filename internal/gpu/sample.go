package gpu

import (
	"context"
	"errors"
)

// Reading is one GPU's state at one moment, as a sampler reads it. A field
// the driver does not report is nil.
type Reading struct {
	Index int `json:"index"`
	// UtilPct is the percentage of time a kernel ran over the driver's last
	// sample period; MemUtilPct the same for memory reads and writes.
	UtilPct    *float64 `json:"util_pct,omitempty"`
	MemUtilPct *float64 `json:"mem_util_pct,omitempty"`
	MemUsedMiB *float64 `json:"mem_used_mib,omitempty"`
	PowerW     *float64 `json:"power_w,omitempty"`
	SMClockMHz *float64 `json:"sm_clock_mhz,omitempty"`
	// EnergyJ is the total energy counter since the driver loaded
	// (nvmlDeviceGetTotalEnergyConsumption, Volta and later), in joules.
	EnergyJ *float64 `json:"energy_j,omitempty"`
}

// Sampler reads the state of some of the host's GPUs on demand. Close
// releases it. Tests use a fake; NVMLSampler reads the driver.
type Sampler interface {
	Sample(ctx context.Context, indices []int) ([]Reading, error)
	Close() error
}

// ErrNoSampler is returned by OpenSampler when no GPU can be sampled.
var ErrNoSampler = errors.New("no GPU to sample")

// Values flattens a reading into named values (the keys of a telemetry record).
func (r Reading) Values() map[string]float64 {
	out := map[string]float64{}
	for k, v := range map[string]*float64{"util_pct": r.UtilPct, "mem_util_pct": r.MemUtilPct, "mem_used_mib": r.MemUsedMiB,
		"power_w": r.PowerW, "sm_clock_mhz": r.SMClockMHz, "energy_j": r.EnergyJ} {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}
