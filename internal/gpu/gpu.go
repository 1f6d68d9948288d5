// Package gpu discovers the host's GPUs (NVML through go-nvml, nvidia-smi as
// the fallback), checks that a configuration's GPUs are free before a launch,
// and waits — without fixed sleeps — until a stopped server's memory is
// released. On a machine with no GPU every call says "no GPU" cleanly.
package gpu

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GPU is one device.
type GPU struct {
	Index          int    `json:"index"`
	UUID           string `json:"uuid"`
	Name           string `json:"name"`
	MemoryTotalMiB int    `json:"memory_total_mib"`
	MemoryUsedMiB  int    `json:"memory_used_mib"`
	BusID          string `json:"pci_bus_id,omitempty"`
	// ComputeCapability is the CUDA compute capability ("9.0"), when known.
	ComputeCapability string `json:"compute_capability,omitempty"`
}

// Proc is a process holding GPU memory.
type Proc struct {
	PID     int    `json:"pid"`
	Name    string `json:"name"`
	UsedMiB int    `json:"used_mib"`
	GPUUUID string `json:"gpu_uuid"`
}

// Snapshot is the state of the host's GPUs at one moment.
type Snapshot struct {
	Source   string     `json:"source"` // "NVML" or "nvidia-smi"
	Driver   string     `json:"driver,omitempty"`
	GPUs     []GPU      `json:"gpus"`
	Procs    []Proc     `json:"processes"`
	Topology [][]string `json:"topology,omitempty"` // link kind between GPU i and j: X, NV18, SYS, PHB...
}

// Source reads snapshots.
type Source interface {
	Snapshot(ctx context.Context) (*Snapshot, error)
}

// ErrNoGPU is returned when neither NVML nor nvidia-smi finds a GPU.
var ErrNoGPU = errors.New("no GPU")

// Discover returns a snapshot from the first source that works.
func Discover(ctx context.Context, sources ...Source) (*Snapshot, error) {
	var msgs []string
	for _, s := range sources {
		snap, err := s.Snapshot(ctx)
		if err == nil && len(snap.GPUs) > 0 {
			return snap, nil
		}
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	return nil, fmt.Errorf("%w (%s)", ErrNoGPU, strings.Join(msgs, "; "))
}

// BusyMiB is the memory above which a GPU counts as in use (driver and context overhead stays below).
const BusyMiB = 1024

// CheckFree returns an error naming what holds any of the GPUs in indices.
func CheckFree(ctx context.Context, src Source, indices []int) error {
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return err
	}
	return busy(snap, indices)
}

func busy(snap *Snapshot, indices []int) error {
	var problems []string
	for _, g := range snap.GPUs {
		if !slices.Contains(indices, g.Index) {
			continue
		}
		var holders []string
		for _, p := range snap.Procs {
			if p.GPUUUID == g.UUID {
				holders = append(holders, fmt.Sprintf("pid %d (%s) %d MiB", p.PID, p.Name, p.UsedMiB))
			}
		}
		if len(holders) > 0 || g.MemoryUsedMiB > BusyMiB {
			msg := fmt.Sprintf("GPU %d has %d MiB in use", g.Index, g.MemoryUsedMiB)
			if len(holders) > 0 {
				msg += " by " + strings.Join(holders, ", ")
			}
			problems = append(problems, msg)
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// WaitReleased polls until the GPUs in indices are free or timeout passes;
// it returns how long the release took.
func WaitReleased(ctx context.Context, src Source, indices []int, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	delay := 20 * time.Millisecond
	for {
		snap, err := src.Snapshot(ctx)
		if err != nil {
			return time.Since(start), err
		}
		err = busy(snap, indices)
		if err == nil {
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			return time.Since(start), fmt.Errorf("GPU memory not released %s after the server stopped: %v", timeout, err)
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 200*time.Millisecond)
	}
}

// Visible is the CUDA_VISIBLE_DEVICES value for indices.
func Visible(indices []int) string {
	s := make([]string, len(indices))
	for i, x := range indices {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

// procName reads a process's command name from /proc ("" when unknown, e.g. another container's pid).
func procName(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
