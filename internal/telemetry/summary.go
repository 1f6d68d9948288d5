package telemetry

import (
	"math"
	"sort"

	"github.com/servesweep/servesweep/internal/engine"
)

// Key identifies a segment: a configuration's case (and repeat) or load profile.
type Key struct {
	ConfigID string `json:"config_id"`
	Case     string `json:"case"`
	Repeat   int    `json:"repeat,omitempty"`
	Profile  string `json:"profile,omitempty"`
}

// Summary is one segment's telemetry, reduced.
type Summary struct {
	Key
	DurationS float64        `json:"duration_s"`
	Server    *ServerSummary `json:"server,omitempty"`
	GPU       *GPUSummary    `json:"gpu,omitempty"`
	// Samples are the segment's samples in time order (histograms left
	// out), for time-series charts.
	Samples []Sample `json:"-"`
}

// Quantiles of a server histogram over a segment, in milliseconds; P50Lo and
// P50Hi bound the bucket that holds the median (the server's resolution).
type Quantiles struct {
	Count float64 `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P50Lo float64 `json:"p50_bucket_lo"`
	P50Hi float64 `json:"p50_bucket_hi"`
}

// Stat is a gauge's peak and mean over a segment's samples.
type Stat struct {
	Peak float64 `json:"peak"`
	Mean float64 `json:"mean"`
	N    int     `json:"samples"`
}

// ServerSummary is what the engine's endpoint said about a segment.
type ServerSummary struct {
	TTFT    *Quantiles `json:"ttft_ms,omitempty"`
	ITL     *Quantiles `json:"itl_ms,omitempty"`
	Running *Stat      `json:"running_requests,omitempty"`
	Queued  *Stat      `json:"queued_requests,omitempty"`
	KVUsage *Stat      `json:"kv_usage,omitempty"`
	// GenTokens is the generation-token counter's increase (nil: no counter).
	GenTokens *float64 `json:"generation_tokens,omitempty"`
}

// GPUSummary is what NVML said about a segment, over its GPUs.
type GPUSummary struct {
	GPUs int `json:"gpus"`
	// EnergyJ is the energy of all the segment's GPUs; EnergySource is
	// "counter" (NVML's total-energy counter, end minus start) or "power"
	// (power samples integrated over time, trapezoids).
	EnergyJ      float64 `json:"energy_j"`
	EnergySource string  `json:"energy_source"`
	PowerW       Stat    `json:"power_w"` // of all GPUs together
	UtilPct      *Stat   `json:"util_pct,omitempty"`
	MemUsedMiB   *Stat   `json:"mem_used_mib,omitempty"`
	SMClockMHz   *Stat   `json:"sm_clock_mhz,omitempty"`
}

// Summarize groups samples into segments (a key's last run when it ran more
// than once, e.g. resumed) and reduces each, in the order they first ran.
// Lines that carry an error are left out (see Problems).
func Summarize(samples []Sample) []Summary {
	segs := map[Key][]Sample{}
	var order []Key
	for _, s := range samples {
		if s.Error != "" || s.Case == "" && s.Profile == "" {
			continue
		}
		k := Key{s.ConfigID, s.Case, s.Repeat, s.Profile}
		if _, ok := segs[k]; !ok {
			order = append(order, k)
		}
		if s.Edge == EdgeStart && hasEnd(segs[k]) {
			segs[k] = nil // a later run of the same segment replaces the earlier
		}
		segs[k] = append(segs[k], s)
	}
	out := make([]Summary, 0, len(order))
	for _, k := range order {
		out = append(out, summarize(k, segs[k]))
	}
	return out
}

func hasEnd(ss []Sample) bool {
	for _, s := range ss {
		if s.Edge == EdgeEnd {
			return true
		}
	}
	return false
}

// Problems are the error lines, one per configuration and source (first seen).
func Problems(samples []Sample) []Sample {
	seen := map[[2]string]bool{}
	var out []Sample
	for _, s := range samples {
		k := [2]string{s.ConfigID, s.Source}
		if s.Error != "" && !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

func summarize(k Key, ss []Sample) Summary {
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].T < ss[j].T })
	sum := Summary{Key: k, Samples: ss}
	var server, gpus []Sample
	for _, s := range ss {
		sum.DurationS = math.Max(sum.DurationS, s.T)
		if s.Source == SourceServer {
			server = append(server, s)
		} else if s.Source == SourceGPU {
			gpus = append(gpus, s)
		}
	}
	if len(server) > 0 {
		sum.Server = serverSummary(server)
	}
	if len(gpus) > 0 {
		sum.GPU = gpuSummary(gpus)
	}
	return sum
}

func serverSummary(ss []Sample) *ServerSummary {
	out := &ServerSummary{
		Running: stat(ss, engine.MetricRunning), Queued: stat(ss, engine.MetricQueued), KVUsage: stat(ss, engine.MetricKVUsage),
	}
	start, end := edge(ss, EdgeStart), edge(ss, EdgeEnd)
	if start == nil || end == nil {
		return out
	}
	out.TTFT = quantiles(start.Histograms[engine.MetricTTFT], end.Histograms[engine.MetricTTFT])
	out.ITL = quantiles(start.Histograms[engine.MetricITL], end.Histograms[engine.MetricITL])
	a, okA := start.Values[engine.MetricGenTokens]
	b, okB := end.Values[engine.MetricGenTokens]
	if okA && okB && b >= a {
		d := b - a
		out.GenTokens = &d
	}
	return out
}

func edge(ss []Sample, e string) *Sample {
	for i := range ss {
		if ss[i].Edge == e {
			return &ss[i]
		}
	}
	return nil
}

func quantiles(before, after Histogram) *Quantiles {
	if len(after.Upper) == 0 {
		return nil
	}
	d, ok := after.Sub(before)
	if !ok || d.Count <= 0 {
		return nil
	}
	q := &Quantiles{Count: d.Count}
	q.P50, q.P50Lo, q.P50Hi = d.Quantile(0.5)
	q.P90, _, _ = d.Quantile(0.9)
	q.P99, _, _ = d.Quantile(0.99)
	q.P50, q.P90, q.P99, q.P50Lo, q.P50Hi = q.P50*1e3, q.P90*1e3, q.P99*1e3, q.P50Lo*1e3, q.P50Hi*1e3
	return q
}

// stat is the peak and mean of one value over the samples that carry it.
func stat(ss []Sample, name string) *Stat {
	st := &Stat{Peak: math.Inf(-1)}
	sum := 0.0
	for _, s := range ss {
		if v, ok := s.Values[name]; ok {
			st.Peak = math.Max(st.Peak, v)
			sum += v
			st.N++
		}
	}
	if st.N == 0 {
		return nil
	}
	st.Mean = sum / float64(st.N)
	return st
}
