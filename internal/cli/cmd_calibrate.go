package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/servesweep/servesweep/internal/history"
	"github.com/servesweep/servesweep/internal/perfmodel"
	"github.com/spf13/cobra"
)

type calibrateOptions struct {
	DB        string
	Engine    string
	GPU       string
	JSON      bool
	Simulated bool
	NoSave    bool
}

// calibrateOutput is the JSON of `servesweep calibrate --json`.
type calibrateOutput struct {
	DB           string                  `json:"db"`
	Calibrations []perfmodel.Calibration `json:"calibrations"`
	// Skipped are the keys with too few measurements to fit.
	Skipped []calibrateSkip `json:"skipped"`
	// WithoutModel counts passed real cases whose configuration has no
	// recorded performance model (hardware or model config unknown then).
	WithoutModel int  `json:"cases_without_model"`
	Saved        bool `json:"saved"`
}

type calibrateSkip struct {
	perfmodel.Key
	Reason string `json:"reason"`
}

func newCalibrateCmd(env Env) *cobra.Command {
	var o calibrateOptions
	cmd := &cobra.Command{
		Use:   "calibrate [--db PATH] [--engine E] [--gpu G] [--json]",
		Short: "Fit the performance model's efficiencies to the runs in the history database",
		Long: `calibrate turns every passed case of every real run in the history database
(not dry runs, not the sim engine) into a data point of the performance model,
and fits its efficiency factors — memory-bandwidth and FLOP efficiency, fixed
costs per layer, per decode step and per prefill, and the all-reduce scale —
per (engine, engine version, GPU, model family), by least squares on log time.
The residuals give each prediction's interval; the fit's error is measured on
held-out runs (leave one configuration out, at most 10 folds) as MAPE per
metric (ITL, TTFT, output throughput).

Fits are stored in the database: plan --predict, plan --estimate and dry runs
use the fit for the sweep's engine version, GPU and model family (else the
newest fit of another version; else the uncalibrated defaults), and say which.

A run is a data point when its configurations had a performance model: the
target GPU was known (--gpu, hardware: or discovery; for Ollama without a GPU,
the CPU with its measured memory bandwidth) and the model's config.json was
found.`,
		Example: `  servesweep calibrate
  servesweep calibrate --engine sglang --gpu H200 --json | jq '.calibrations[].held_out'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCalibrate(env, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.DB, "db", "", "history database (default under the user's data directory)")
	f.StringVar(&o.Engine, "engine", "", "only runs of this engine (sglang, vllm, ollama)")
	f.StringVar(&o.GPU, "gpu", "", "only runs on this device (a catalog name such as H200, or CPU)")
	f.BoolVar(&o.JSON, "json", false, "print the fits as JSON")
	f.BoolVar(&o.Simulated, "include-simulated", false, "also fit dry runs and the sim engine (their times come from the model itself: for demonstrations and tests)")
	f.BoolVar(&o.NoSave, "no-save", false, "print the fits without storing them in the database")
	return cmd
}

func runCalibrate(env Env, o calibrateOptions) error {
	path := dbPath(env, o.DB)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return exitError{code: ExitFailure, msg: fmt.Sprintf("no history database at %s: run a sweep first (runs are recorded there), or pass --db PATH", path)}
	}
	db, err := history.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	pts, missing, err := db.PerfPoints(history.PointFilter{Engine: o.Engine, GPU: o.GPU, Simulated: o.Simulated})
	if err != nil {
		return fmt.Errorf("history database %s: %w", path, err)
	}
	out := calibrateOutput{DB: path, Calibrations: []perfmodel.Calibration{}, Skipped: []calibrateSkip{}, WithoutModel: missing, Saved: !o.NoSave}
	groups := map[perfmodel.Key][]perfmodel.Point{}
	var keys []perfmodel.Key
	for _, p := range pts {
		if _, ok := groups[p.Key]; !ok {
			keys = append(keys, p.Key)
		}
		groups[p.Key] = append(groups[p.Key], p)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	for _, k := range keys {
		c, err := perfmodel.Calibrate(k, groups[k])
		if err != nil {
			out.Skipped = append(out.Skipped, calibrateSkip{Key: k, Reason: err.Error()})
			continue
		}
		if !o.NoSave {
			if err := db.SaveCalibration(c); err != nil {
				return fmt.Errorf("history database %s: %w", path, err)
			}
		}
		out.Calibrations = append(out.Calibrations, c)
	}
	if len(pts) == 0 {
		fmt.Fprintf(env.Stderr, "servesweep: no data points in %s: a run is one when it was real (not a dry run, not the sim engine) and its configurations had a performance model (known GPU and model config.json); %d passed real case(s) had none\n", path, missing)
	}
	if o.JSON {
		return printJSON(env, out)
	}
	return printCalibrations(env, out)
}

func printCalibrations(env Env, out calibrateOutput) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENGINE\tVERSION\tGPU\tFAMILY\tCASES\tCONFIGS\tBW EFF\tFLOP EFF\tLAYER µs\tSTEP ms\tPREFILL ms\tCOMM ×\tσ ln ITL\tHELD-OUT MAPE ITL / TTFT / OUT")
	for _, c := range out.Calibrations {
		p, m := c.Params, c.HeldOut.MAPE
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%.2f\t%.2f\t%.1f\t%.2f\t%.1f\t%.2f\t%.3f\t%s / %s / %s\n", c.Engine, c.EngineVersion, c.GPU, c.Family, c.N, c.Configs,
			p.BWEff, p.FLOPEff, p.LayerUs, p.StepMs, p.PrefillMs, p.CommScale, c.SigmaITL, pct(m, "itl_ms"), pct(m, "ttft_s"), pct(m, "output_throughput"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range out.Calibrations {
		fmt.Fprintf(env.Stdout, "%s: held out by %s\n", c.Key, c.HeldOut.Method)
	}
	for _, s := range out.Skipped {
		fmt.Fprintf(env.Stdout, "not fitted: %s\n", s.Reason)
	}
	if out.WithoutModel > 0 {
		fmt.Fprintf(env.Stdout, "%d passed real case(s) have no performance model (GPU or model config.json unknown when they ran) and were left out\n", out.WithoutModel)
	}
	if out.Saved && len(out.Calibrations) > 0 {
		fmt.Fprintf(env.Stdout, "stored in %s: plan --predict, plan --estimate and dry runs use a fit for their engine, GPU and model family\n", out.DB)
	}
	return nil
}

func pct(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", v)
}
