package cli

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/servesweep/servesweep/internal/bench"
	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/registry"
	"github.com/servesweep/servesweep/internal/executor"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/runner"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/spf13/cobra"
)

type benchOptions struct {
	Engine       string
	URL          string
	Model        string
	BatchSizes   []int
	InputLens    []int
	OutputLens   []int
	Out          string
	Profile      bool
	Warmup       bool
	GPUs         int
	GPUHourPrice float64
	GPULabel     string
	Variant      string
	Prompts      string
	// RequestTimeout bounds each request (a sweep file's request_timeout).
	RequestTimeout time.Duration
}

func newBenchCmd(env Env) *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench --engine E --url URL",
		Short: "Benchmark a server that is already running (like SGLang's --base-url)",
		Long: `bench measures a running server with the same cases, measurements, results
and report as run, without launching or stopping anything.`,
		Example: `  servesweep bench --engine sglang --url http://127.0.0.1:30000 --batch-size 1 --input-len 4096 --output-len 512 --gpus 8
  servesweep bench --engine vllm --url http://127.0.0.1:8000 --out runs/adhoc --profile`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBench(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Engine, "engine", "", "engine protocol: sglang, vllm or sim (required)")
	f.StringVar(&o.URL, "url", "", "base URL of the server, e.g. http://127.0.0.1:30000 (required)")
	f.StringVar(&o.Model, "model", "", "model name for the report (default: what the server says)")
	f.IntSliceVar(&o.BatchSizes, "batch-size", []int{1}, "batch sizes")
	f.IntSliceVar(&o.InputLens, "input-len", []int{1024}, "input lengths")
	f.IntSliceVar(&o.OutputLens, "output-len", []int{16}, "output lengths")
	f.StringVar(&o.Out, "out", "", "run directory (default runs/bench-<time>)")
	f.BoolVar(&o.Profile, "profile", false, "capture extend and decode traces")
	f.BoolVar(&o.Warmup, "warmup", true, "run SGLang's warmup first (one 1024-in/16-out request per batch size)")
	f.StringVar(&o.Prompts, "prompts", "", "text (the model's own tokenizer.json over real text) or random-ids (default: text when a tokenizer.json is found)")
	f.IntVar(&o.GPUs, "gpus", 1, "GPUs the server uses (for cost)")
	f.Float64Var(&o.GPUHourPrice, "gpu-hour-price", 2.0, "USD per GPU-hour")
	f.StringVar(&o.GPULabel, "gpu-label", "", "label shown in table headers")
	f.StringVar(&o.Variant, "variant", "", "variant name for the table header (default: bench)")
	f.DurationVar(&o.RequestTimeout, "request-timeout", sweep.DefaultRequestTimeout, "longest a request may take before its case is recorded as failed (like a sweep file's request_timeout)")
	return cmd
}

func runBench(ctx context.Context, env Env, o benchOptions) error {
	eng, err := checkBench(o)
	if err != nil {
		return err
	}
	client := eng.NewClient(o.URL, engine.ClientConfig{ModelPath: o.Model, MaxContext: maxContext(o)})
	err = client.Ready(ctx) // within engine.ReadyTimeout
	if ctx.Err() != nil {
		return errInterrupted
	}
	if err != nil {
		return exitError{code: ExitFailure, msg: fmt.Sprintf("cannot reach a ready %s server at %s (%v); is it running? start it or fix --url", o.Engine, o.URL, err)}
	}
	info, _ := client.ServerInfo(ctx)
	model := o.Model
	if model == "" {
		if mp, ok := info.Raw["model_path"].(string); ok {
			model = mp
		} else {
			model = o.URL
		}
	}
	cfg := benchConfig(o, model)
	dir := o.Out
	if dir == "" {
		dir = filepath.Join("runs", "bench-"+time.Now().Format("20060102-150405"))
	}
	f := &sweep.File{Name: "bench " + o.URL, Engine: o.Engine, GPULabel: o.GPULabel, GPUHourPrice: o.GPUHourPrice, CPUHourPrice: -1, Profile: o.Profile,
		ProfileSteps: sweep.DefaultProfileSteps, Warmup: o.Warmup, Prompts: o.Prompts, RequestTimeout: o.RequestTimeout, Repeats: 1,
		LaunchTimeout: sweep.DefaultLaunchTimeout, StopGrace: sweep.DefaultStopGrace}
	// The same runner as run: an "external server" executor instead of a launch.
	sum, err := runner.Run(ctx, runner.Options{File: f, Configs: []plan.Config{cfg}, Engine: eng, Dir: dir, Log: env.Stderr,
		Executor: executor.External{URL: o.URL, Model: model}})
	if err == nil && sum.CasesOK == 0 && ctx.Err() == nil {
		defer fmt.Fprintln(env.Stderr, "servesweep: no case passed (see the report)")
	}
	return finishRun(env, runOptions{NoHistory: true}, "(bench)", dir, sum, err)
}

// checkBench checks bench's options and returns the engine asked for.
func checkBench(o benchOptions) (engine.Engine, error) {
	if o.Engine == "" || o.URL == "" {
		return nil, usagef("bench needs --engine and --url (see servesweep bench --help)")
	}
	if o.Prompts != "" && o.Prompts != bench.PromptsText && o.Prompts != bench.PromptsRandomIDs {
		return nil, usagef("--prompts must be text or random-ids, got %q", o.Prompts)
	}
	eng, err := registry.Get(o.Engine)
	if err != nil {
		return nil, usageError{err}
	}
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, usagef("--url %q is not an http(s) URL like http://127.0.0.1:30000", o.URL)
	}
	for _, l := range [][]int{o.BatchSizes, o.InputLens} {
		for _, v := range l {
			if v < 1 {
				return nil, usagef("batch sizes and lengths must be at least 1")
			}
		}
	}
	for _, v := range o.OutputLens {
		if v < 2 {
			return nil, usagef("--output-len must be at least 2 (output throughput needs a decode step)")
		}
	}
	if err := benchLimits(o); err != nil {
		return nil, err
	}
	if err := requestTimeoutFlag(o.RequestTimeout); err != nil {
		return nil, err
	}
	return eng, nil
}

// benchConfig is the configuration bench measures: every case of the options.
func benchConfig(o benchOptions, model string) plan.Config {
	variant := o.Variant
	if variant == "" {
		variant = "bench"
	}
	cfg := plan.Config{ID: plan.ConfigID("bench", variant), ModelKey: "bench", Model: model, ModelName: model, Variant: variant, GPUs: o.GPUs, Engine: o.Engine}
	for _, bs := range o.BatchSizes {
		for _, il := range o.InputLens {
			for _, ol := range o.OutputLens {
				cfg.Cases = append(cfg.Cases, plan.Case{BatchSize: bs, InputLen: il, OutputLen: ol})
			}
		}
	}
	return cfg
}

func maxContext(o benchOptions) int {
	mi, mo := 0, 0
	for _, v := range o.InputLens {
		mi = max(mi, v)
	}
	for _, v := range o.OutputLens {
		mo = max(mo, v)
	}
	return mi + mo
}
