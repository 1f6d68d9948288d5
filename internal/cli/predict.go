package cli

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/servesweep/servesweep/internal/perfmodel"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/schedule"
	"github.com/servesweep/servesweep/internal/sweep"
)

// predictedConfig is one configuration of plan --predict --json.
type predictedConfig struct {
	ID       string `json:"id"`
	ModelKey string `json:"model_key"`
	Model    string `json:"model"`
	Variant  string `json:"variant"`
	TP       int    `json:"tp"`
	GPUs     int    `json:"gpus"`
	Verdict  string `json:"verdict,omitempty"`
	// Setup describes what the prediction assumed ("H200 ×8 (TP8), fp8 matmuls, deepseek_v3").
	Setup string `json:"setup,omitempty"`
	// Prediction is null when the hardware or the model's config is unknown;
	// Unavailable then says what to provide.
	Prediction  *perfmodel.Prediction `json:"prediction"`
	Unavailable string                `json:"prediction_unavailable,omitempty"`
}

// predictions predicts every configuration's cases.
func predictions(f *sweep.File, cfgs []plan.Config) []predictedConfig {
	out := make([]predictedConfig, 0, len(cfgs))
	for _, c := range cfgs {
		pc := predictedConfig{ID: c.ID, ModelKey: c.ModelKey, Model: c.Model, Variant: c.Variant, TP: c.TP, GPUs: c.GPUs, Verdict: c.Verdict}
		switch {
		case c.Perf != nil:
			var shapes []perfmodel.Shape
			for _, k := range c.Cases {
				shapes = append(shapes, perfmodel.Shape{Batch: k.BatchSize, InputLen: k.InputLen, OutputLen: k.OutputLen})
			}
			p := c.Perf.Predict(shapes, f.GPUHourPrice*float64(max(1, c.GPUs)))
			pc.Prediction, pc.Setup = &p, c.Perf.Setup.Label()
		case f.Resolved.Hardware == "":
			pc.Unavailable = "target hardware unknown: pass --gpu NAME (see `servesweep gpus --catalog`) or add hardware: {gpu: NAME} to the sweep file"
		default:
			pc.Unavailable = "the model's config.json could not be read (see the warning above; add it under model_configs:) or the GPU is not in the catalog"
		}
		out = append(out, pc)
	}
	return out
}

// printPredictions prints plan --predict: a table, or JSON.
func printPredictions(env Env, f *sweep.File, cfgs []plan.Config, asJSON bool) error {
	ps := predictions(f, cfgs)
	if asJSON {
		return printJSON(env, ps)
	}
	return printPredictionTable(env, f, ps)
}

func printPredictionTable(env Env, f *sweep.File, ps []predictedConfig) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONFIGURATION\tCASE (bs/in/out)\tITL ms (interval)\tBOUND ms\tOUTPUT tok/s\tTTFT s\t$/1M OUT\tVERDICT")
	sources := map[string]bool{}
	for _, pc := range ps {
		if pc.Prediction == nil {
			fmt.Fprintf(tw, "%s\t-\tno prediction: %s\t\t\t\t\t%s\n", pc.ID, pc.Unavailable, pc.Verdict)
			continue
		}
		sources[pc.Prediction.Source] = true
		for _, c := range pc.Prediction.Cases {
			cost := "-"
			if hourly := f.GPUHourPrice * float64(max(1, pc.GPUs)); hourly > 0 {
				cost = fmt.Sprintf("%.2f", 1e6/c.OutputThroughput/3600*hourly)
			}
			fmt.Fprintf(tw, "%s\t%d/%d/%d\t%.2f (%.2f–%.2f)\t%.2f\t%.1f (%.1f–%.1f)\t%.3f (%.3f–%.3f)\t%s\t%s\n", pc.ID, c.Batch, c.InputLen, c.OutputLen,
				c.ITLMs, c.ITLMsLow, c.ITLMsHigh, c.ITLBoundMs, c.OutputThroughput, c.OutputThroughputLow, c.OutputThroughputHigh,
				c.TTFTS, c.TTFTSLow, c.TTFTSHigh, cost, pc.Verdict)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var srcs []string
	for s := range sources {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	for _, s := range srcs {
		fmt.Fprintf(env.Stdout, "predictions: %s\n", s)
		if s == perfmodel.Uncalibrated {
			fmt.Fprintln(env.Stdout, "  intervals span the documented range of each efficiency; `servesweep calibrate` fits them to your own runs")
		}
	}
	fmt.Fprintln(env.Stdout, "BOUND: the HBM-bandwidth bound of a decode step (the bytes it must read per GPU at full memory bandwidth); no ITL can beat it")
	return nil
}

// modelCaseSeconds is a case's wall time from the configuration's performance
// model (TTFT, then the output tokens at the predicted ITL); none without a model.
func modelCaseSeconds(c plan.Config) func(schedule.CaseShape) (float64, bool) {
	return func(k schedule.CaseShape) (float64, bool) {
		if c.Perf == nil {
			return 0, false
		}
		p := c.Perf.Case(perfmodel.Shape{Batch: k.BatchSize, InputLen: k.InputLen, OutputLen: k.OutputLen})
		return p.TTFTS + float64(max(0, k.OutputLen-1))*p.ITLMs/1e3, true
	}
}

// estimateSource says what plan --estimate's case times come from.
func estimateSource(refined, modelled int) string {
	var parts []string
	if modelled > 0 {
		parts = append(parts, fmt.Sprintf("%d configuration(s) from the performance model", modelled))
	}
	if refined > 0 {
		parts = append(parts, fmt.Sprintf("%d refined from history", refined))
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return "defaults, " + strings.Join(parts, ", ")
}
