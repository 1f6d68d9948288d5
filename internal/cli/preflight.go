package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/registry"
	"github.com/servesweep/servesweep/internal/executor"
	"github.com/servesweep/servesweep/internal/gpu"
	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/preflight"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/spf13/cobra"
)

// preflightOptions are the pre-flight flags of plan and run.
type preflightOptions struct {
	GPU          string
	GPUs         int
	GPUMemoryGiB float64
	Compute      string
	// EngineVersion overrides version detection (rules are keyed on it).
	EngineVersion string
	ModelConfigs  []string
	Disable       bool
	// db is the history database the performance model's calibrations come
	// from (set from the command's --db, not a flag of its own).
	db string
}

func (o *preflightOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.GPU, "gpu", "", "target GPU from the hardware catalog, e.g. H200, B200, MI300X (overrides hardware: and discovery; see `servesweep gpus --catalog`)")
	f.IntVar(&o.GPUs, "gpus", 0, "GPUs on the host, for pre-flight checks (overrides hardware: and discovery)")
	f.Float64Var(&o.GPUMemoryGiB, "gpu-memory-gib", 0, "memory of each GPU in GiB, e.g. 140.4 (H200) or 79.6 (H100); overrides the catalog's")
	f.StringVar(&o.Compute, "compute-capability", "", "compute capability of a GPU outside the catalog, e.g. 9.0")
	f.StringVar(&o.EngineVersion, "engine-version", "", "engine version the pre-flight rules are keyed on, e.g. 0.5.4 (default: detected from the engine; newest rules when unknown)")
	f.StringSliceVar(&o.ModelConfigs, "model-configs", nil, "folders with <org>--<name>/config.json files (besides the sweep file's model_configs)")
	f.BoolVar(&o.Disable, "no-preflight", false, "skip pre-flight checks")
}

// resolveHardware finds the target hardware, in order: the --gpu/--gpus flags,
// the sweep file's hardware: section, discovery (NVML, nvidia-smi) and, as a
// last resort, the gpu_label. nil when nothing is known.
func (o preflightOptions) resolveHardware(f *sweep.File) (*preflight.Hardware, error) {
	if o.Compute != "" {
		if err := hardware.ValidCompute(o.Compute); err != nil {
			return nil, fmt.Errorf("--compute-capability: %v", err)
		}
	}
	specs := []hardware.Spec{{Source: "--gpu/--gpus flags", GPU: o.GPU, GPUs: o.GPUs, MemoryGiB: o.GPUMemoryGiB, Compute: o.Compute}}
	if h := f.Hardware; h != nil {
		specs = append(specs, hardware.Spec{Source: "sweep file hardware:", GPU: h.GPU, GPUs: h.GPUs, MemoryGiB: h.GPUMemoryGiB, Compute: h.ComputeCapability})
		if h.GPU == "" && h.GPUName != "" {
			if _, err := hardware.Lookup(h.GPUName); err == nil {
				specs[len(specs)-1].GPU = h.GPUName
			}
		}
	}
	if snap, err := hostGPUs(); err == nil {
		specs = append(specs, discovered(snap))
	}
	if f.GPULabel != "" {
		if s, ok := hardware.FromLabel(f.GPULabel); ok {
			specs = append(specs, s)
		}
	}
	return hardware.Resolve(specs...)
}

// hardware is resolveHardware for callers that already reported its error.
func (o preflightOptions) hardware(ctx context.Context, f *sweep.File) *preflight.Hardware {
	hw, _ := o.resolveHardware(f)
	return hw
}

// discovered describes the host's GPUs as found by NVML or nvidia-smi: the
// smallest memory, the first GPU's name and compute capability.
func discovered(snap *gpu.Snapshot) hardware.Spec {
	s := hardware.Spec{Source: snap.Source, GPUs: len(snap.GPUs), GPU: snap.GPUs[0].Name, Compute: snap.GPUs[0].ComputeCapability}
	minMiB := snap.GPUs[0].MemoryTotalMiB
	for _, g := range snap.GPUs {
		minMiB = min(minMiB, g.MemoryTotalMiB)
	}
	s.MemoryGiB = float64(minMiB) / 1024
	if _, err := hardware.Lookup(s.GPU); err != nil && s.Compute == "" {
		s.GPU = "" // an uncatalogued GPU without a compute capability: count and memory only
	}
	return s
}

// locator builds the config.json locator from the environment.
func locator(env Env, dirs []string) modelinfo.Locator {
	off := strings.ToLower(env.Getenv("HF_HUB_OFFLINE"))
	return modelinfo.Locator{
		ConfigDirs: dirs, HFHome: env.Getenv("HF_HOME"), Home: env.Getenv("HOME"), Endpoint: env.Getenv("HF_ENDPOINT"),
		Offline: off == "1" || off == "true" || off == "yes", Token: env.Getenv("HF_TOKEN"),
	}
}

// localExecutor returns the local executor, with GPU checks when the host has
// GPUs, for every real engine: each configuration says how many it uses
// (plan.Config.GPUs; 0 runs on the CPU with the GPUs hidden).
func localExecutor(ctx context.Context, env Env, o runOptions, eng engine.Engine) executor.Local {
	l := executor.Local{Host: o.Host}
	if eng.Simulated() {
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

// engineVersion finds the version the rules are keyed on: --engine-version,
// else the engine's own version command (SGLang: the launcher's python imports
// sglang; vLLM/Ollama: --version), else unknown (the newest rules apply).
func (o preflightOptions) engineVersion(ctx context.Context, f *sweep.File) preflight.EngineVersion {
	ev := preflight.EngineVersion{Engine: preflight.RulesFor(f.Engine)}
	if o.EngineVersion != "" {
		ev.Raw, ev.Source = o.EngineVersion, "--engine-version"
		return ev
	}
	eng, err := registry.Get(f.Engine)
	if err != nil {
		ev.Source = err.Error()
		return ev
	}
	if s, ok := eng.(engine.StandIn); ok {
		ev.Source = "the " + f.Engine + " engine stands in for " + s.StandsInFor()
		return ev
	}
	d, ok := eng.(engine.VersionDetector)
	if !ok {
		ev.Source = f.Engine + " has no version command"
		return ev
	}
	v, err := detectVersion(ctx, d, f.EngineCommand)
	if err != nil {
		ev.Source = "not detected: " + err.Error()
		return ev
	}
	ev.Raw, ev.Source = v, "detected with `"+strings.Join(d.VersionCommand(f.EngineCommand), " ")+"`"
	return ev
}

// detectVersion runs an engine's version command once per process and launcher.
var detectVersion = func() func(ctx context.Context, d engine.VersionDetector, launcher []string) (string, error) {
	type res struct {
		v   string
		err error
	}
	var mu sync.Mutex
	cache := map[string]res{}
	return func(ctx context.Context, d engine.VersionDetector, launcher []string) (string, error) {
		key := strings.Join(d.VersionCommand(launcher), "\x00")
		mu.Lock()
		defer mu.Unlock()
		if r, ok := cache[key]; ok {
			return r.v, r.err
		}
		v, err := engine.DetectVersion(ctx, d, launcher, os.Environ())
		cache[key] = res{v, err}
		return v, err
	}
}()

// engineTraits returns an engine's launch time and whether it is simulated.
func engineTraits(name string) (launchSeconds float64, simulated bool) {
	eng, err := registry.Get(name)
	if err != nil {
		return engine.TraitsOf(nil).LaunchSeconds, false
	}
	return engine.TraitsOf(eng).LaunchSeconds, eng.Simulated()
}
