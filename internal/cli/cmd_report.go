package cli

import (
	"fmt"

	"github.com/servesweep/servesweep/internal/report"
	"github.com/spf13/cobra"
)

type reportOptions struct {
	Format string
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
PERFETTO_RELAY_URL and TRACE_BASE_URL when set, else local paths.`,
		Example: `  servesweep report runs/nightly > summary.md
  servesweep report runs/nightly --format json | jq '.recommendations'
  servesweep report runs/nightly --format html > report.html
  TRACE_BASE_URL=https://example.org/traces/run1 PERFETTO_RELAY_URL=https://example.org/relay.html servesweep report runs/nightly`,
		Args: exactArgs(1, "a run directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(env, o, args[0])
		},
	}
	cmd.Flags().StringVar(&o.Format, "format", "md", "output format: md, json or html (one self-contained page)")
	return cmd
}

func runReport(env Env, o reportOptions, dir string) error {
	if o.Format != "md" && o.Format != "json" && o.Format != "html" {
		return usagef("--format %q is not supported; use md, json or html", o.Format)
	}
	rep, err := report.Load(dir, linkOptions(env, dir))
	if err != nil {
		return usageError{err}
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
