package vllm

import "github.com/servesweep/servesweep/internal/engine"

// Metrics implements engine.MetricsExposer: vLLM always serves Prometheus text
// on /metrics (vllm/v1/metrics/loggers.py). Families renamed across versions
// are listed newest first: kv_cache_usage_perc replaced gpu_cache_usage_perc
// (both 0 to 1), inter_token_latency_seconds replaced time_per_output_token_seconds.
func (Engine) Metrics() engine.MetricsSpec {
	return engine.MetricsSpec{
		Path: "/metrics",
		Names: map[string][]string{
			engine.MetricTTFT:         {"vllm:time_to_first_token_seconds"},
			engine.MetricITL:          {"vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"},
			engine.MetricE2E:          {"vllm:e2e_request_latency_seconds"},
			engine.MetricRunning:      {"vllm:num_requests_running"},
			engine.MetricQueued:       {"vllm:num_requests_waiting"},
			engine.MetricKVUsage:      {"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"},
			engine.MetricPromptTokens: {"vllm:prompt_tokens_total"},
			engine.MetricGenTokens:    {"vllm:generation_tokens_total"},
		},
	}
}
