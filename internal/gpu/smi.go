package gpu

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// SMI reads GPUs with nvidia-smi. Run executes it (tests replace it).
type SMI struct {
	Run func(ctx context.Context, args ...string) ([]byte, error)
}

// NewSMI returns an SMI source that runs the real nvidia-smi.
func NewSMI() SMI {
	return SMI{Run: func(ctx context.Context, args ...string) ([]byte, error) {
		return exec.CommandContext(ctx, "nvidia-smi", args...).Output()
	}}
}

// Snapshot implements Source.
func (s SMI) Snapshot(ctx context.Context) (*Snapshot, error) {
	out, err := s.Run(ctx, "--query-gpu=index,uuid,name,memory.total,memory.used,pci.bus_id,driver_version", "--format=csv,noheader,nounits")
	if err != nil {
		return nil, fmt.Errorf("nvidia-smi: %v", err)
	}
	snap := &Snapshot{Source: "nvidia-smi"}
	snap.GPUs, snap.Driver, err = ParseQueryGPU(string(out))
	if err != nil {
		return nil, err
	}
	if out, err := s.Run(ctx, "--query-gpu=index,compute_cap", "--format=csv,noheader,nounits"); err == nil {
		applyComputeCap(snap.GPUs, string(out)) // drivers before 510 lack compute_cap: left empty
	}
	if out, err := s.Run(ctx, "--query-compute-apps=pid,process_name,used_memory,gpu_uuid", "--format=csv,noheader,nounits"); err == nil {
		snap.Procs, _ = ParseComputeApps(string(out))
	}
	if len(snap.GPUs) > 1 {
		if out, err := s.Run(ctx, "topo", "-m"); err == nil {
			snap.Topology = ParseTopo(string(out), len(snap.GPUs))
		}
	}
	return snap, nil
}

func fields(line string) []string {
	f := strings.Split(line, ",")
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return f
}

// ParseQueryGPU parses --query-gpu=index,uuid,name,memory.total,memory.used,pci.bus_id,driver_version.
func ParseQueryGPU(out string) ([]GPU, string, error) {
	var gpus []GPU
	driver := ""
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := fields(line)
		if len(f) < 5 {
			return nil, "", fmt.Errorf("nvidia-smi: unexpected line %q", line)
		}
		idx, err1 := strconv.Atoi(f[0])
		total, err2 := strconv.Atoi(f[3])
		used, err3 := strconv.Atoi(f[4])
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, "", fmt.Errorf("nvidia-smi: unexpected numbers in %q", line)
		}
		g := GPU{Index: idx, UUID: f[1], Name: f[2], MemoryTotalMiB: total, MemoryUsedMiB: used}
		if len(f) > 5 {
			g.BusID = f[5]
		}
		if len(f) > 6 {
			driver = f[6]
		}
		gpus = append(gpus, g)
	}
	return gpus, driver, nil
}

// ParseComputeApps parses --query-compute-apps=pid,process_name,used_memory,gpu_uuid.
func ParseComputeApps(out string) ([]Proc, error) {
	var ps []Proc
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := fields(line)
		if len(f) < 4 || f[0] == "" {
			continue
		}
		pid, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		used, _ := strconv.Atoi(f[2])
		ps = append(ps, Proc{PID: pid, Name: f[1], UsedMiB: used, GPUUUID: f[3]})
	}
	return ps, nil
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// ParseTopo reads the GPU×GPU block of `nvidia-smi topo -m` (ANSI escapes stripped).
func ParseTopo(out string, n int) [][]string {
	out = ansi.ReplaceAllString(out, "")
	m := make([][]string, n)
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < n+1 || !strings.HasPrefix(f[0], "GPU") {
			continue
		}
		i, err := strconv.Atoi(strings.TrimPrefix(f[0], "GPU"))
		if err != nil || i < 0 || i >= n {
			continue
		}
		m[i] = f[1 : n+1]
	}
	for _, row := range m {
		if row == nil {
			return nil
		}
	}
	return m
}

// applyComputeCap fills ComputeCapability from --query-gpu=index,compute_cap lines ("0, 9.0").
func applyComputeCap(gpus []GPU, out string) {
	for _, line := range strings.Split(out, "\n") {
		f := fields(line)
		if len(f) != 2 {
			continue
		}
		i, err := strconv.Atoi(f[0])
		if err != nil || i < 0 || i >= len(gpus) || gpus[i].Index != i {
			continue
		}
		if _, err := strconv.ParseFloat(f[1], 64); err == nil {
			gpus[i].ComputeCapability = f[1]
		}
	}
}
