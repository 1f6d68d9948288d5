package engine

// Engine-neutral names of the server metrics servesweep reads from an
// engine's Prometheus endpoint. Each engine maps them to its own metric
// families (MetricsSpec.Names); the scraper and the report only know these.
const (
	// MetricTTFT is the histogram of time to first token, in seconds.
	MetricTTFT = "ttft_seconds"
	// MetricITL is the histogram of inter-token latency, in seconds.
	MetricITL = "itl_seconds"
	// MetricE2E is the histogram of end-to-end request latency, in seconds.
	MetricE2E = "e2e_seconds"
	// MetricRunning is the gauge of requests being decoded (summed over series).
	MetricRunning = "running_requests"
	// MetricQueued is the gauge of requests waiting (summed over series).
	MetricQueued = "queued_requests"
	// MetricKVUsage is the gauge of KV-cache use, 0 to 1 (the mean over series).
	MetricKVUsage = "kv_usage"
	// MetricGenThroughput is the engine's own generation throughput gauge, tokens/s.
	MetricGenThroughput = "gen_throughput"
	// MetricPromptTokens and MetricGenTokens are the token counters.
	MetricPromptTokens = "prompt_tokens_total"
	MetricGenTokens    = "generation_tokens_total"
)

// HistogramMetrics are the neutral names that are histograms; the others are
// gauges or counters read as one number.
var HistogramMetrics = []string{MetricTTFT, MetricITL, MetricE2E}

// MeanMetrics are the neutral gauges averaged over their series (a ratio per
// rank); every other gauge or counter is summed (requests, tokens).
var MeanMetrics = []string{MetricKVUsage}

// MetricsSpec is how an engine exposes Prometheus metrics.
type MetricsSpec struct {
	// Path is the route of the Prometheus text exposition ("/metrics").
	Path string
	// EnableFlag is the launch flag without which the engine serves no
	// metrics ("--enable-metrics"); "" when they are always on.
	EnableFlag string
	// Names maps each neutral name to the engine's metric families, in order
	// of preference (renamed families across versions): the first one the
	// endpoint serves is read.
	Names map[string][]string
}

// MetricsExposer is implemented by engines that serve Prometheus metrics.
// Engines without it (Ollama) have no server-side telemetry.
type MetricsExposer interface {
	Metrics() MetricsSpec
}

// MetricsOf returns e's metrics spec; false when e serves no Prometheus metrics.
func MetricsOf(e Engine) (MetricsSpec, bool) {
	m, ok := e.(MetricsExposer)
	if !ok {
		return MetricsSpec{}, false
	}
	spec := m.Metrics()
	return spec, spec.Path != ""
}
