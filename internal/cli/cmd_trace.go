package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/servesweep/servesweep/internal/traces"
	"github.com/spf13/cobra"
)

type traceAnalyzeOptions struct {
	JSON bool
	Jobs int
}

func newTraceCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trace",
		Short: "Work with profiler traces",
	}
	var o traceAnalyzeOptions
	analyze := &cobra.Command{
		Use:   "analyze PATH...",
		Short: "Where the GPU time goes: per rank and stage, busy time, steps, categories, exposed communication, top kernels",
		Long: `trace analyze reads PyTorch-profiler Chrome traces (*.trace.json.gz, as SGLang
and vLLM write them) — one file, a set of rank files, or a run directory —
streaming them so memory grows with the number of GPU events, not the file size
(a JSON string or number over 8 MiB stops the read with an error naming the file
and the offset), and reading files in parallel (--jobs, default one per core).
Per rank and stage (extend/decode, from the file name or the step ranges):
steps (from step[...] ranges, else from idle gaps in GPU activity), GPU busy time
(union of kernel/memcpy/memset intervals over all streams), median step time,
time by category (gemm, attention, moe, communication, memory, other; a
kernel's time counts in its category even when it overlaps another stream),
communication not overlapped by compute, and the top kernels; across ranks,
the busy-time imbalance.`,
		Example: `  servesweep trace analyze runs/nightly/deepseek-v3--TP8_flashinfer_trtllm/traces
  servesweep trace analyze a-TP-0-DECODE.trace.json.gz a-TP-1-DECODE.trace.json.gz --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("trace analyze needs at least one trace file or folder")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Jobs < 0 {
				return usagef("--jobs must be 0 (one per core) or more, not %d", o.Jobs)
			}
			a, err := traces.AnalyzeN(args, o.Jobs)
			if err != nil {
				return usageError{err}
			}
			if o.JSON {
				return printJSON(env, a)
			}
			writeAnalysis(env, a)
			return nil
		},
	}
	analyze.Flags().BoolVar(&o.JSON, "json", false, "print the analysis as JSON")
	analyze.Flags().IntVarP(&o.Jobs, "jobs", "j", 0, "files read at once (0: one per core); the output does not depend on it")
	cmd.AddCommand(analyze)
	return cmd
}

func writeAnalysis(env Env, a *traces.Analysis) {
	w := env.Stdout
	for _, r := range a.Ranks {
		name := fmt.Sprintf("rank %d", r.Rank)
		if r.Label != "" {
			name += " (" + r.Label + ")"
		}
		fmt.Fprintf(w, "%s  %s\n", name, r.File)
		for _, s := range r.Stages {
			fmt.Fprintf(w, "  %-7s %d steps (%s), median step %.3f ms, GPU busy %.3f ms, exposed communication %.3f ms\n",
				s.Stage, s.Steps, s.StepsFrom, s.StepMs, s.BusyMs, s.ExposedCommMs)
			var parts []string
			for _, c := range traces.Categories {
				parts = append(parts, fmt.Sprintf("%s %.3f", c, s.Categories[c]))
			}
			fmt.Fprintf(w, "          ms by category: %s\n", strings.Join(parts, ", "))
			for i, k := range s.TopKernels {
				if i == 5 {
					break
				}
				name := k.Name
				if len(name) > 80 {
					name = name[:80] + "…"
				}
				fmt.Fprintf(w, "          %8.3f ms  %5d×  %s\n", k.Ms, k.Count, name)
			}
		}
	}
	var stages []string
	for s := range a.Imbalance {
		stages = append(stages, s)
	}
	sort.Strings(stages)
	for _, s := range stages {
		fmt.Fprintf(w, "imbalance across ranks (%s): %.1f%% (max busy over mean)\n", s, a.Imbalance[s])
	}
}
