// Package sweep reads and validates sweep files: the YAML that says which models
// to serve and which engine knobs (TP size, MoE backend, any flag) to try.
//
// Every error names file:line:column and says what was expected, so a typo in
// a sweep file fails in milliseconds instead of hours into a run.
package sweep

import (
	"time"

	"github.com/servesweep/servesweep/internal/engine/registry"
	"github.com/servesweep/servesweep/internal/workload"
)

// Engines lists the engine names a sweep file may use (the engine registry's).
var Engines = registry.Names()

// File is a parsed, validated sweep file.
type File struct {
	// Source is the path the file was read from.
	Source string
	// Name names the sweep; it appears in the report title.
	Name string
	// Engine is the inference engine every configuration is served by.
	Engine string
	// EngineCommand replaces the engine's default launcher argv prefix
	// (for example [python3, -m, sglang.launch_server]).
	EngineCommand []string
	// GPULabel is shown in table headers, like the seed's [8-gpu-h200].
	GPULabel string
	// GPUHourPrice is USD per GPU-hour; cost uses price × GPUs a configuration uses.
	GPUHourPrice float64
	// PowerPrice is USD per kWh of GPU energy (power_price; 0: not priced).
	PowerPrice float64
	// Telemetry is the `telemetry:` key (server metrics and GPU samples).
	Telemetry Telemetry
	// CPUHourPrice is USD per hour of a configuration that uses no GPU
	// (cpu_hour_price); < 0 when not set: the machine's price (CPUPrice).
	CPUHourPrice float64
	// TPSizes are the tensor-parallel sizes tried for every model (unless overridden).
	TPSizes []int
	// MoEBackends are the MoE kernel backends tried for MoE models.
	MoEBackends []string
	// BatchSizes, InputLens and OutputLens span the benchmark cases of each configuration.
	BatchSizes []int
	InputLens  []int
	OutputLens []int
	// Profile asks for extend and decode profiler traces per configuration.
	Profile bool
	// ProfileSteps is the number of forward steps the profiler records per stage.
	ProfileSteps int
	// LaunchTimeout bounds how long a server may take to become ready.
	LaunchTimeout time.Duration
	// RequestTimeout bounds one benchmark request.
	RequestTimeout time.Duration
	// StopGrace is how long a server gets after SIGTERM before SIGKILL.
	StopGrace time.Duration
	// Warmup runs SGLang's warmup after launch: one 1024-in/16-out request per batch size.
	Warmup bool
	// Prompts is "text" (real text through the model's own tokenizer.json),
	// "random-ids", or "" (text when a tokenizer.json is found, else random ids).
	Prompts string
	// Workload is the `workload:` section: what load profiles send (nil:
	// random ids at the cases' lengths).
	Workload *workload.Spec
	// ServerParams is a grid over engine flags; configurations take the cartesian product.
	ServerParams []Param
	// Env is added to every server's environment.
	Env map[string]string
	// Models are the models to serve, in file order.
	Models []Model
	// Hardware optionally describes the GPUs of the host.
	Hardware *Hardware
	// Resolved is what servesweep found before planning (not a sweep-file key):
	// the target hardware and the engine version the rules are keyed on.
	Resolved Resolved
	// Load are serving-load profiles run for every (input, output) length pair.
	Load []LoadProfile
	// SLO bounds goodput: requests meeting them per second.
	SLO *SLO
	// Frontier is the frontier: section (nil: no interactivity target).
	Frontier *Frontier
	// Quality is the quality: section (nil: no quality guard).
	Quality *Quality
	// Search is the `search:` section (nil: grid, every configuration).
	Search *Search
	// Executor is local (default) or slurm.
	Executor string
	// Slurm configures the slurm executor.
	Slurm *SlurmOptions
	// Schedule is exclusive (one configuration at a time, the default) or packed.
	Schedule string
	// Repeats runs each case this many times (fresh prompts, cache flushed).
	Repeats int
	// Objective picks the recommendation in the closing list: itl, output_throughput,
	// cost or budget (fastest within CostBudget); "" means itl at batch 1, else output_throughput.
	Objective string
	// CostBudget is the output cost limit (USD per 1M output tokens) of the budget objective.
	CostBudget float64
	// ModelConfigs are folders holding models' config.json as <org>--<name>/config.json,
	// resolved against the sweep file's folder.
	ModelConfigs []string
}

// Param is one engine flag of the server_params grid and the values to try.
type Param struct {
	Flag   string
	Values []string
}

// Hardware describes the GPUs a sweep runs on (used by pre-flight checks).
type Hardware struct {
	// GPU is a hardware catalog name or alias ("H200", "h200", "NVIDIA H200").
	GPU          string
	GPUs         int
	GPUMemoryGiB float64
	// ComputeCapability describes a GPU outside the catalog ("9.0", "gfx942").
	ComputeCapability string
	GPUName           string // legacy display name (gpu_name:)
}

// Model is one model entry of a sweep file.
type Model struct {
	// Key is the model's key in the models map (stable, used in config ids).
	Key string
	// Path is the model path or Hugging Face id given to the engine.
	Path string
	// Name is a display name for the closing recommendation list.
	Name string
	// IsMoE says whether MoE backends apply to this model.
	IsMoE bool
	// ExtraArgs are appended to every launch of this model.
	ExtraArgs []string
	// TPSizes overrides the file's tp_sizes when set.
	TPSizes []int
	// MoEBackends overrides the file's moe_backends when MoEBackendsSet; empty means engine default.
	MoEBackends    []string
	MoEBackendsSet bool
	// TPArgs holds extra args for one TP size.
	TPArgs map[int][]string
	// Env is added to this model's servers' environment.
	Env map[string]string
}

// DisplayName is the name used in the closing list: Name, else Path.
func (m Model) DisplayName() string {
	if m.Name != "" {
		return m.Name
	}
	return m.Path
}

// EffectiveTPSizes returns the TP sizes tried for m.
func (f *File) EffectiveTPSizes(m Model) []int {
	if m.TPSizes != nil {
		return m.TPSizes
	}
	return f.TPSizes
}

// EffectiveMoEBackends returns the MoE backends tried for m; nil means the engine default only.
func (f *File) EffectiveMoEBackends(m Model) []string {
	if !m.IsMoE {
		return nil
	}
	if m.MoEBackendsSet {
		return m.MoEBackends
	}
	return f.MoEBackends
}

// LoadProfile is one serving load: a closed loop of Concurrency streams, or an
// open loop of Rate requests per second (Poisson or constant arrivals), until
// Requests have been sent or Duration has passed.
type LoadProfile struct {
	Concurrency int           `json:"concurrency,omitempty"`
	Rate        float64       `json:"rate,omitempty"`
	Arrival     string        `json:"arrival,omitempty"`
	Requests    int           `json:"requests,omitempty"`
	Duration    time.Duration `json:"duration_ns,omitempty"`
	// Ladder numbers the ladder (1-based, in the load: list) this profile is
	// a rung of; 0 for a profile listed by itself. A ladder's rungs run in
	// order and stop at saturation unless KeepClimbing (stop_at_saturation: false).
	Ladder       int  `json:"ladder,omitempty"`
	KeepClimbing bool `json:"keep_climbing,omitempty"`
}

// SLO are latency objectives for goodput, each checked per request (0: unset):
// TTFTMs bounds the time to first token, ITLMs every per-token inter-token
// latency of the stream (its worst gap), TPOTMs the time per output token
// after the first (the request's mean gap).
type SLO struct {
	TTFTMs float64 `json:"ttft_ms,omitempty"`
	ITLMs  float64 `json:"itl_ms,omitempty"`
	TPOTMs float64 `json:"tpot_ms,omitempty"`
}

// Frontier sets the question the report answers from the load ladders: at
// ≥ TargetTokensPerSPerUser output tokens per second per user, which
// configuration gives the most output tokens per second per GPU.
type Frontier struct {
	TargetTokensPerSPerUser float64
}

// SlurmOptions are the sbatch settings of the slurm executor.
type SlurmOptions struct {
	Partition string
	Account   string
	TimeLimit string
	GRES      bool
	MaxJobs   int
	Self      string // servesweep as the compute nodes see it
}

// Resolved is what servesweep resolved for a sweep before planning.
type Resolved struct {
	Hardware            string // "8× H200 (Hopper, compute 9.0, 140.4 GiB) from sweep file hardware:"
	EngineVersion       string // "" when unknown
	EngineVersionSource string // how it was found, or why it is unknown
	// NoGPU: no GPU was named (flags, hardware:, gpu_label) or discovered.
	NoGPU bool
	// CPUHourPrice prices configurations that use no GPU (USD per hour), and
	// CPUHourPriceSource says where it came from.
	CPUHourPrice       float64
	CPUHourPriceSource string
}
