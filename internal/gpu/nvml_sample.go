//go:build linux && cgo

package gpu

import (
	"context"
	"fmt"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// nvmlSampler samples GPUs through NVML, initialised once for its lifetime.
type nvmlSampler struct{}

// OpenSampler initialises NVML for sampling; ErrNoSampler (wrapped with the
// driver's reason) on a host without an NVIDIA driver or GPU.
func OpenSampler() (s Sampler, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w: NVML: %v", ErrNoSampler, r)
		}
	}()
	if ret := nvml.Init(); ret != nvml.SUCCESS {
		return nil, fmt.Errorf("%w: NVML: %s", ErrNoSampler, nvml.ErrorString(ret))
	}
	if n, ret := nvml.DeviceGetCount(); ret != nvml.SUCCESS || n == 0 {
		nvml.Shutdown()
		return nil, fmt.Errorf("%w: NVML sees no device", ErrNoSampler)
	}
	return nvmlSampler{}, nil
}

// Sample implements Sampler: utilisation, memory, power, SM clock and the
// energy counter of each GPU in indices (host indices, as CUDA_VISIBLE_DEVICES
// names them).
func (nvmlSampler) Sample(ctx context.Context, indices []int) ([]Reading, error) {
	out := make([]Reading, 0, len(indices))
	for _, i := range indices {
		d, ret := nvml.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			return out, fmt.Errorf("NVML: device %d: %s", i, nvml.ErrorString(ret))
		}
		out = append(out, readDevice(i, d))
	}
	return out, nil
}

func readDevice(i int, d nvml.Device) Reading {
	r := Reading{Index: i}
	f := func(v float64) *float64 { return &v }
	if u, ret := d.GetUtilizationRates(); ret == nvml.SUCCESS {
		r.UtilPct, r.MemUtilPct = f(float64(u.Gpu)), f(float64(u.Memory))
	}
	if m, ret := d.GetMemoryInfo(); ret == nvml.SUCCESS {
		r.MemUsedMiB = f(float64(m.Used) / (1 << 20))
	}
	if p, ret := d.GetPowerUsage(); ret == nvml.SUCCESS { // milliwatts
		r.PowerW = f(float64(p) / 1e3)
	}
	if c, ret := d.GetClockInfo(nvml.CLOCK_SM); ret == nvml.SUCCESS {
		r.SMClockMHz = f(float64(c))
	}
	if e, ret := d.GetTotalEnergyConsumption(); ret == nvml.SUCCESS { // millijoules
		r.EnergyJ = f(float64(e) / 1e3)
	}
	return r
}

// Close implements Sampler.
func (nvmlSampler) Close() error {
	if ret := nvml.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("NVML: %s", nvml.ErrorString(ret))
	}
	return nil
}
