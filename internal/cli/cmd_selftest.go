package cli

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/servesweep/servesweep/internal/emitter"
	"github.com/servesweep/servesweep/internal/selftest"
	"github.com/spf13/cobra"
)

func newEmitterCmd(env Env) *cobra.Command {
	var ttft, itl time.Duration
	var addr string
	cmd := &cobra.Command{
		Use:    "emitter",
		Short:  "Run the precise token emitter (SGLang protocol) used by selftest",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := emitter.StartOn(addr, ttft, itl)
			if err != nil {
				return usagef("emitter: %v", err)
			}
			fmt.Fprintf(env.Stderr, "emitter listening on %s (TTFT %s, ITL %s)\n", e.URL, ttft, itl)
			<-cmd.Context().Done()
			return e.Close()
		},
	}
	cmd.Flags().DurationVar(&ttft, "ttft", 200*time.Millisecond, "time to first token")
	cmd.Flags().DurationVar(&itl, "itl", 10*time.Millisecond, "time between tokens (0: as fast as possible)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "address to listen on")
	return cmd
}

type selftestOptions struct {
	JSON      bool
	Levels    []int
	Tokens    int
	Reference bool
	Python    string
	Rounds    int
	// CPUProfile and MemProfile profile servesweep's saturation runs.
	CPUProfile, MemProfile string
	// EmitterBin runs the reference's emitters from another servesweep build (A/B comparisons).
	EmitterBin string
}

func newSelftestCmd(env Env) *cobra.Command {
	var o selftestOptions
	cmd := &cobra.Command{
		Use:   "selftest",
		Short: "Measure the client's own timing error and capacity against a precise token emitter",
		Long: `selftest starts precise token emitters (child processes speaking SGLang's
protocol that write each token on an exact schedule and say when they wrote it)
and measures servesweep's client against them: the median absolute error of ITL
and TTFT at batch 1 (10 ms ITL, 200 ms TTFT), and at rising concurrency the
tokens/s sustained, the client's CPU use, and the largest number of streams whose
ITL error median stays under 1 ms. With --reference it runs the field's reference
client (Python aiohttp, the approach of bench_serving) against emitters that
write as fast as they can (64 streams × 20,000 tokens), alternating with
servesweep's client for --rounds rounds, each run on a fresh emitter process,
and reports each client's own CPU-seconds per million tokens (the emitter's CPU
is measured apart, from its process), the ratio per CPU-second and the ratio of
token rates (medians and ranges), with the load average before and after.
--cpuprofile and --memprofile profile servesweep's first saturation run
(go tool pprof FILE).`,
		Example: `  servesweep selftest
  servesweep selftest --json --levels 1,64,256,1000 --reference
  servesweep selftest --levels 1 --reference --rounds 5 --python /usr/bin/python3
  servesweep selftest --levels 1 --reference --cpuprofile cpu.prof --memprofile mem.prof`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSelftest(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	cmd.Flags().IntSliceVar(&o.Levels, "levels", []int{1, 16, 64, 256, 1000}, "concurrent streams to try")
	cmd.Flags().IntVar(&o.Tokens, "tokens", 100, "tokens per stream in the capacity test")
	cmd.Flags().BoolVar(&o.Reference, "reference", false, "also run the Python aiohttp reference client (scripts/ref_client.py)")
	cmd.Flags().StringVar(&o.Python, "python", "python3", "Python with aiohttp for --reference")
	cmd.Flags().IntVar(&o.Rounds, "rounds", 1, "with --reference: rounds of both clients, alternating (medians and ranges are reported)")
	cmd.Flags().StringVar(&o.CPUProfile, "cpuprofile", "", "with --reference: write a pprof CPU profile of servesweep's first saturation run to this file")
	cmd.Flags().StringVar(&o.MemProfile, "memprofile", "", "with --reference: write a pprof allocation profile after servesweep's first saturation run to this file")
	cmd.Flags().StringVar(&o.EmitterBin, "emitter-bin", "", "with --reference: run the saturation emitters from this servesweep executable (to compare builds)")
	cmd.Flags().MarkHidden("emitter-bin")
	return cmd
}

func runSelftest(ctx context.Context, env Env, o selftestOptions) error {
	if o.Rounds < 1 {
		return usagef("--rounds %d: give 1 or more", o.Rounds)
	}
	prof, err := profiler(o.CPUProfile, o.MemProfile)
	if err != nil {
		return err
	}
	cores := runtime.NumCPU()
	logf := func(format string, args ...any) {
		if !o.JSON {
			fmt.Fprintf(env.Stdout, format+"\n", args...)
		}
	}
	e, err := selftest.StartEmitter(env.Self, 200*time.Millisecond, 10*time.Millisecond)
	if err != nil {
		return err
	}
	prec, err := selftest.MeasurePrecision(ctx, e.URL, 9, 64)
	e.Stop()
	if err != nil {
		return err
	}
	logf("batch 1 (TTFT 200 ms, ITL 10 ms): ITL error median %.3f ms, TTFT error median %.3f ms over %d tokens", prec.ITLAbsErrMsMedian, prec.TTFTAbsErrMsMedian, prec.Tokens)
	if e, err = selftest.StartEmitter(env.Self, 5*time.Millisecond, 10*time.Millisecond); err != nil {
		return err
	}
	var levels []selftest.Level
	for _, n := range o.Levels {
		l := selftest.MeasureLevel(ctx, e.URL, n, o.Tokens, cores)
		levels = append(levels, l)
		logf("%s", l)
	}
	e.Stop()
	sum := selftest.Summarize(prec, levels, cores)
	if o.Reference {
		// Saturation test: emitters that write as fast as they can, the same load for both clients.
		emitterBin := env.Self
		if o.EmitterBin != "" {
			emitterBin = o.EmitterBin
		}
		ref, err := selftest.RunReference(ctx, selftest.ReferenceOptions{EmitterBin: emitterBin, Python: o.Python, Script: "scripts/ref_client.py",
			Streams: 64, Tokens: 20000, Rounds: o.Rounds, Profile: prof})
		if err != nil {
			sum.Note = "reference client not run: " + err.Error() + " (needs Python with aiohttp: apt-get install python3-aiohttp, --python /usr/bin/python3)"
		} else {
			sum.Reference = ref
			logf("%s", ref)
		}
	}
	if o.JSON {
		return printJSON(env, sum)
	}
	logf("max streams without distortion: %d; peak %.0f tok/s at %.0f%% client CPU (%d cores)", sum.MaxStreams, sum.TokensPerS, sum.ClientCPUPct, cores)
	return nil
}

// profiler wraps servesweep's first saturation run in a CPU profile (cpu)
// and writes an allocation profile after it (mem); nil when neither is asked.
func profiler(cpu, mem string) (func(run func()), error) {
	if cpu == "" && mem == "" {
		return nil, nil
	}
	var cpuFile, memFile *os.File
	var err error
	if cpu != "" {
		if cpuFile, err = os.Create(cpu); err != nil {
			return nil, usagef("--cpuprofile: %v", err)
		}
	}
	if mem != "" {
		if memFile, err = os.Create(mem); err != nil {
			return nil, usagef("--memprofile: %v", err)
		}
		runtime.MemProfileRate = 64 << 10
	}
	return func(run func()) {
		if cpuFile != nil && pprof.StartCPUProfile(cpuFile) == nil {
			defer func() { pprof.StopCPUProfile(); cpuFile.Close() }()
		}
		run()
		if memFile != nil {
			pprof.Lookup("allocs").WriteTo(memFile, 0)
			memFile.Close()
		}
	}, nil
}
