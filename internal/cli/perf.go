package cli

import (
	"context"
	"fmt"
	"github.com/servesweep/servesweep/internal/engine/registry"
	"sort"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/history"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/perfmodel"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/preflight"
)

// perfInputs is what building the configurations' performance models needs.
type perfInputs struct {
	hw    *preflight.Hardware
	infos map[string]*modelinfo.Info // by model path; nil entries: config unreadable
	loc   modelinfo.Locator
	ver   preflight.EngineVersion
	db    string // history database with calibrations ("" none)
}

// annotatePerf gives each configuration its performance model (plan.Config.Perf)
// where the device and the model's config.json are known: a catalog GPU, or
// the CPU for an engine that runs there when no GPU is known. Efficiencies
// come from the history database's calibration for the engine version,
// device and model family, else the uncalibrated defaults. It returns one
// line per source used, for stderr.
func annotatePerf(ctx context.Context, cfgs []plan.Config, in perfInputs) []string {
	var db *history.DB
	if in.db != "" {
		if d, err := history.OpenReadOnly(in.db); err == nil {
			db = d
			defer d.Close()
		}
	}
	used := map[string]int{}
	for i := range cfgs {
		c := &cfgs[i]
		info, ok := in.infos[c.Model]
		if !ok {
			info, _ = in.loc.Load(ctx, c.Model)
			in.infos[c.Model] = info
		}
		dev, ok := perfDevice(in, info)
		if !ok || info == nil {
			continue
		}
		par := perfmodel.Parallel{TP: max(1, c.TP), EP: engine.IntFlag(c.Args, 1, "--ep-size", "--expert-parallel-size", "--ep"), KVBytes: 2}
		if dev.Name != "CPU" && c.GPUs > par.TP && c.GPUs%par.TP == 0 {
			par.DP = c.GPUs / par.TP // replicas (DP without DP attention)
		}
		if v, ok := engine.FlagValue(c.Args, "--kv-cache-dtype"); ok && strings.HasPrefix(strings.ToLower(v), "fp8") {
			par.KVBytes = 1
		}
		s, err := perfmodel.NewSetup(info, dev, par)
		if err != nil {
			continue
		}
		m := &perfmodel.Model{Setup: s, Params: perfmodel.Defaults}
		if db != nil {
			if cal, ok := db.Calibration(in.ver.Engine, in.ver.Raw, dev.Name, s.Family); ok {
				m.Params, m.Calibration = cal.Params, cal.Ref()
			}
		}
		c.Perf = m
		used[m.Source()+"; device "+dev.Name+": "+dev.Source]++
	}
	var lines []string
	for src, n := range used {
		lines = append(lines, fmt.Sprintf("performance model for %d configuration(s): %s", n, src))
	}
	sort.Strings(lines)
	return lines
}

// perfDevice is the device a configuration runs on: the target's catalog GPU
// (with the model's math dtype), or the CPU for Ollama (which runs there when
// no GPU is known; its memory bandwidth measured).
func perfDevice(in perfInputs, info *modelinfo.Info) (perfmodel.Device, bool) {
	if info == nil {
		return perfmodel.Device{}, false
	}
	if in.hw != nil && in.hw.Catalog != nil {
		return perfmodel.FromCatalog(*in.hw.Catalog, perfmodel.MathDtype(info)), true
	}
	if eng, err := registry.Get(in.ver.Engine); err == nil && engine.TraitsOf(eng).RunsOnCPU && (in.hw == nil || in.hw.GPUs == 0) {
		return perfmodel.CPU(), true
	}
	return perfmodel.Device{}, false
}
