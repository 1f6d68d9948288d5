package executor

import (
	"context"
	"slices"
	"testing"

	"github.com/servesweep/servesweep/internal/engine/ollama"
	"github.com/servesweep/servesweep/internal/gpu"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

// busyGPU is a host whose one GPU another process holds.
type busyGPU struct{}

func (busyGPU) Snapshot(context.Context) (*gpu.Snapshot, error) {
	return &gpu.Snapshot{Source: "test", GPUs: []gpu.GPU{{Index: 0, UUID: "GPU-0", Name: "H200", MemoryTotalMiB: 143771, MemoryUsedMiB: 40000}},
		Procs: []gpu.Proc{{PID: 1, GPUUUID: "GPU-0", UsedMiB: 39000}}}, nil
}

func TestCPUOnlyConfigurationHidesTheGPUsAndSkipsTheirChecks(t *testing.T) {
	var emitted []results.Result
	job := func(gpus int, env map[string]string) Job {
		return Job{Config: plan.Config{ID: "c", GPUs: gpus, Env: env, Cases: []plan.Case{{BatchSize: 1, InputLen: 8, OutputLen: 4}}},
			Engine: ollama.Engine{}, Dir: t.TempDir(), Emit: func(r results.Result) error { emitted = append(emitted, r); return nil }}
	}
	l := Local{GPUs: busyGPU{}, GPUCount: 1}

	x := newExecution(l, job(0, nil))
	if _, ok := x.assignGPUs(context.Background()); !ok {
		t.Fatalf("a CPU-only configuration must not wait for a busy GPU: %+v", emitted)
	}
	if !slices.Contains(x.env, "CUDA_VISIBLE_DEVICES=") || len(x.gpuIDs) != 0 || x.rec.GPUIDs != nil {
		t.Fatalf("GPUs must be hidden and none assigned: env %q, ids %v", x.env, x.gpuIDs)
	}

	x = newExecution(l, job(0, map[string]string{"CUDA_VISIBLE_DEVICES": "0"}))
	x.assignGPUs(context.Background())
	if slices.Contains(x.env, "CUDA_VISIBLE_DEVICES=") {
		t.Fatalf("a pinned CUDA_VISIBLE_DEVICES stays the user's: %q", x.env)
	}

	x = newExecution(l, job(1, nil))
	if _, ok := x.assignGPUs(context.Background()); ok || len(emitted) != 1 || emitted[0].FailureKind != results.KindGPUBusy {
		t.Fatalf("a configuration on the GPU must be refused while it is held: %+v", emitted)
	}
}
