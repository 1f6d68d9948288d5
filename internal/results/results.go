// Package results defines the raw records a run writes — one per benchmark case
// in results.jsonl, one per server lifecycle in servers.jsonl — and reads them
// back. Records are appended and flushed as they happen; reports are computed
// later from these files alone.
package results

import (
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// Status values of a case record.
const (
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
	// StatusInterrupted is a server record cut short by Ctrl-C (or a stop of
	// the sweep): the configuration is not complete and --resume runs it again.
	StatusInterrupted = "interrupted"
)

// Failure kinds.
const (
	KindLaunchCrash    = "launch_crash"
	KindLaunchTimeout  = "launch_timeout"
	KindRequestFailed  = "request_failed"
	KindServerDied     = "server_died"
	KindOOM            = "oom"
	KindStopTimeout    = "stop_timeout"
	KindLeftover       = "leftover_processes"
	KindLaunchError    = "launch_error"
	KindPrepareFailed  = "prepare_failed"
	KindPortInUse      = "port_in_use"
	KindGPUBusy        = "gpu_busy"
	KindGPUNotReleased = "gpu_not_released"
	KindSlurmJob       = "slurm_job_failed"
	KindPreflight      = "preflight"
	// KindSearch: the sweep's search: strategy decided not to run it.
	KindSearch = "search"
	// KindWriteFailed: a record could not be written to the run directory (disk
	// full, I/O error). The sweep stops; the configuration stays incomplete.
	KindWriteFailed = "write_failed"
)

// Result is one benchmark case of one configuration.
type Result struct {
	RunID     string `json:"run_id"`
	ConfigID  string `json:"config_id"`
	ModelKey  string `json:"model_key"`
	Model     string `json:"model"`
	ModelName string `json:"model_name"`
	Variant   string `json:"variant"`
	Engine    string `json:"engine"`
	// EngineVersion is what the server reported (/server_info, /version).
	EngineVersion string `json:"engine_version"`
	Simulated     bool   `json:"simulated"`
	Status        string `json:"status"`

	// Repeat is the repetition index of the case (0-based; repeats: N in the sweep file).
	Repeat    int `json:"repeat"`
	BatchSize int `json:"batch_size"`
	InputLen  int `json:"input_len"`
	OutputLen int `json:"output_len"`

	LatencyS          *float64 `json:"latency_s"`
	TTFTS             *float64 `json:"ttft_s"`
	InputThroughput   *float64 `json:"input_throughput"`
	OutputThroughput  *float64 `json:"output_throughput"`
	OverallThroughput *float64 `json:"overall_throughput"`
	ITLMs             *float64 `json:"itl_ms"`
	AccLength         *float64 `json:"acc_length"`

	// ITLBoundMs is the HBM-bandwidth bound of this case's decode step (the
	// bytes one step must read per GPU at full memory bandwidth; see
	// perfmodel). null when the hardware or the model's config is unknown.
	ITLBoundMs *float64 `json:"itl_bound_ms"`

	GPUs            int      `json:"gpus"`
	GPUIDs          []int    `json:"gpu_ids,omitempty"`
	GPULabel        string   `json:"gpu_label"`
	GPUHourPrice    float64  `json:"gpu_hour_price"`
	InputCostPer1M  *float64 `json:"input_cost_per_1m"`
	OutputCostPer1M *float64 `json:"output_cost_per_1m"`

	TraceExtend  *string  `json:"trace_extend"`
	TraceDecode  *string  `json:"trace_decode"`
	Traces       []string `json:"traces,omitempty"`
	ProfileError string   `json:"profile_error,omitempty"`

	Error       string `json:"error"`
	FailureKind string `json:"failure_kind"`
	LogTail     string `json:"log_tail"`

	Command   []string          `json:"command"`
	Env       map[string]string `json:"env,omitempty"`
	Host      string            `json:"host"`
	StartedAt time.Time         `json:"started_at"`
	EndedAt   time.Time         `json:"ended_at"`

	// Raw measurements: each request's token arrival times (ms since the request was sent).
	TokenTimesMs     [][]float64 `json:"token_times_ms,omitempty"`
	PromptTokens     []int       `json:"prompt_tokens,omitempty"`
	CompletionTokens []int       `json:"completion_tokens,omitempty"`
	PromptSeed       uint64      `json:"prompt_seed,omitempty"`
	// Prompts says how the prompts were made: "text:<tokenizer.json path>" (the
	// shipped corpus through the model's own tokenizer, as SGLang's benchmark
	// does) or "random-ids" (uniform random ids: asked for, no tokenizer found,
	// or an engine that takes text only).
	Prompts string `json:"prompts,omitempty"`
	// ClientCPUPct is servesweep's own CPU use during the request, in % of all cores.
	ClientCPUPct float64 `json:"client_cpu_pct"`
	SimTimeScale float64 `json:"sim_time_scale,omitempty"`
	// ServerTimings are the engine's own per-request figures, when it reports them.
	ServerTimings []engine.ServerTimings `json:"server_timings,omitempty"`
	// ServerTTFTS and ServerOutputThroughput are the engine's own figures for the
	// same case (Ollama: load + prompt_eval duration; eval_count / eval_duration);
	// TimingCheck says whether client and server agree within 10%.
	ServerTTFTS            *float64 `json:"server_ttft_s,omitempty"`
	ServerOutputThroughput *float64 `json:"server_output_throughput,omitempty"`
	TimingCheck            string   `json:"timing_check,omitempty"`
}

// Server is one server lifecycle: launch, readiness, stop.
type Server struct {
	RunID       string `json:"run_id"`
	ConfigID    string `json:"config_id"`
	Status      string `json:"status"` // ok | failed | interrupted | skipped
	FailureKind string `json:"failure_kind,omitempty"`
	Error       string `json:"error,omitempty"`
	Port        int    `json:"port,omitempty"`
	PID         int    `json:"pid,omitempty"`
	Host        string `json:"host,omitempty"`
	SlurmJobID  string `json:"slurm_job_id,omitempty"`
	// DownloadS is the model prefetch time before the launch, ReadyS the launch-to-ready
	// (load) time, PrepareS engine set-up after ready (Ollama: ollama create).
	DownloadS      float64 `json:"download_s,omitempty"`       // how long the launch waited for the model
	DownloadTotalS float64 `json:"download_total_s,omitempty"` // how long the model's download took (perhaps in the background)
	DownloadFrom   string  `json:"download_from,omitempty"`
	ReadyS         float64 `json:"ready_s,omitempty"`
	PrepareS       float64 `json:"prepare_s,omitempty"`
	ShutdownS      float64 `json:"shutdown_s"`
	GPUIDs         []int   `json:"gpu_ids,omitempty"`
	GPUReleaseS    float64 `json:"gpu_release_s,omitempty"`
	ForcedKill     bool    `json:"forced_kill"`
	LeftoverPIDs   []int   `json:"leftover_pids,omitempty"`
	ExitStatus     string  `json:"exit_status,omitempty"`
	EngineVersion  string  `json:"engine_version,omitempty"`
	// Effective is the configuration the engine resolved and reported after
	// readiness (SGLang /server_info: moe_runner_backend, attention_backend, ...).
	Effective map[string]any `json:"effective,omitempty"`
	// EffectiveWarnings are the server log's known fallback lines (e.g. SGLang's
	// "has no ... path; using triton") and differences from what was asked.
	EffectiveWarnings []string  `json:"effective_warnings,omitempty"`
	LogPath           string    `json:"log_path,omitempty"`
	LogTail           string    `json:"log_tail,omitempty"`
	StartedAt         time.Time `json:"started_at"`
	EndedAt           time.Time `json:"ended_at"`
}

// Key identifies a case within a run.
func (r *Result) Key() string {
	return r.ConfigID + "|" + itoa(r.BatchSize) + "|" + itoa(r.InputLen) + "|" + itoa(r.OutputLen) + "|" + itoa(r.Repeat)
}

func itoa(n int) string {
	b := [20]byte{}
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
