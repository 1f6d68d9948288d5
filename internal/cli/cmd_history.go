package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/servesweep/servesweep/internal/history"
	"github.com/spf13/cobra"
)

func dbPath(env Env, flag string) string {
	if flag != "" {
		return flag
	}
	return history.DefaultPath(env.Getenv)
}

func newHistoryCmd(env Env) *cobra.Command {
	var model, db string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history [--model M]",
		Short: "List the runs recorded in the history database",
		Long: `Every run is recorded in a SQLite database (default
$XDG_DATA_HOME/servesweep/history.db, else ~/.local/share/servesweep/history.db;
--db to choose), keyed by model, engine version, configuration and hardware.`,
		Example: `  servesweep history
  servesweep history --model DeepSeek-V3 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			runs, err := listRuns(env, dbPath(env, db), model)
			if err != nil {
				return err
			}
			if asJSON {
				if runs == nil {
					runs = []history.Run{}
				}
				return printJSON(env, runs)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tNAME\tENGINE\tVERSION\tHARDWARE\tSTARTED\tOK\tFAILED\tMODELS\tDIR")
			for _, r := range runs {
				name := r.Name
				if r.DryRun {
					name += " (dry run)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", r.RunID, name, r.Engine, r.EngineVersion, r.Hardware, r.StartedAt, r.CasesOK, r.CasesFailed, r.Models, r.Dir)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "only runs of models whose path or key contains this")
	cmd.Flags().StringVar(&db, "db", "", "history database (default under the user's data directory)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// listRuns reads the history database without creating or changing it: a
// missing database lists no runs (with a note), a read-only one is read.
func listRuns(env Env, path, model string) ([]history.Run, error) {
	d, err := history.OpenReadOnly(path)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(env.Stderr, "servesweep: no runs recorded yet (no history database at %s)\n", path)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Runs(model)
}

func newCompareCmd(env Env) *cobra.Command {
	var db, threshold string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "compare RUN_A RUN_B",
		Short: "Compare two runs per configuration and metric; exit 1 on a significant regression",
		Long: `compare shows, for every configuration both runs measured, the change of ITL,
output throughput and TTFT from RUN_A to RUN_B with its 95% interval (Welch,
over repeats). A change is significant when the interval excludes zero (or,
with single runs, when it exceeds the threshold); a regression is a significant
change for the worse beyond --threshold. RUN_A and RUN_B are run ids from
'servesweep history' or run directories (recorded on the fly). Configurations
present in only one run are listed. Exit status 1 when there is a regression,
for nightly CI gates.`,
		Example: `  servesweep compare 20261125T010000Z 20261126T010000Z
  servesweep compare runs/last-night runs/tonight --threshold 5% --json`,
		Args: exactArgs(2, "two runs (ids or run directories)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			th, err := strconv.ParseFloat(strings.TrimSuffix(threshold, "%"), 64)
			if err != nil || th < 0 {
				return usagef("--threshold %q is not a percentage like 5%%", threshold)
			}
			d, err := history.Open(dbPath(env, db))
			if err != nil {
				return err
			}
			defer d.Close()
			ids := make([]string, 2)
			for i, a := range args {
				ids[i] = a
				if st, err := os.Stat(filepath.Join(a, "run.json")); err == nil && !st.IsDir() {
					if ids[i], err = d.Record(a); err != nil {
						return err
					}
				}
			}
			c, err := d.Compare(ids[0], ids[1], th)
			if err != nil {
				return usageError{err}
			}
			if asJSON {
				printJSON(env, c)
			} else {
				tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "CONFIG\tMETRIC\tA\tB\tCHANGE\t95% CI\tSIGNIFICANT\tREGRESSION")
				for _, ch := range c.Changes {
					fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.3f\t%+.1f%%\t%+.1f…%+.1f%%\t%v\t%v\n", ch.ConfigID, ch.Metric, ch.A, ch.B, ch.ChangePct, ch.CIPct[0], ch.CIPct[1], ch.Significant, ch.Regression)
				}
				tw.Flush()
				for _, id := range c.OnlyInA {
					fmt.Fprintf(env.Stdout, "only in %s: %s\n", ids[0], id)
				}
				for _, id := range c.OnlyInB {
					fmt.Fprintf(env.Stdout, "only in %s: %s\n", ids[1], id)
				}
			}
			if len(c.Regressions) > 0 {
				var names []string
				for _, r := range c.Regressions {
					names = append(names, fmt.Sprintf("%s %s %+.1f%%", r.ConfigID, r.Metric, r.ChangePct))
				}
				return exitError{code: ExitFailure, msg: fmt.Sprintf("%d significant regression(s): %s", len(c.Regressions), strings.Join(names, "; "))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "history database (default under the user's data directory)")
	cmd.Flags().StringVar(&threshold, "threshold", "5%", "smallest change that counts as a regression")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
