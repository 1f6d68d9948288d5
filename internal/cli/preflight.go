package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/executor"
	"github.com/servesweep/servesweep/internal/gpu"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/preflight"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/spf13/cobra"
)

// preflightOptions are the pre-flight flags of plan and run.
type preflightOptions struct {
	GPUs         int
	GPUMemoryGiB float64
	ModelConfigs []string
	Disable      bool
}

func (o *preflightOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&o.GPUs, "gpus", 0, "GPUs on the host, for pre-flight checks (overrides hardware: and discovery)")
	f.Float64Var(&o.GPUMemoryGiB, "gpu-memory-gib", 0, "memory of each GPU in GiB, e.g. 139.8 (H200) or 79.6 (H100)")
	f.StringSliceVar(&o.ModelConfigs, "model-configs", nil, "folders with <org>--<name>/config.json files (besides the sweep file's model_configs)")
	f.BoolVar(&o.Disable, "no-preflight", false, "skip pre-flight checks")
}

// hardware resolves the host's GPUs: flags, then the sweep file's hardware:
// section, then discovery (NVML, nvidia-smi); nil when none is known.
func (o preflightOptions) hardware(ctx context.Context, f *sweep.File) *preflight.Hardware {
	if o.GPUs > 0 || o.GPUMemoryGiB > 0 {
		return &preflight.Hardware{GPUs: o.GPUs, GPUMemoryGiB: o.GPUMemoryGiB, Source: "flags"}
	}
	if f.Hardware != nil {
		return &preflight.Hardware{GPUs: f.Hardware.GPUs, GPUMemoryGiB: f.Hardware.GPUMemoryGiB, Name: f.Hardware.GPUName, Source: "sweep file hardware:"}
	}
	if f.Engine == "ollama" {
		return nil
	}
	snap, err := hostGPUs()
	if err != nil {
		return nil
	}
	return hardwareOf(snap)
}

func hardwareOf(snap *gpu.Snapshot) *preflight.Hardware {
	hw := &preflight.Hardware{GPUs: len(snap.GPUs), Source: snap.Source, Name: snap.GPUs[0].Name}
	minMiB := snap.GPUs[0].MemoryTotalMiB
	for _, g := range snap.GPUs {
		minMiB = min(minMiB, g.MemoryTotalMiB)
	}
	hw.GPUMemoryGiB = float64(minMiB) / 1024
	return hw
}

// locator builds the config.json locator from the environment.
func locator(env Env, dirs []string) modelinfo.Locator {
	off := strings.ToLower(env.Getenv("HF_HUB_OFFLINE"))
	return modelinfo.Locator{
		ConfigDirs: dirs, HFHome: env.Getenv("HF_HOME"), Home: env.Getenv("HOME"), Endpoint: env.Getenv("HF_ENDPOINT"),
		Offline: off == "1" || off == "true" || off == "yes", Token: env.Getenv("HF_TOKEN"),
	}
}

// localExecutor returns the local executor, with GPU checks when the engine
// uses GPUs and the host has them.
func localExecutor(ctx context.Context, env Env, o runOptions, eng engine.Engine) executor.Local {
	l := executor.Local{Host: o.Host}
	if eng.Simulated() || eng.Name() == "ollama" {
		return l
	}
	snap, err := hostGPUs()
	if err != nil {
		fmt.Fprintf(env.Stderr, "servesweep: %v: GPU checks off\n", err)
		return l
	}
	fmt.Fprintf(env.Stderr, "servesweep: %d GPU(s) found through %s: %s\n", len(snap.GPUs), snap.Source, snap.GPUs[0].Name)
	l.GPUs = gpu.Fallback{}
	l.GPUCount = len(snap.GPUs)
	return l
}

// hostGPUs discovers the host's GPUs once per process (pre-flight, the executor
// and the packed schedule all ask).
var hostGPUs = sync.OnceValues(func() (*gpu.Snapshot, error) { return gpu.Host(context.Background()) })
