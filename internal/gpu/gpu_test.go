package gpu

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSMI answers like nvidia-smi from recorded outputs (shared/reference/gpus.md).
func fakeSMI(t *testing.T, apps string) SMI {
	read := func(n string) []byte {
		b, err := os.ReadFile("testdata/" + n)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return SMI{Run: func(ctx context.Context, args ...string) ([]byte, error) {
		switch {
		case args[0] == "--query-gpu=index,compute_cap":
			return []byte("0, 9.0\n1, 9.0\n"), nil
		case strings.HasPrefix(args[0], "--query-gpu"):
			return read("query-gpu.csv"), nil
		case strings.HasPrefix(args[0], "--query-compute-apps"):
			return []byte(apps), nil
		case args[0] == "topo":
			return read("topo.txt"), nil
		}
		return nil, errors.New("unexpected")
	}}
}

func TestSMISnapshot(t *testing.T) {
	apps, _ := os.ReadFile("testdata/compute-apps.csv")
	snap, err := fakeSMI(t, string(apps)).Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.GPUs) != 2 || snap.GPUs[0].Name != "NVIDIA H200" || snap.GPUs[0].MemoryTotalMiB != 143771 || snap.Driver != "580.159.04" {
		t.Fatalf("%+v", snap)
	}
	if snap.GPUs[0].ComputeCapability != "9.0" || snap.GPUs[1].ComputeCapability != "9.0" {
		t.Fatalf("compute capability %+v", snap.GPUs)
	}
	if len(snap.Procs) != 1 || snap.Procs[0].PID != 4242 || snap.Procs[0].UsedMiB != 20480 {
		t.Fatalf("procs %+v", snap.Procs)
	}
	if snap.Topology == nil || snap.Topology[0][1] != "NV18" || snap.Topology[1][1] != "X" {
		t.Fatalf("topology %v", snap.Topology)
	}
	if err := busy(snap, []int{0}); err != nil {
		t.Fatalf("GPU 0 is free: %v", err)
	}
	err = busy(snap, []int{0, 1})
	if err == nil || !strings.Contains(err.Error(), "GPU 1 has 21004 MiB in use by pid 4242 (python3) 20480 MiB") {
		t.Fatalf("busy: %v", err)
	}
}

func TestDiscoverNoGPU(t *testing.T) {
	none := SMI{Run: func(ctx context.Context, args ...string) ([]byte, error) {
		return nil, errors.New(`exec: "nvidia-smi": executable file not found in $PATH`)
	}}
	_, err := Discover(context.Background(), NVML{}, none)
	if !errors.Is(err, ErrNoGPU) || !strings.Contains(err.Error(), "nvidia-smi") {
		t.Fatalf("got %v", err)
	}
}

// release is a Source whose memory drops after n snapshots, as a killed process's does.
type release struct{ n, calls atomic.Int32 }

func (r *release) Snapshot(ctx context.Context) (*Snapshot, error) {
	c := r.calls.Add(1)
	used := 21004
	var procs []Proc
	if c > r.n.Load() {
		used = 0
	} else {
		procs = []Proc{{PID: 7, Name: "sglang::scheduler", UsedMiB: 20480, GPUUUID: "u0"}}
	}
	return &Snapshot{GPUs: []GPU{{Index: 0, UUID: "u0", MemoryTotalMiB: 81559, MemoryUsedMiB: used}}, Procs: procs}, nil
}

func TestWaitReleased(t *testing.T) {
	r := &release{}
	r.n.Store(3)
	d, err := WaitReleased(context.Background(), r, []int{0}, 5*time.Second)
	if err != nil || r.calls.Load() != 4 || d > 2*time.Second {
		t.Fatalf("released after %v in %d polls: %v", d, r.calls.Load(), err)
	}
	r = &release{}
	r.n.Store(1 << 30)
	_, err = WaitReleased(context.Background(), r, []int{0}, 150*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "not released") || !strings.Contains(err.Error(), "sglang::scheduler") {
		t.Fatalf("timeout: %v", err)
	}
	if Visible([]int{0, 1, 5}) != "0,1,5" {
		t.Fatal(Visible([]int{0, 1, 5}))
	}
}

func FuzzParseQueryGPU(f *testing.F) {
	b, _ := os.ReadFile("testdata/query-gpu.csv")
	f.Add(string(b))
	f.Fuzz(func(t *testing.T, s string) {
		gpus, _, err := ParseQueryGPU(s)
		if err == nil {
			for _, g := range gpus {
				_ = g.Name
			}
		}
		ParseTopo(s, 2)
		ParseComputeApps(s)
	})
}
