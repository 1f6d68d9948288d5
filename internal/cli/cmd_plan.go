package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engines"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/preflight"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/spf13/cobra"
)

type planOptions struct {
	JSON bool
	pre  preflightOptions
}

func newPlanCmd(env Env) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan FILE",
		Short: "Expand a sweep file into server configurations and benchmark cases",
		Long: `plan reads a sweep file, validates it (errors name file:line:column), and
lists every server configuration with its launch command and benchmark cases.
Nothing is launched.

Pre-flight checks give each configuration a verdict (ok, warn, skip) with
reasons: memory fit from the model's config.json against the GPUs (from
--gpus/--gpu-memory-gib, the sweep file's hardware: section, or the GPUs
found through NVML or nvidia-smi), SGLang's startup rules, and enough GPUs.`,
		Example: `  servesweep plan examples/neurips-tp-moe.yaml
  servesweep plan examples/neurips-tp-moe.yaml --json | jq '.[].variant'
  servesweep plan examples/neurips-tp-moe.yaml --gpus 8 --gpu-memory-gib 79.6   # pre-flight for 8×H100`,
		Args: exactArgs(1, "a sweep file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlan(env, o, args[0])
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print configurations as a JSON array")
	o.pre.addFlags(cmd)
	return cmd
}

// loadPlan loads a sweep file, expands it with eng (or the file's engine) and
// runs the pre-flight checks.
func loadPlan(ctx context.Context, env Env, path string, eng engine.Engine, pre preflightOptions) (*sweep.File, []plan.Config, engine.Engine, error) {
	f, err := sweep.Load(path)
	if err != nil {
		var se *sweep.Error
		if errors.As(err, &se) || errors.Is(err, os.ErrNotExist) {
			return nil, nil, nil, usageError{err}
		}
		return nil, nil, nil, usageError{err}
	}
	if eng == nil {
		if eng, err = engines.Get(f.Engine); err != nil {
			return nil, nil, nil, usageError{err}
		}
	}
	cfgs := plan.Expand(f, eng, env.Self)
	if !pre.Disable {
		hw := pre.hardware(ctx, f)
		loc := locator(env, append(f.ModelConfigs, pre.ModelConfigs...))
		for _, w := range preflight.Annotate(ctx, cfgs, loc, hw, preflight.RulesFor(f.Engine)) {
			fmt.Fprintln(env.Stderr, "servesweep: warning: "+w)
		}
	}
	return f, cfgs, eng, nil
}

func runPlan(env Env, o planOptions, path string) error {
	_, cfgs, _, err := loadPlan(context.Background(), env, path, nil, o.pre)
	if err != nil {
		return err
	}
	if o.JSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(cfgs)
	}
	plan.WriteTable(env.Stdout, cfgs)
	return nil
}
