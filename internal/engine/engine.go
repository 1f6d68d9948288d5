// Package engine defines the seam between servesweep and an inference server:
// how to launch one (Engine) and how to talk to a running one (Client).
//
// Adapters live in sub-packages (sglang, vllm, sim, ollama); the registry that
// maps a sweep file's engine name to an adapter is package engines.
package engine

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Placeholders substituted at launch time in argv and env values.
const (
	HostPlaceholder     = "{host}"
	PortPlaceholder     = "{port}"
	TraceDirPlaceholder = "{trace_dir}"
	WorkDirPlaceholder  = "{work_dir}"
)

// LaunchSpec is what an engine needs to build a server command.
type LaunchSpec struct {
	ModelPath  string
	TP         int
	MoEBackend string   // "" means the engine's default
	Args       []string // extra args: model extra_args, tp_args, server_params
	Launcher   []string // replaces the default launcher prefix when set
	Self       string   // path of the servesweep executable (for the sim engine)
	MaxBatch   int      // largest batch size of the configuration's cases
	Dense      bool     // the model has no experts (is_moe: false)
	// EngineVersion is the engine's version as detected before launch ("" =
	// unknown: adapters then assume the newest behaviour).
	EngineVersion string
	// ProfileSteps is > 0 when the sweep asks for profiler traces: the forward
	// steps to record (engines whose profiler is armed at launch use it).
	ProfileSteps int
	// NoGPU is set when the target has no GPU (none named, none discovered):
	// engines that run on the CPU then say they use 0 GPUs.
	NoGPU bool
}

// LaunchFiles is implemented by engines whose launch needs files written
// first (TensorRT-LLM's extra options YAML): file name → content, written into
// the configuration's work directory before the server starts; argv names
// them through WorkDirPlaceholder.
type LaunchFiles interface {
	Files(spec LaunchSpec) map[string][]byte
}

// SimSpeaker is implemented by engines the sim can stand in for in a dry run:
// the sim-server arguments (SGLang's spellings for the flags the sim models,
// --sim-protocol for the wire protocol) and environment that make it speak the
// engine's protocol for spec, so the dry run measures through the engine's own
// client, log patterns and launch files.
type SimSpeaker interface {
	SimArgs(spec LaunchSpec) (args []string, env map[string]string)
}

// ClientConfig is what a client may need beyond the base URL: the resolved
// launch command and environment, the model, the extra args, the work directory.
type ClientConfig struct {
	ModelPath  string
	ModelKey   string
	Args       []string
	Command    []string // resolved argv (placeholders substituted)
	Env        []string // resolved KEY=VALUE pairs added to the server's environment
	WorkDir    string
	MaxContext int // largest input+output length of the configuration's cases
}

// Preparer is implemented by clients that must set the server up after it is
// ready and before the benchmark (Ollama: create the model).
type Preparer interface {
	Prepare(ctx context.Context) error
}

// Engine launches servers of one kind.
type Engine interface {
	// Name is the engine's sweep-file name.
	Name() string
	// Command returns the server argv and extra environment, with placeholders.
	Command(spec LaunchSpec) (argv []string, env map[string]string)
	// GPUs is the number of GPUs a server launched from spec uses.
	GPUs(spec LaunchSpec) int
	// NewClient returns a client for a server at baseURL.
	NewClient(baseURL string, cfg ClientConfig) Client
	// Simulated reports whether results are from a simulation.
	Simulated() bool
}

// Client talks to one running server.
type Client interface {
	// Ready returns nil once the server serves requests; ErrNotReady while it starts.
	Ready(ctx context.Context) error
	// Flush empties the server's prefix cache so a case measures a cold prompt.
	Flush(ctx context.Context) error
	// Generate sends one streamed request carrying the whole batch and records
	// every token's arrival time. It fails on HTTP errors, error events,
	// malformed streams and streams that end early.
	Generate(ctx context.Context, req GenerateRequest) (*Stream, error)
	// ServerInfo returns the engine version and speculative accept length, if known.
	ServerInfo(ctx context.Context) (ServerInfo, error)
	// StartProfile arms the profiler for the next request; ErrNoProfiler when unsupported.
	StartProfile(ctx context.Context, req ProfileRequest) error
	// StopProfile ends a profile that the engine does not stop by itself.
	StopProfile(ctx context.Context) error
}

// LetterPrompts is implemented by clients whose server takes text only and
// that turn token ids into letters (Ollama): text prompts through a tokenizer
// would not survive that, so such clients get random ids.
type LetterPrompts interface {
	LetterPrompts() bool
}

// ErrNotReady is returned by Client.Ready while a server is still starting.
var ErrNotReady = errors.New("server not ready")

// ErrNoProfiler is returned by Client.StartProfile when the engine cannot profile.
var ErrNoProfiler = errors.New("engine cannot profile")

// GenerateRequest is one batch request of a benchmark case.
type GenerateRequest struct {
	InputIDs [][]int // one prompt per request of the batch
	// Text optionally gives prompt i as text, for clients whose server takes
	// text (LetterPrompts): a dataset's prompt then reaches it as written,
	// not as one letter per id. "" or no entry: the ids. Other clients send
	// the ids.
	Text        []string
	OutputLen   int
	Temperature float64
}

// ProfileRequest arms the profiler.
type ProfileRequest struct {
	OutputDir      string
	NumSteps       int
	ProfileByStage bool
	Prefix         string
}

// ServerInfo is what a server says about itself.
type ServerInfo struct {
	Version          string
	SpecAcceptLength *float64
	// TimeScale is >0 for simulated servers that run faster than modelled time.
	TimeScale float64
	Raw       map[string]any
}

// Arrival is one streamed update: when it arrived and how many completion tokens
// the request had by then.
type Arrival struct {
	At     time.Duration // since Stream.Tic
	Tokens int
	// Sent is when the server says it wrote the update (test emitters only; 0 otherwise).
	Sent time.Duration
}

// Stream is the raw record of one Generate call.
type Stream struct {
	Tic      time.Time       // taken just before the request was sent
	End      time.Duration   // end of stream, since Tic
	Arrivals [][]Arrival     // per request index
	Prompt   []int           // prompt tokens per request, as the server counted them
	Output   []int           // completion tokens per request, as the server counted them
	Finish   []string        // finish reason type per request
	Spec     *float64        // speculative accept length reported on the stream
	Server   []ServerTimings // per request, when the engine reports its own timings
}

// ServerTimings are an engine's own per-request figures (Ollama's eval counters).
type ServerTimings struct {
	PromptEvalCount int           `json:"prompt_eval_count"`
	PromptEval      time.Duration `json:"prompt_eval_duration_ns"`
	EvalCount       int           `json:"eval_count"`
	Eval            time.Duration `json:"eval_duration_ns"`
	Load            time.Duration `json:"load_duration_ns"`
	Total           time.Duration `json:"total_duration_ns"`
}

// RequestError is a failed request; Kind distinguishes http, error events and malformed streams.
type RequestError struct {
	Kind string // "http", "error_event", "malformed", "incomplete", "connection", "overrun"
	Msg  string
}

func (e *RequestError) Error() string { return e.Kind + ": " + e.Msg }

// FlagValue returns the value following flag in args ("--flag v" or "--flag=v").
func FlagValue(args []string, flag string) (string, bool) {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1], true
		}
		if len(a) > len(flag) && a[:len(flag)+1] == flag+"=" {
			return a[len(flag)+1:], true
		}
	}
	return "", false
}

// HasFlag reports whether args contain flag (bare or with =value).
func HasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || len(a) > len(flag) && a[:len(flag)+1] == flag+"=" {
			return true
		}
	}
	return false
}

// IntFlag returns the integer value of flag in args, or def.
func IntFlag(args []string, def int, flags ...string) int {
	for _, f := range flags {
		if v, ok := FlagValue(args, f); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
	}
	return def
}

// StandIn is implemented by engines that stand in for another (the sim speaks
// SGLang's protocol and honours its pre-flight rules).
type StandIn interface {
	StandsInFor() string
}

// Traits is what the rest of servesweep asks of an engine instead of testing
// its name.
type Traits struct {
	// LaunchSeconds is a typical launch-to-ready time, for schedule estimates
	// before history refines them.
	LaunchSeconds float64
	// NoTP says the engine has no tensor parallelism (Ollama): TP is left out of
	// a configuration's display name.
	NoTP bool
	// RunsOnCPU says the engine serves on the CPU when no GPU is known (Ollama).
	RunsOnCPU bool
	// NoPrefetch says servesweep must not fetch the model from the Hugging Face
	// Hub before launch (the engine pulls or creates its own models).
	NoPrefetch bool
}

// Describer is implemented by engines that describe their traits.
type Describer interface {
	Traits() Traits
}

// TraitsOf returns e's traits (defaults: a five-minute launch, TP shown, models prefetched).
func TraitsOf(e Engine) Traits {
	if d, ok := e.(Describer); ok {
		return d.Traits()
	}
	return Traits{LaunchSeconds: 300}
}

// Case is one benchmark case: batch size, input and output length.
type Case struct {
	BatchSize int `json:"batch_size"`
	InputLen  int `json:"input_len"`
	OutputLen int `json:"output_len"`
}
