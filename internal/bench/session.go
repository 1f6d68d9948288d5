package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/results"
)

// Settings are the sweep-wide knobs a session needs.
type Settings struct {
	Profile        bool
	ProfileSteps   int
	ProfileTimeout time.Duration
	RequestTimeout time.Duration
	Warmup         bool
	GPUHourPrice   float64
	// CPUHourPrice prices configurations that use no GPU (USD per hour).
	CPUHourPrice float64
	GPULabel     string
	// Repeats runs each case this many times (default 1).
	Repeats int
	// WarmupCase replaces SGLang's warmup (engines that need a smaller one):
	// this one case instead of one per batch size.
	WarmupCase *plan.Case
	// Prompts is "text" (the shipped corpus through the model's own
	// tokenizer.json), "random-ids", or "" (text when a tokenizer is found).
	Prompts string
	// TokenizerDirs are extra folders holding <org>--<name>/tokenizer.json
	// (the sweep's model_configs).
	TokenizerDirs []string
}

// Session benchmarks the cases of one configuration against a running server.
type Session struct {
	Client   engine.Client
	Config   plan.Config
	Settings Settings
	// Base is copied into every result (run id, command, host, engine...).
	Base results.Result
	// TraceDir receives profiler traces.
	TraceDir string
	// Alive returns an error once the server process has died (nil when unknown).
	Alive func() error
	// LogTail returns the server log's last lines ("" when there is no log).
	LogTail func() string
	// Emit receives each result as soon as it is known.
	Emit func(results.Result) error
	// FindTokenizer returns the path of the model's tokenizer.json (nil or an
	// error: random-ids prompts).
	FindTokenizer func(ctx context.Context, model string) (string, error)
	// Notef receives notes for the run's log (nil: standard error).
	Notef func(format string, args ...any)
	// OnCase, when set, is called as each measured case (and repeat) begins.
	OnCase func(c plan.Case, repeat int)

	info     engine.ServerInfo
	prompts  Prompter
	lastSeed uint64
	// lastCPUPct is this process's CPU use during the last request, in % of all cores.
	lastCPUPct float64
	curRepeat  int
	// infoStuck is set once /server_info did not answer in time.
	infoStuck bool
}

// ErrServerDied marks a failure caused by the server process exiting.
var ErrServerDied = errors.New("server died")

// Run runs warmup, then every case (flush, measure, then profile when asked).
// It stops early when ctx ends (returning ctx.Err()) or the server dies
// (the remaining cases are recorded as failed).
func (s *Session) Run(ctx context.Context) error {
	info, err := s.Client.ServerInfo(ctx)
	var te *engine.TimeoutError
	if err == nil {
		s.info = info
		s.Base.EngineVersion = info.Version
		s.Base.SimTimeScale = info.TimeScale
	} else if errors.As(err, &te) {
		s.infoStuck = true
		s.note("%s: %v; the engine version stays unknown", s.Config.ID, err)
	}
	s.setupPrompts(ctx)
	if s.Settings.Warmup {
		if err := s.warmup(ctx); err != nil {
			return err
		}
	}
	for i, c := range s.Config.Cases {
		for rep := 0; rep < max(1, s.Settings.Repeats); rep++ {
			if err := s.runCase(ctx, i, c, rep); err != nil {
				return err
			}
		}
	}
	return nil
}

// runCase measures one repetition of case i; profiling follows the first one.
// A measurement that completed is recorded even when ctx ends meanwhile
// (Ctrl-C while its profile or its /server_info read runs): nothing measured is lost.
func (s *Session) runCase(ctx context.Context, i int, c plan.Case, rep int) error {
	r := s.result(c)
	r.Repeat, s.curRepeat = rep, rep
	if s.OnCase != nil {
		s.OnCase(c, rep)
	}
	stream, err := s.measure(ctx, c)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.dead() {
			return s.failRest(i, err)
		}
		s.fail(&r, results.KindRequestFailed, err)
		return s.Emit(r)
	}
	s.fill(ctx, &r, c, stream)
	if s.Settings.Profile && rep == 0 && ctx.Err() == nil {
		s.profile(ctx, c, &r)
		if ctx.Err() != nil {
			r.ProfileError = "no trace: interrupted while profiling"
		}
	}
	r.EndedAt = time.Now().UTC()
	if err := s.Emit(r); err != nil {
		return err
	}
	return ctx.Err()
}

// Info is what the server said about itself at the start of the session.
func (s *Session) Info() engine.ServerInfo { return s.info }

func (s *Session) dead() bool {
	if s.Alive == nil {
		return false
	}
	// Give a crashing process a moment to be reaped before deciding.
	for i := 0; i < 20; i++ {
		if s.Alive() != nil {
			return true
		}
		time.Sleep(25 * time.Millisecond)
	}
	return false
}

// failRest records cases i.. as failed because the server died.
func (s *Session) failRest(i int, cause error) error {
	tail := ""
	if s.LogTail != nil {
		tail = s.LogTail()
	}
	kind := results.KindServerDied
	if IsOOM(tail) {
		kind = results.KindOOM
	}
	for j := i; j < len(s.Config.Cases); j++ {
		r := s.result(s.Config.Cases[j])
		if j == i {
			r.Repeat = s.curRepeat
		}
		msg := fmt.Sprintf("server died during the request: %v; %s", cause, s.aliveErr())
		if j > i {
			msg = "not run: the server died during an earlier case"
		}
		r.Status, r.FailureKind, r.Error, r.LogTail = results.StatusFailed, kind, msg, tail
		r.EndedAt = time.Now().UTC()
		if err := s.Emit(r); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: %v", ErrServerDied, cause)
}

func (s *Session) aliveErr() string {
	if s.Alive == nil {
		return ""
	}
	if err := s.Alive(); err != nil {
		return err.Error()
	}
	return ""
}

func (s *Session) fail(r *results.Result, kind string, err error) {
	r.Status, r.FailureKind, r.Error = results.StatusFailed, kind, err.Error()
	if s.LogTail != nil {
		r.LogTail = s.LogTail()
	}
	r.EndedAt = time.Now().UTC()
}

func (s *Session) result(c plan.Case) results.Result {
	r := s.Base
	r.BatchSize, r.InputLen, r.OutputLen = c.BatchSize, c.InputLen, c.OutputLen
	r.StartedAt = time.Now().UTC()
	return r
}

// measure flushes the cache and runs one case with fresh random prompts,
// bounded by request_timeout. A flush that does not answer (engine.FlushTimeout)
// fails the case: the server is stuck, and the request would only wait too.
func (s *Session) measure(ctx context.Context, c plan.Case) (*engine.Stream, error) {
	if err := s.Client.Flush(ctx); err != nil && ctx.Err() == nil {
		var te *engine.TimeoutError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("cache flush failed: %w (the server is stuck; the request was not sent)", err)
		}
		if !s.dead() {
			s.note("%s: cache flush failed: %v", s.Config.ID, err)
		}
	}
	if s.prompts == nil {
		s.prompts = &randomPrompter{}
	}
	prompts := s.prompts.Prompts(c.BatchSize, c.InputLen)
	seed := s.prompts.Seed()
	cpu0, t0 := proc.CPUTime(), time.Now()
	stream, err := engine.GenerateWithin(ctx, s.Client, engine.GenerateRequest{InputIDs: prompts, OutputLen: c.OutputLen, Temperature: 0}, s.Settings.RequestTimeout)
	s.lastCPUPct = 100 * (proc.CPUTime() - cpu0).Seconds() / time.Since(t0).Seconds() / float64(runtime.NumCPU())
	if err == nil && stream != nil {
		s.lastSeed = seed
	}
	return stream, err
}

func (s *Session) fill(ctx context.Context, r *results.Result, c plan.Case, st *engine.Stream) {
	scale := s.info.TimeScale
	m := Compute(c.BatchSize, c.InputLen, c.OutputLen, st, scale)
	cost := CostAt(m, s.Settings.Hourly(s.Config.GPUs))
	r.Status = results.StatusOK
	r.LatencyS, r.TTFTS = &m.LatencyS, &m.TTFTS
	r.InputThroughput, r.OutputThroughput, r.OverallThroughput = &m.InputThroughput, &m.OutputThroughput, &m.OverallThroughput
	r.ITLMs = &m.ITLMs
	r.InputCostPer1M, r.OutputCostPer1M = &cost.InputPer1M, &cost.OutputPer1M
	r.TokenTimesMs = TokenTimesMs(st, scale)
	r.PromptTokens, r.CompletionTokens = st.Prompt, st.Output
	r.PromptSeed = s.lastSeed
	if s.prompts != nil {
		r.Prompts = s.prompts.Kind()
	}
	r.ClientCPUPct = s.lastCPUPct
	acc := st.Spec
	if acc == nil {
		acc = s.acceptLength(ctx)
	}
	if acc != nil && *acc > 0 {
		r.AccLength = acc
	}
	if len(st.Server) > 0 {
		r.ServerTimings = st.Server
		crossCheck(r, m, st.Server)
	}
	checkPlausible(r, s.info)
}

// acceptLength asks the server for its speculative accept length, unless ctx
// has ended or the server already failed to answer (engine.InfoTimeout each).
func (s *Session) acceptLength(ctx context.Context) *float64 {
	if ctx.Err() != nil || s.infoStuck {
		return nil
	}
	info, err := s.Client.ServerInfo(ctx)
	var te *engine.TimeoutError
	if errors.As(err, &te) {
		s.infoStuck = true
		s.note("%s: %v; not asked again in this session", s.Config.ID, err)
	}
	if err != nil {
		return nil
	}
	return info.SpecAcceptLength
}

// IsOOM reports whether a server log says it ran out of GPU memory.
func IsOOM(log string) bool {
	l := strings.ToLower(log)
	for _, p := range []string{"out of memory", "outofmemoryerror", "not enough memory", "cuda_error_out_of_memory"} {
		if strings.Contains(l, p) {
			return true
		}
	}
	return false
}
