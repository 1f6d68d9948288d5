package selftest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Emitter is a `servesweep emitter` child process in its own process group.
type Emitter struct {
	URL string
	cmd *exec.Cmd
}

// StartEmitter runs `self emitter` with the given TTFT and ITL.
func StartEmitter(self string, ttft, itl time.Duration) (*Emitter, error) {
	cmd := exec.Command(self, "emitter", "--ttft", ttft.String(), "--itl", itl.String())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &Emitter{cmd: cmd}
	re := regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			e.URL = m[1]
			go func() {
				for sc.Scan() {
				}
			}()
			return e, nil
		}
	}
	e.Stop()
	return nil, fmt.Errorf("emitter did not start")
}

// Stop kills the emitter's process group and returns the CPU time (user +
// system) the emitter used in its life, as the kernel accounts it at exit.
func (e *Emitter) Stop() time.Duration {
	syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
	e.cmd.Wait()
	if st := e.cmd.ProcessState; st != nil {
		return st.UserTime() + st.SystemTime()
	}
	return 0
}

// ClientRun is one client's saturation run against a fresh emitter: its own
// CPU time only (the emitter's is counted apart, from its process).
type ClientRun struct {
	Tokens           int     `json:"tokens"`
	Seconds          float64 `json:"seconds"`
	TokensPerS       float64 `json:"tokens_per_s"`
	CPUSeconds       float64 `json:"cpu_s"`
	CPUSPer1M        float64 `json:"cpu_s_per_1m_tokens"`
	EmitterCPUSPer1M float64 `json:"emitter_cpu_s_per_1m_tokens"`
	Failed           int     `json:"failed"`
}

func (r *ClientRun) finish(emitterCPU time.Duration) {
	if r.Seconds > 0 {
		r.TokensPerS = float64(r.Tokens) / r.Seconds
	}
	if r.Tokens > 0 {
		r.CPUSPer1M = r.CPUSeconds / float64(r.Tokens) * 1e6
		r.EmitterCPUSPer1M = emitterCPU.Seconds() / float64(r.Tokens) * 1e6
	}
}

// Round is servesweep's run then the Python client's, on fresh emitters.
type Round struct {
	Go       ClientRun `json:"servesweep"`
	Python   ClientRun `json:"python"`
	Ratio    float64   `json:"ratio"`     // token rates
	CPURatio float64   `json:"cpu_ratio"` // tokens per client CPU-second
}

// ReferenceOptions say how to run the comparison.
type ReferenceOptions struct {
	EmitterBin, Python, Script string // servesweep (its emitter command) and Python executables, scripts/ref_client.py
	Streams, Tokens, Rounds    int
	// Profile, when set, wraps servesweep's first run (CPU and allocation profiles).
	Profile func(run func())
}

// RunReference alternates servesweep's client and the Python aiohttp client
// of the field against emitters writing as fast as they can, opts.Rounds
// times, and summarises the rounds by their medians and ranges.
func RunReference(ctx context.Context, o ReferenceOptions) (*Reference, error) {
	ref := &Reference{Streams: o.Streams, Tokens: o.Tokens, LoadAvg1m: [2]float64{loadAvg(), 0}}
	for k := 0; k < max(1, o.Rounds); k++ {
		var r Round
		var err error
		if r.Go, err = runGo(ctx, o, k == 0); err != nil {
			return nil, err
		}
		if r.Python, err = runPython(ctx, o); err != nil {
			return nil, err
		}
		if r.Python.TokensPerS > 0 && r.Go.CPUSPer1M > 0 {
			r.Ratio, r.CPURatio = r.Go.TokensPerS/r.Python.TokensPerS, r.Python.CPUSPer1M/r.Go.CPUSPer1M
		}
		ref.Rounds = append(ref.Rounds, r)
	}
	ref.LoadAvg1m[1] = loadAvg()
	ref.summarize()
	return ref, nil
}

func runGo(ctx context.Context, o ReferenceOptions, first bool) (ClientRun, error) {
	e, err := StartEmitter(o.EmitterBin, 0, 0)
	if err != nil {
		return ClientRun{}, err
	}
	var run ClientRun
	measure := func() {
		res := runStreams(ctx, e.URL, o.Streams, o.Tokens)
		run = ClientRun{Tokens: res.tokens, Seconds: res.wall.Seconds(), CPUSeconds: res.cpu.Seconds(), Failed: res.failed}
	}
	if o.Profile != nil && first {
		o.Profile(measure)
	} else {
		measure()
	}
	run.finish(e.Stop())
	return run, nil
}

func runPython(ctx context.Context, o ReferenceOptions) (ClientRun, error) {
	e, err := StartEmitter(o.EmitterBin, 0, 0)
	if err != nil {
		return ClientRun{}, err
	}
	out, err := exec.CommandContext(ctx, o.Python, o.Script, e.URL, strconv.Itoa(o.Streams), strconv.Itoa(o.Tokens)).Output()
	emitterCPU := e.Stop()
	if err != nil {
		return ClientRun{}, fmt.Errorf("reference client: %v", err)
	}
	var p struct {
		Tokens     int     `json:"tokens"`
		Seconds    float64 `json:"seconds"`
		CPUSeconds float64 `json:"cpu_seconds"`
		Failed     int     `json:"failed"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return ClientRun{}, fmt.Errorf("reference client printed %.200q: %v", out, err)
	}
	run := ClientRun{Tokens: p.Tokens, Seconds: p.Seconds, CPUSeconds: p.CPUSeconds, Failed: p.Failed}
	run.finish(emitterCPU)
	return run, nil
}

// summarize fills the headline figures: medians over the rounds, and ranges.
func (ref *Reference) summarize() {
	med := func(f func(r Round) float64) (m, lo, hi float64) {
		var v []float64
		for _, r := range ref.Rounds {
			v = append(v, f(r))
		}
		sort.Float64s(v)
		return v[len(v)/2], v[0], v[len(v)-1]
	}
	ref.TokensPerS, _, _ = med(func(r Round) float64 { return r.Python.TokensPerS })
	ref.GoTokensPerS, _, _ = med(func(r Round) float64 { return r.Go.TokensPerS })
	ref.CPUSPer1M, _, _ = med(func(r Round) float64 { return r.Python.CPUSPer1M })
	ref.GoCPUSPer1M, _, _ = med(func(r Round) float64 { return r.Go.CPUSPer1M })
	ref.EmitterCPUSPer1M, _, _ = med(func(r Round) float64 { return r.Go.EmitterCPUSPer1M })
	ref.Ratio, ref.RatioRange[0], ref.RatioRange[1] = med(func(r Round) float64 { return r.Ratio })
	ref.CPURatio, ref.CPURatioRange[0], ref.CPURatioRange[1] = med(func(r Round) float64 { return r.CPURatio })
	if ref.CPUSPer1M > 0 && ref.GoCPUSPer1M > 0 {
		ref.TokensPerCPUS, ref.GoTokensPerCPUS = 1e6/ref.CPUSPer1M, 1e6/ref.GoCPUSPer1M
	}
	for _, r := range ref.Rounds {
		ref.Failed += r.Python.Failed
		ref.GoFailed += r.Go.Failed
	}
}

// loadAvg is the machine's 1-minute load average (0 where /proc has none).
func loadAvg() float64 {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// String is the reference comparison in one paragraph.
func (ref *Reference) String() string {
	return fmt.Sprintf("saturation, %d streams × %d tokens, %d round(s), load average %.1f → %.1f:\n"+
		"  servesweep %.0f tok/s, %.3f client CPU-s per 1M tokens\n"+
		"  Python aiohttp %.0f tok/s, %.3f client CPU-s per 1M tokens\n"+
		"  (emitter %.3f CPU-s per 1M tokens, in its own process, not counted)\n"+
		"  servesweep: %.1f× the rate (%.1f–%.1f), %.1f× per client CPU-second (%.1f–%.1f)",
		ref.Streams, ref.Tokens, len(ref.Rounds), ref.LoadAvg1m[0], ref.LoadAvg1m[1],
		ref.GoTokensPerS, ref.GoCPUSPer1M, ref.TokensPerS, ref.CPUSPer1M, ref.EmitterCPUSPer1M,
		ref.Ratio, ref.RatioRange[0], ref.RatioRange[1], ref.CPURatio, ref.CPURatioRange[0], ref.CPURatioRange[1])
}
