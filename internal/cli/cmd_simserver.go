package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/servesweep/servesweep/internal/engine/sim/simserver"
	"github.com/spf13/cobra"
)

func newSimServerCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim-server --model-path M [--tp-size N] [--moe-runner-backend B] [--host H] [--port P] [--sim-* ...] [any engine flag]",
		Short: "Run the simulated inference server (SGLang protocol)",
		Long: `sim-server is a real HTTP server that speaks SGLang's protocol: /health,
/generate (SSE with meta_info), /server_info, /flush_cache, /start_profile
(writes SGLang-named Chrome traces). Its speed is the performance model's
prediction when --sim-perf gives one (see plan --predict), else a simple model
of TP size and MoE backend. Other engine flags are accepted and echoed in
/server_info.

Simulation flags:
  --sim-ttft-per-token-us F   prefill time per input token (µs)
  --sim-itl-ms F              decode step time (ms)
  --sim-jitter F              relative noise per step (default 0.02)
  --sim-time-scale F          sleep this fraction of modelled time (default 1)
  --sim-startup-ms F          modelled time until ready (default 300)
  --sim-spec-accept-length F  report a speculative accept length
  --sim-dense                 a model without experts (no MoE kernels in traces)
  --sim-perf JSON             time prefill and decode with this performance model
                              (a perfmodel.Model; run --dry-run passes it when the
                              hardware and the model's config.json are known)
  --sim-fault KIND            crash-at-start | oom-at-start | never-ready |
                              die-mid-stream | bad-stream | hang-on-stop |
                              hang-flush (/flush_cache stops answering) |
                              hang-server-info (/server_info stops answering)
  --sim-fault-after N         the fault fires from the Nth /generate on (default 2)
  --sim-effective KEY=VALUE   report KEY as VALUE in /server_info: a rehearsed
                              fallback (moe_runner_backend=triton also runs and
                              traces Triton); repeatable
  --sim-log-line TEXT         print TEXT to the log at startup, once per TP rank,
                              as SGLang would; repeatable
  --sim-refuse REASON         fail at startup with REASON, as the real engine
                              would for a configuration pre-flight skips
                              (run --force of a dry run passes it); repeatable
  --sim-flag-effect SPEC      let another flag's value shape the speed:
                              NAME=VALUE*FACTOR (latencies × FACTOR when --NAME
                              is VALUE) or NAME~CENTER*K (× 1+K·ln(v/CENTER)²,
                              fastest at CENTER); repeatable
Environment: SERVESWEEP_SIM_SLOWDOWN multiplies latencies;
SERVESWEEP_SIM_SLOWDOWN_MATCH limits it to model paths containing that text.`,
		Example: `  servesweep sim-server --model-path deepseek-ai/DeepSeek-V3 --tp-size 8 --moe-runner-backend flashinfer_trtllm --port 30000
  servesweep sim-server --model-path m --sim-fault die-mid-stream`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				if a == "--help" || a == "-h" {
					return cmd.Help()
				}
			}
			o, err := simserver.ParseArgs(args, env.Getenv)
			if err != nil {
				return usagef("sim-server: %v", err)
			}
			// Like SGLang, which logs every server argument at launch, secrets
			// included (sglang/srt/entrypoints/engine.py, _launch_subprocesses:
			// logger.info(f"{server_args=}")): the log is where leaks happen.
			fmt.Fprintln(env.Stderr, serverArgsLine(o))
			return simserver.Run(cmd.Context(), o, env.Stderr, Version)
		},
	}
	return cmd
}

// serverArgsLine is SGLang's launch log line of its arguments.
func serverArgsLine(o simserver.Options) string {
	parts := []string{fmt.Sprintf("model_path=%q", o.ModelPath), fmt.Sprintf("tp_size=%d", o.TP)}
	for _, k := range slices.Sorted(maps.Keys(o.Extra)) {
		parts = append(parts, fmt.Sprintf("%s=%q", strings.ReplaceAll(k, "-", "_"), o.Extra[k]))
	}
	return "server_args=ServerArgs(" + strings.Join(parts, ", ") + ")"
}
