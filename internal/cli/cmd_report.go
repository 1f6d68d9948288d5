package cli

import (
	"fmt"

	"github.com/servesweep/servesweep/internal/report"
	"github.com/spf13/cobra"
)

type reportOptions struct {
	Format string
	// TargetTPSPerUser asks the frontier question at this interactivity (0: the run's frontier: setting).
	TargetTPSPerUser float64
	targetSet        bool
}

func newReportCmd(env Env) *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Render the report of a run directory (markdown or JSON)",
		Long: `report reads DIR/run.json, DIR/results.jsonl and DIR/servers.jsonl and prints
the report: one table per configuration in the seed's columns, a passed/failed
summary with causes and server log tails, the per-model ranking by output
throughput and the closing recommendation list. Trace links use
PERFETTO_RELAY_URL and TRACE_BASE_URL when set, else local paths.

With load ladders (load: {concurrency: [1, 2, 4, ...]}) the report draws the
throughput–interactivity frontier: output tok/s per GPU against tok/s per user
(1000 / median TPOT). --target-tps-per-user N asks, for every model, which
configuration gives the most tok/s per GPU at ≥ N tok/s per user and at what
$/1M output tokens (monotone cubic interpolation between measured points; the
answer says when N lies outside them). It overrides the sweep file's
frontier: {target_tokens_per_s_per_user: N}.`,
		Example: `  servesweep report runs/nightly > summary.md
  servesweep report runs/nightly --format json | jq '.recommendations'
  servesweep report runs/nightly --format html > report.html
  servesweep report runs/nightly --target-tps-per-user 30
  servesweep report runs/nightly --format json --target-tps-per-user 30 | jq '.frontier[].target.best'
  TRACE_BASE_URL=https://example.org/traces/run1 PERFETTO_RELAY_URL=https://example.org/relay.html servesweep report runs/nightly`,
		Args: exactArgs(1, "a run directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.targetSet = cmd.Flags().Changed("target-tps-per-user")
			return runReport(env, o, args[0])
		},
	}
	cmd.Flags().StringVar(&o.Format, "format", "md", "output format: md, json or html (one self-contained page)")
	cmd.Flags().Float64Var(&o.TargetTPSPerUser, "target-tps-per-user", 0, "frontier question: the most output tok/s per GPU at ≥ N output tok/s per user (overrides the sweep's frontier: setting)")
	return cmd
}

func runReport(env Env, o reportOptions, dir string) error {
	if o.Format != "md" && o.Format != "json" && o.Format != "html" {
		return usagef("--format %q is not supported; use md, json or html", o.Format)
	}
	if t := o.TargetTPSPerUser; o.targetSet && !(t > 0 && t <= 1e6) {
		return usagef("--target-tps-per-user must be a positive number of output tokens per second per user (e.g. 30), got %v", t)
	}
	rep, err := report.Load(dir, linkOptions(env, dir))
	if err != nil {
		return usageError{err}
	}
	if o.targetSet {
		rep.SetFrontierTarget(o.TargetTPSPerUser)
	}
	printWarnings(env, rep)
	switch o.Format {
	case "json":
		return rep.JSON(env.Stdout)
	case "html":
		return rep.HTML(env.Stdout, report.HTMLOptions{})
	}
	return rep.Markdown(env.Stdout)
}

// printWarnings names on stderr the torn or corrupt lines the report read past.
func printWarnings(env Env, rep *report.Report) {
	for _, w := range rep.Warnings {
		fmt.Fprintf(env.Stderr, "servesweep: warning: %s\n", w)
	}
}
