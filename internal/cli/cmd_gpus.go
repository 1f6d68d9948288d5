package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/gpu"
	"github.com/spf13/cobra"
)

type gpusOptions struct {
	Catalog     bool
	JSON        bool
	WaitRelease time.Duration
	Check       []int
}

func newGPUsCmd(env Env) *cobra.Command {
	var o gpusOptions
	cmd := &cobra.Command{
		Use:   "gpus",
		Short: "Discover the host's GPUs (NVML, else nvidia-smi): names, memory, processes, topology",
		Long: `gpus prints what servesweep sees of the host's GPUs. With --check it fails
when any of the given GPUs is in use; with --wait-release it waits until they
are free (the check run does after stopping a server), printing how long it took.
Each GPU is matched against servesweep's hardware catalog (compute
capability, architecture, HBM bandwidth, BF16/FP8 peaks, GPU link); --catalog
prints the catalog itself, which pre-flight uses for --gpu NAME and hardware:.
On a machine without a GPU it says "no GPU" and exits 1.`,
		Example: `  servesweep gpus
  servesweep gpus --catalog
  servesweep gpus --catalog --json | jq '.[] | {name, compute, hbm_tb_s}'
  servesweep gpus --json
  servesweep gpus --check 0,1 --wait-release 60s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Catalog {
				return printCatalog(env, o.JSON)
			}
			snap, err := gpu.Host(cmd.Context())
			if err != nil {
				return exitError{code: ExitFailure, msg: err.Error()}
			}
			if len(o.Check) > 0 {
				if o.WaitRelease > 0 {
					d, err := gpu.WaitReleased(cmd.Context(), gpu.Fallback{}, o.Check, o.WaitRelease)
					if err != nil {
						return exitError{code: ExitFailure, msg: err.Error()}
					}
					fmt.Fprintf(env.Stderr, "servesweep: GPUs %v free after %.3fs\n", o.Check, d.Seconds())
				} else if err := gpu.CheckFree(cmd.Context(), gpu.Fallback{}, o.Check); err != nil {
					return exitError{code: ExitFailure, msg: err.Error()}
				}
				snap, _ = gpu.Host(cmd.Context())
			}
			if o.JSON {
				return printJSON(env, hostView(snap))
			}
			fmt.Fprintf(env.Stdout, "%d GPU(s) through %s, driver %s\n", len(snap.GPUs), snap.Source, snap.Driver)
			for _, g := range snap.GPUs {
				fmt.Fprintf(env.Stdout, "GPU %d  %s  %s  %d/%d MiB used  %s  compute %s  catalog: %s\n", g.Index, g.Name, g.UUID, g.MemoryUsedMiB, g.MemoryTotalMiB, g.BusID,
					orDash(g.ComputeCapability), catalogLine(g.Name))
			}
			for _, p := range snap.Procs {
				fmt.Fprintf(env.Stdout, "process %d %s holds %d MiB on %s\n", p.PID, p.Name, p.UsedMiB, p.GPUUUID)
			}
			for i, row := range snap.Topology {
				fmt.Fprintf(env.Stdout, "topology GPU%d: %s\n", i, strings.Join(row, " "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&o.Catalog, "catalog", false, "print the hardware catalog (no discovery)")
	cmd.Flags().IntSliceVar(&o.Check, "check", nil, "GPU indices that must be free")
	cmd.Flags().DurationVar(&o.WaitRelease, "wait-release", 0, "with --check: wait up to this long for the GPUs to be freed")
	return cmd
}
