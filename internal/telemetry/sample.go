// Package telemetry records what the server and the GPUs did while each case
// and load profile ran: it scrapes the engine's Prometheus endpoint (parsed
// with prometheus/common's expfmt) and samples the configuration's GPUs
// through NVML on a fixed period, writing one JSON line per sample to the
// run directory's telemetry.jsonl. Summaries for the report (server-side
// TTFT/ITL quantiles, running and queued requests, KV use, energy per token)
// are computed from those lines in a separate pass (summary.go).
package telemetry

import (
	"context"
	"time"
)

// File is the run directory's telemetry file: one Sample per line.
const File = "telemetry.jsonl"

// Sources of a sample.
const (
	SourceServer = "server"
	SourceGPU    = "gpu"
)

// Edges of a segment: samples taken synchronously when it began and ended.
const (
	EdgeStart = "start"
	EdgeEnd   = "end"
)

// DefaultPeriod is the sampling period when the sweep file sets none.
const DefaultPeriod = time.Second

// Sample is one line of telemetry.jsonl.
type Sample struct {
	ConfigID string `json:"config_id"`
	// Case labels a benchmark case ("bs=1 in=1024 out=16") or a load
	// profile's lengths ("in=1024 out=256"); Profile is the load profile's
	// label ("concurrency 8"), "" for a case.
	Case    string `json:"case,omitempty"`
	Repeat  int    `json:"repeat,omitempty"`
	Profile string `json:"profile,omitempty"`
	// T is seconds since the case (or load profile) began; At the wall time.
	T  float64   `json:"t"`
	At time.Time `json:"at"`
	// Source is "server" (the engine's Prometheus endpoint) or "gpu" (NVML).
	Source string `json:"source"`
	// Edge is "start" or "end" for the samples taken at the segment's bounds.
	Edge string `json:"edge,omitempty"`
	// GPU is the host index of the GPU a gpu sample reads.
	GPU *int `json:"gpu,omitempty"`
	// Values are gauges and counters by engine-neutral name (engine.Metric*)
	// for the server, util_pct, mem_used_mib, power_w, sm_clock_mhz, energy_j
	// for a GPU.
	Values map[string]float64 `json:"values,omitempty"`
	// Histograms are the server's latency histograms, at the edges only.
	Histograms map[string]Histogram `json:"histograms,omitempty"`
	// Error says why a source has nothing to record (no GPU, no endpoint, a
	// failed scrape); such a line carries no values.
	Error string `json:"error,omitempty"`
}

// Histogram is a cumulative Prometheus histogram: Counts[i] observations at
// most Upper[i]; Count is all observations (the +Inf bucket), Sum their sum.
type Histogram struct {
	Upper  []float64 `json:"le"`
	Counts []float64 `json:"n"`
	Count  float64   `json:"count"`
	Sum    float64   `json:"sum"`
}

// Settings is what a job needs to record telemetry (zero value: off).
type Settings struct {
	// Period between samples while a segment runs (0: telemetry off).
	Period time.Duration
	// Emit writes one sample (the run directory's appender).
	Emit func(Sample) error
}

// On reports whether telemetry is recorded.
func (s Settings) On() bool { return s.Period > 0 && s.Emit != nil }

type ctxKey struct{}

// With returns ctx carrying r, for hooks that reach it through a context.
func With(ctx context.Context, r *Recorder) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// From returns the recorder ctx carries (nil, whose methods do nothing, if none).
func From(ctx context.Context) *Recorder {
	r, _ := ctx.Value(ctxKey{}).(*Recorder)
	return r
}
