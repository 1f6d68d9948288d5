package plan

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints configurations as a human table.
func WriteTable(w io.Writer, cfgs []Config) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tID\tMODEL\tVARIANT\tGPUS\tCASES\tCOMMAND")
	for i, c := range cfgs {
		var cs []string
		for _, k := range c.Cases {
			cs = append(cs, fmt.Sprintf("%d/%d/%d", k.BatchSize, k.InputLen, k.OutputLen))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", i+1, c.ID, c.Model, c.Variant, c.GPUs, strings.Join(cs, ","), strings.Join(c.Command, " "))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d server configurations, %d benchmark cases (cases as batch/input/output).\n", len(cfgs), countCases(cfgs))
}

func countCases(cfgs []Config) int {
	n := 0
	for _, c := range cfgs {
		n += len(c.Cases)
	}
	return n
}
