package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"syscall"
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
client (Python aiohttp, the approach of bench_serving) on the same emitter and
reports the ratio.`,
		Example: `  servesweep selftest
  servesweep selftest --json --levels 1,64,256,1000 --reference`,
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
	return cmd
}

// startEmitter runs `servesweep emitter` as a child in its own process group.
func startEmitter(ctx context.Context, env Env, ttft, itl time.Duration) (string, func(), error) {
	cmd := exec.Command(env.Self, "emitter", "--ttft", ttft.String(), "--itl", itl.String())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() }
	re := regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go func() {
				for sc.Scan() {
				}
			}()
			return m[1], stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("emitter did not start")
}

func runSelftest(ctx context.Context, env Env, o selftestOptions) error {
	cores := runtime.NumCPU()
	logf := func(format string, args ...any) {
		if !o.JSON {
			fmt.Fprintf(env.Stdout, format+"\n", args...)
		}
	}
	url, stop, err := startEmitter(ctx, env, 200*time.Millisecond, 10*time.Millisecond)
	if err != nil {
		return err
	}
	prec, err := selftest.MeasurePrecision(ctx, url, 9, 64)
	stop()
	if err != nil {
		return err
	}
	logf("batch 1 (TTFT 200 ms, ITL 10 ms): ITL error median %.3f ms, TTFT error median %.3f ms over %d tokens", prec.ITLAbsErrMsMedian, prec.TTFTAbsErrMsMedian, prec.Tokens)
	url, stop, err = startEmitter(ctx, env, 5*time.Millisecond, 10*time.Millisecond)
	if err != nil {
		return err
	}
	var levels []selftest.Level
	for _, n := range o.Levels {
		l := selftest.MeasureLevel(ctx, url, n, o.Tokens, cores)
		levels = append(levels, l)
		logf("%s", l)
	}
	stop()
	sum := selftest.Summarize(prec, levels, cores)
	if o.Reference {
		// Saturation test: an emitter that writes as fast as it can, the same load for both clients.
		url, stop, err := startEmitter(ctx, env, 0, 0)
		if err != nil {
			return err
		}
		const streams, tokens = 64, 20000
		goLevel := selftest.MeasureLevel(ctx, url, streams, tokens, cores)
		out, err := exec.CommandContext(ctx, o.Python, "scripts/ref_client.py", url, strconv.Itoa(streams), strconv.Itoa(tokens)).Output()
		stop()
		if err != nil {
			sum.Note = "reference client not run: " + err.Error() + " (needs Python with aiohttp: apt-get install python3-aiohttp, --python /usr/bin/python3)"
		} else {
			var ref struct {
				TokensPerS    float64 `json:"tokens_per_s"`
				TokensPerCPUS float64 `json:"tokens_per_cpu_s"`
				Failed        int     `json:"failed"`
			}
			json.Unmarshal(out, &ref)
			goPerCPU := goLevel.TokensPerS / (goLevel.ClientCPUPct / 100 * float64(cores))
			sum.Reference = &selftest.Reference{Streams: streams, TokensPerS: ref.TokensPerS, GoTokensPerS: goLevel.TokensPerS, Failed: ref.Failed,
				TokensPerCPUS: ref.TokensPerCPUS, GoTokensPerCPUS: goPerCPU}
			if ref.TokensPerS > 0 {
				sum.Reference.Ratio = goLevel.TokensPerS / ref.TokensPerS
			}
			if ref.TokensPerCPUS > 0 {
				sum.Reference.CPURatio = goPerCPU / ref.TokensPerCPUS
			}
			logf("saturation, %d streams × %d tokens: servesweep %.0f tok/s (%.0f per CPU-second), Python aiohttp %.0f tok/s (%.0f per CPU-second): %.1f× the rate, %.1f× per CPU-second",
				streams, tokens, goLevel.TokensPerS, goPerCPU, ref.TokensPerS, ref.TokensPerCPUS, sum.Reference.Ratio, sum.Reference.CPURatio)
		}
	}
	if o.JSON {
		return printJSON(env, sum)
	}
	logf("max streams without distortion: %d; peak %.0f tok/s at %.0f%% client CPU (%d cores)", sum.MaxStreams, sum.TokensPerS, sum.ClientCPUPct, cores)
	return nil
}
