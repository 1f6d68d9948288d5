package trtllm

import "github.com/servesweep/servesweep/internal/engine"

// Metrics implements engine.MetricsExposer: trtllm-serve's /metrics is JSON
// iteration statistics, not Prometheus; the Prometheus text is served on
// /prometheus/metrics (tensorrt_llm/metrics/collector.py, prefix trtllm_).
// Its time_per_output_token histogram is per request (decode time over
// tokens), the closest it has to an inter-token latency.
func (Engine) Metrics() engine.MetricsSpec {
	return engine.MetricsSpec{
		Path: "/prometheus/metrics",
		Names: map[string][]string{
			engine.MetricTTFT:         {"trtllm_time_to_first_token_seconds"},
			engine.MetricITL:          {"trtllm_time_per_output_token_seconds"},
			engine.MetricE2E:          {"trtllm_e2e_request_latency_seconds"},
			engine.MetricRunning:      {"trtllm_num_requests_running"},
			engine.MetricQueued:       {"trtllm_num_requests_waiting"},
			engine.MetricKVUsage:      {"trtllm_kv_cache_utilization"},
			engine.MetricPromptTokens: {"trtllm_prompt_tokens_total"},
			engine.MetricGenTokens:    {"trtllm_generation_tokens_total"},
		},
	}
}
