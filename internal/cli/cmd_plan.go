package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/registry"
	"github.com/servesweep/servesweep/internal/history"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/preflight"
	"github.com/servesweep/servesweep/internal/schedule"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/spf13/cobra"
)

type planOptions struct {
	Explain  string
	JSON     bool
	Estimate bool
	Predict  bool
	DB       string
	pre      preflightOptions
}

func newPlanCmd(env Env) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan FILE",
		Short: "Expand a sweep file into server configurations and benchmark cases",
		Long: `plan reads a sweep file, validates it (errors name file:line:column), and
lists every server configuration with its launch command and benchmark cases.
Nothing is launched.

Pre-flight checks give each configuration a verdict (ok, warn, skip) with
reasons: memory fit and KV room from the model's config.json against the
target GPU, the engine's startup rules keyed on its version and the GPU's
architecture (each with its upstream source), and enough GPUs.

The target hardware comes from, in order: --gpu/--gpus (a catalog name, see
` + "`servesweep gpus --catalog`" + `), the sweep file's hardware: section, the GPUs
found through NVML or nvidia-smi, and the gpu_label ("8-gpu-h200"); plan says
which was used. The engine version comes from --engine-version or the engine
itself (SGLang: python3 -c 'import sglang; print(sglang.__version__)' with the
launcher's interpreter); when unknown the newest rules apply, and plan says so.`,
		Example: `  servesweep plan examples/neurips-tp-moe.yaml
  servesweep plan examples/neurips-tp-moe.yaml --json | jq '.[].variant'
  servesweep plan examples/neurips-tp-moe.yaml --gpu H100 --gpus 8              # pre-flight for 8×H100
  servesweep plan examples/neurips-tp-moe.yaml --gpu B200                       # TRT-LLM-gen MoE runs on Blackwell
  servesweep plan examples/neurips-tp-moe.yaml --explain deepseek-v3--TP8_flashinfer_cutlass
  servesweep plan examples/neurips-tp-moe.yaml --engine-version 0.5.3          # rules of an older SGLang
  servesweep plan examples/neurips-tp-moe.yaml --predict                        # predicted ITL, throughput, cost with intervals`,
		Args: exactArgs(1, "a sweep file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlan(env, o, args[0])
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print configurations as a JSON array")
	cmd.Flags().StringVar(&o.Explain, "explain", "", "print every pre-flight rule checked for this configuration id: outcome, engine versions and architectures it holds for, and its upstream source")
	cmd.Flags().BoolVar(&o.Estimate, "estimate", false, "with --json: print {\"makespan_s\": {\"exclusive\", \"packed\"}, ...} instead of the configurations")
	cmd.Flags().BoolVar(&o.Predict, "predict", false, "print the performance model's predicted ITL, output throughput, TTFT and cost per configuration, each with an interval, and the HBM-bandwidth bound (with --json: each configuration with its \"prediction\")")
	cmd.Flags().StringVar(&o.DB, "db", "", "history database that refines the estimates and holds the performance model's calibrations (default under the user's data directory)")
	o.pre.addFlags(cmd)
	return cmd
}

// loadPlan loads a sweep file, expands it with the engine engineFor picks
// (nil: the file's engine) and runs the pre-flight checks.
func loadPlan(ctx context.Context, env Env, path string, engineFor func(*sweep.File) engine.Engine, pre preflightOptions) (*sweep.File, []plan.Config, engine.Engine, error) {
	f, err := sweep.Load(path)
	if err != nil {
		return nil, nil, nil, usageError{err}
	}
	var eng engine.Engine
	if engineFor != nil {
		eng = engineFor(f)
	} else if eng, err = registry.Get(f.Engine); err != nil {
		return nil, nil, nil, usageError{err}
	}
	hw, err := pre.resolveHardware(f)
	if err != nil {
		return nil, nil, nil, usageError{err}
	}
	ver := pre.engineVersion(ctx, f)
	f.Resolved = sweep.Resolved{EngineVersion: ver.Raw, EngineVersionSource: ver.Source, NoGPU: hw == nil}
	hostGPUs := 0
	if hw != nil {
		f.Resolved.Hardware, hostGPUs = hw.String(), hw.GPUs
	}
	f.Resolved.CPUHourPrice, f.Resolved.CPUHourPriceSource = f.CPUPrice(hostGPUs)
	cfgs := plan.Expand(f, eng, env.Self)
	registerSecrets(cfgs)
	loc := locator(env, append(f.ModelConfigs, pre.ModelConfigs...))
	perf := perfInputs{hw: hw, infos: map[string]*modelinfo.Info{}, loc: loc, ver: ver, db: pre.db}
	if !pre.Disable {
		if hw != nil {
			fmt.Fprintln(env.Stderr, "servesweep: hardware: "+hw.String())
		}
		fmt.Fprintln(env.Stderr, "servesweep: rules: "+ver.String())
		var warns []string
		warns, perf.infos = preflight.AnnotateInfo(ctx, cfgs, loc, hw, ver)
		for _, w := range warns {
			fmt.Fprintln(env.Stderr, "servesweep: warning: "+w)
		}
	}
	for _, l := range annotatePerf(ctx, cfgs, perf) {
		fmt.Fprintln(env.Stderr, "servesweep: "+l)
	}
	if err := checkQuality(env, f, cfgs); err != nil {
		return nil, nil, nil, err
	}
	return f, cfgs, eng, nil
}

func runPlan(env Env, o planOptions, path string) error {
	o.pre.db = dbPath(env, o.DB)
	f, cfgs, _, err := loadPlan(context.Background(), env, path, nil, o.pre)
	if err != nil {
		return err
	}
	if o.Explain != "" {
		return explain(env, cfgs, o.Explain, o.JSON)
	}
	if o.Predict {
		return printPredictions(env, f, cfgs, o.JSON)
	}
	est := estimate(env, o, f, cfgs)
	if o.Estimate && o.JSON {
		return printJSON(env, est)
	}
	if o.JSON {
		return printJSON(env, cfgs)
	}
	plan.WriteTable(env.Stdout, cfgs)
	if est.GPUs > 0 {
		fmt.Fprintf(env.Stdout, "expected wall time on %d GPUs: exclusive %s, packed %s (%.1f× faster; estimates: %s)\n", est.GPUs,
			time.Duration(est.Makespan["exclusive"]*1e9).Round(time.Second), time.Duration(est.Makespan["packed"]*1e9).Round(time.Second),
			est.Makespan["exclusive"]/max(est.Makespan["packed"], 1e-9), est.Source)
	} else {
		fmt.Fprintf(env.Stdout, "expected wall time (one at a time): %s; add hardware: {gpus: N} or --gpus N for the packed estimate\n",
			time.Duration(est.Makespan["exclusive"]*1e9).Round(time.Second))
	}
	return nil
}

// Estimate is the JSON of plan --estimate --json.
type Estimate struct {
	Makespan map[string]float64 `json:"makespan_s"`
	GPUs     int                `json:"gpus"`
	Configs  int                `json:"configs"`
	Source   string             `json:"source"`
	Expected map[string]float64 `json:"expected_s"`
}

func estimate(env Env, o planOptions, f *sweep.File, cfgs []plan.Config) Estimate {
	e := Estimate{Makespan: map[string]float64{}, Configs: len(cfgs), Expected: map[string]float64{}, Source: "defaults"}
	var db *history.DB
	if d, err := history.OpenReadOnly(dbPath(env, o.DB)); err == nil { // plan creates no database
		db = d
		defer d.Close()
	}
	refined, modelled := 0, 0
	var items []schedule.Item
	for _, c := range cfgs {
		if c.Verdict == plan.VerdictSkip {
			continue
		}
		caseS := 0.0
		if db != nil {
			if v, ok := db.CaseSeconds(c.ID); ok {
				caseS, refined = v, refined+1
			}
		}
		var cases []schedule.CaseShape
		for _, k := range c.Cases {
			cases = append(cases, schedule.CaseShape{BatchSize: k.BatchSize, InputLen: k.InputLen, OutputLen: k.OutputLen})
		}
		perCase := modelCaseSeconds(c)
		if caseS > 0 {
			perCase = func(schedule.CaseShape) (float64, bool) { return caseS, true }
		} else if c.Perf != nil {
			modelled++
		}
		launch, _ := engineTraits(c.Engine)
		exp := schedule.ExpectedWith(launch, cases, f.Profile, f.Warmup, f.Repeats, 0, perCase)
		e.Expected[c.ID] = exp
		items = append(items, schedule.Item{ID: c.ID, GPUs: max(1, c.GPUs), Expected: exp})
	}
	e.Source = estimateSource(refined, modelled)
	e.Makespan["exclusive"] = schedule.Makespan(items, 1<<30, false)
	if hw := o.pre.hardware(context.Background(), f); hw != nil && hw.GPUs > 0 {
		e.GPUs = hw.GPUs
		e.Makespan["packed"] = schedule.Makespan(items, hw.GPUs, true)
	}
	return e
}
