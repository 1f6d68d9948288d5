package plan

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/servesweep/servesweep/internal/redact"
)

// WriteTable prints configurations as a human table, then the pre-flight
// reasons of every configuration that has any.
func WriteTable(w io.Writer, cfgs []Config) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tID\tMODEL\tVARIANT\tGPUS\tCASES\tVERDICT\tMEMORY\tCOMMAND")
	for i, c := range cfgs {
		var cs []string
		for _, k := range c.Cases {
			cs = append(cs, fmt.Sprintf("%d/%d/%d", k.BatchSize, k.InputLen, k.OutputLen))
		}
		verdict, mem := c.Verdict, "-"
		if verdict == "" {
			verdict = "-"
		}
		if c.Memory != nil {
			mem = fmt.Sprintf("%s (%.0f GiB/GPU)", c.Memory.Verdict, c.Memory.WeightsPerGPUGiB)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", i+1, c.ID, c.Model, c.Variant, c.GPUs, strings.Join(cs, ","), verdict, mem, strings.Join(redact.Args(c.Command), " "))
	}
	tw.Flush()
	n := map[string]int{}
	for _, c := range cfgs {
		n[c.Verdict]++
	}
	fmt.Fprintf(w, "\n%d server configurations, %d benchmark cases (cases as batch/input/output)", len(cfgs), countCases(cfgs))
	if n[VerdictOK]+n[VerdictWarn]+n[VerdictSkip] > 0 {
		fmt.Fprintf(w, "; pre-flight: %d ok, %d warn, %d skip", n[VerdictOK], n[VerdictWarn], n[VerdictSkip])
	}
	fmt.Fprintln(w, ".")
	for _, c := range cfgs {
		if len(c.Reasons) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s [%s]\n", c.ID, c.Verdict)
		for _, r := range c.Reasons {
			fmt.Fprintf(w, "    - %s\n", r)
		}
	}
}

func countCases(cfgs []Config) int {
	n := 0
	for _, c := range cfgs {
		n += len(c.Cases)
	}
	return n
}
