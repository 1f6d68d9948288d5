package cli

import (
	"encoding/json"
	"errors"
	"os"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engines"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/spf13/cobra"
)

type planOptions struct {
	JSON bool
}

func newPlanCmd(env Env) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan FILE",
		Short: "Expand a sweep file into server configurations and benchmark cases",
		Long: `plan reads a sweep file, validates it (errors name file:line:column), and
lists every server configuration with its launch command and benchmark cases.
Nothing is launched.`,
		Example: `  servesweep plan examples/neurips-tp-moe.yaml
  servesweep plan examples/neurips-tp-moe.yaml --json | jq '.[].variant'`,
		Args: exactArgs(1, "a sweep file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlan(env, o, args[0])
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print configurations as a JSON array")
	return cmd
}

// loadPlan loads a sweep file and expands it with eng (or the file's engine).
func loadPlan(env Env, path string, eng engine.Engine) (*sweep.File, []plan.Config, engine.Engine, error) {
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
	return f, plan.Expand(f, eng, env.Self), eng, nil
}

func runPlan(env Env, o planOptions, path string) error {
	_, cfgs, _, err := loadPlan(env, path, nil)
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
