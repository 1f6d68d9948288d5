package sglang

import "github.com/servesweep/servesweep/internal/engine"

// Metrics implements engine.MetricsExposer: SGLang serves Prometheus text on
// /metrics only when launched with --enable-metrics
// (python/sglang/srt/metrics/collector.py: TokenizerMetricsCollector's
// histograms, SchedulerMetricsCollector's gauges). Older releases named the
// inter-token histogram time_per_output_token_seconds.
func (Engine) Metrics() engine.MetricsSpec { return MetricsSpec }

// MetricsSpec is SGLang's metrics route, switch and family names (the sim
// serves the same).
var MetricsSpec = engine.MetricsSpec{
	Path:       "/metrics",
	EnableFlag: "--enable-metrics",
	Names: map[string][]string{
		engine.MetricTTFT:          {"sglang:time_to_first_token_seconds"},
		engine.MetricITL:           {"sglang:inter_token_latency_seconds", "sglang:time_per_output_token_seconds"},
		engine.MetricE2E:           {"sglang:e2e_request_latency_seconds"},
		engine.MetricRunning:       {"sglang:num_running_reqs"},
		engine.MetricQueued:        {"sglang:num_queue_reqs"},
		engine.MetricKVUsage:       {"sglang:token_usage"},
		engine.MetricGenThroughput: {"sglang:gen_throughput"},
		engine.MetricPromptTokens:  {"sglang:prompt_tokens_total"},
		engine.MetricGenTokens:     {"sglang:generation_tokens_total"},
	},
}
