// Package cli is servesweep's command line: one file per command, each with its
// options and a runX function. Only this package and main touch the process
// environment; errors map to exit codes in one place (exitCode).
package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/servesweep/servesweep/internal/redact"
	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X .../cli.Version=...".
var Version = "dev"

// Exit codes.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// Env is the process state commands may use.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Self           string // the servesweep executable
}

// usageError is bad input: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errInterrupted ends a command stopped by Ctrl-C: exit 130.
var errInterrupted = errors.New("interrupted")

// exitError carries a specific exit code with a message.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// Main runs the command line and returns the exit code.
func Main(args []string, env Env) int {
	// Secrets never reach the terminal: those of servesweep's own environment
	// and, once a sweep file is read, those it holds (see loadPlan).
	redact.RegisterEnviron(os.Environ())
	env.Stdout, env.Stderr = redact.Writer{W: env.Stdout}, redact.Writer{W: env.Stderr}
	ctx, stop := interruptContext(env.Stderr)
	defer stop()
	ctx, err := withControlCap(ctx, env.Getenv)
	if err != nil {
		return exitCode(err, env.Stderr)
	}
	root := NewRoot(env)
	root.SetArgs(args)
	err = root.ExecuteContext(ctx)
	return exitCode(err, env.Stderr)
}

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ee exitError
	switch {
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "servesweep: interrupted; everything measured so far is kept (finish with --resume)")
		return ExitInterrupted
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(stderr, "servesweep: "+ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "servesweep: "+err.Error())
	var ue usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailure
}

// NewRoot builds the command tree.
func NewRoot(env Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "servesweep",
		Short: "Find the best way to serve a large language model",
		Long: `servesweep plans every configuration of a sweep file (TP size, MoE backend,
any engine flag), launches each inference server, measures batch-1 latency and
throughput as SGLang's bench_one_batch_server does, captures extend/decode
profiler traces, and writes a report with one table per configuration and the
configuration to use per model.`,
		Example: `  servesweep plan examples/neurips-tp-moe.yaml
  servesweep run --dry-run examples/neurips-tp-moe.yaml --out runs/rehearsal
  servesweep report runs/rehearsal`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%v (see %s --help)", err, c.CommandPath())
	})
	root.AddCommand(newPlanCmd(env), newRunCmd(env), newBenchCmd(env), newReportCmd(env), newSimServerCmd(env), newTestmodelCmd(env), newModelInfoCmd(env), newGPUsCmd(env), newTraceCmd(env), newHistoryCmd(env), newCompareCmd(env), newServeCmd(env), newPublishCmd(env), newEmitterCmd(env), newSelftestCmd(env), newSlurmJobCmd(env), newCalibrateCmd(env))
	return root
}

// exactArgs is cobra.ExactArgs with a usage error and a hint.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s needs %s (see %s --help)", cmd.CommandPath(), what, cmd.CommandPath())
		}
		return nil
	}
}

// printJSON writes v to stdout as indented JSON (the --json output of every command).
func printJSON(env Env, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := env.Stdout.Write(redact.JSON(b.Bytes()))
	return err
}
