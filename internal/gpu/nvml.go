//go:build linux && cgo

package gpu

import (
	"context"
	"fmt"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// NVML reads GPUs through the NVIDIA Management Library (libnvidia-ml.so.1,
// loaded at run time; a host without it gets an error, not a crash).
type NVML struct{}

// Snapshot implements Source.
func (NVML) Snapshot(ctx context.Context) (snap *Snapshot, err error) {
	defer func() {
		if r := recover(); r != nil {
			snap, err = nil, fmt.Errorf("NVML: %v", r)
		}
	}()
	if ret := nvml.Init(); ret != nvml.SUCCESS {
		return nil, fmt.Errorf("NVML: %s", nvml.ErrorString(ret))
	}
	defer nvml.Shutdown()
	n, ret := nvml.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("NVML: %s", nvml.ErrorString(ret))
	}
	snap = &Snapshot{Source: "NVML"}
	snap.Driver, _ = nvml.SystemGetDriverVersion()
	for i := 0; i < n; i++ {
		d, ret := nvml.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			return nil, fmt.Errorf("NVML: device %d: %s", i, nvml.ErrorString(ret))
		}
		name, _ := d.GetName()
		uuid, _ := d.GetUUID()
		mem, _ := d.GetMemoryInfo()
		pci, _ := d.GetPciInfo()
		g := GPU{Index: i, UUID: uuid, Name: name, MemoryTotalMiB: int(mem.Total >> 20), MemoryUsedMiB: int(mem.Used >> 20)}
		g.BusID = fmt.Sprintf("%08x:%02x:%02x.0", pci.Domain, pci.Bus, pci.Device)
		if major, minor, ret := d.GetCudaComputeCapability(); ret == nvml.SUCCESS {
			g.ComputeCapability = fmt.Sprintf("%d.%d", major, minor)
		}
		snap.GPUs = append(snap.GPUs, g)
		procs, _ := d.GetComputeRunningProcesses()
		for _, p := range procs {
			snap.Procs = append(snap.Procs, Proc{PID: int(p.Pid), Name: procName(int(p.Pid)), UsedMiB: int(p.UsedGpuMemory >> 20), GPUUUID: uuid})
		}
	}
	return snap, nil
}
