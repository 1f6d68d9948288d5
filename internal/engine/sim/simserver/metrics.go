package simserver

import (
	"net/http"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"
)

// SGLang's default histogram buckets (python/sglang/srt/metrics/collector.py,
// TokenizerMetricsCollector), in seconds.
var (
	ttftBuckets = []float64{0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400}
	itlBuckets  = []float64{0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.025, 0.030, 0.035, 0.040, 0.060, 0.080, 0.100, 0.200, 0.400, 0.600, 0.800, 1.000, 2.000, 4.000, 6.000, 8.000}
	e2eBuckets  = []float64{0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600, 1200, 1800, 2400}
)

// tokenCapacity is the KV pool size the sim reports (/server_info's token_capacity).
const tokenCapacity = 1 << 20

// simMetrics is what the sim serves on /metrics under SGLang's names: the
// TTFT, inter-token and end-to-end latencies of the tokens it really wrote
// (wall time divided by the time scale, so in the same modelled seconds the
// client reports), and the running requests and tokens held at the moment.
type simMetrics struct {
	mu               sync.Mutex
	ttft, itl, e2e   hist
	running, tokens  int
	prompt, gen, req float64
}

type hist struct {
	upper  []float64
	counts []uint64 // per bucket, not cumulative; len(upper)+1 with +Inf
	sum    float64
}

func (h *hist) observe(v float64, n int) {
	if h.counts == nil {
		h.counts = make([]uint64, len(h.upper)+1)
	}
	i := 0
	for i < len(h.upper) && v > h.upper[i] {
		i++
	}
	h.counts[i] += uint64(n)
	h.sum += v * float64(n)
}

// metricsOf returns the server's metrics, created on first use.
func (s *Server) metricsOf() *simMetrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.met == nil {
		s.met = &simMetrics{ttft: hist{upper: ttftBuckets}, itl: hist{upper: itlBuckets}, e2e: hist{upper: e2eBuckets}}
	}
	return s.met
}

// reqTracker follows one batch request's token writes.
type reqTracker struct {
	m          *simMetrics
	scale      float64
	begin      time.Time
	last       time.Time
	bs, prompt int
	tokens     int
}

// track starts following a request of len(lens) prompts; call token after
// each step's write and done when the request ends.
func (s *Server) track(lens []int) *reqTracker {
	m := s.metricsOf()
	t := &reqTracker{m: m, scale: s.opts.TimeScale, begin: time.Now(), bs: len(lens)}
	for _, l := range lens {
		t.prompt += l
	}
	if t.scale <= 0 {
		t.scale = 1
	}
	m.mu.Lock()
	m.running += t.bs
	m.tokens += t.prompt
	m.mu.Unlock()
	return t
}

// token records that every request of the batch just got its tok-th token.
func (t *reqTracker) token(tok int) {
	now := time.Now()
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	if tok == 1 {
		t.m.ttft.observe(now.Sub(t.begin).Seconds()/t.scale, t.bs)
	} else {
		t.m.itl.observe(now.Sub(t.last).Seconds()/t.scale, t.bs)
	}
	t.last = now
	t.tokens = tok
	t.m.tokens += t.bs
}

// done ends the request: its latency and tokens are counted when it
// finished, as SGLang counts them; it no longer runs nor holds tokens.
func (t *reqTracker) done() {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	t.m.running -= t.bs
	t.m.tokens -= t.prompt + t.bs*t.tokens
	if t.tokens == 0 {
		return // aborted before its first token
	}
	t.m.e2e.observe(t.last.Sub(t.begin).Seconds()/t.scale, t.bs)
	t.m.prompt += float64(t.prompt)
	t.m.gen += float64(t.bs * t.tokens)
	t.m.req += float64(t.bs)
}

// metrics serves /metrics in Prometheus text format, as SGLang does with
// --enable-metrics (404 without it, as SGLang's route does not exist then).
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if _, on := s.opts.Extra["enable-metrics"]; !on {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	gen := s.lastGen
	s.mu.Unlock()
	m := s.metricsOf()
	m.mu.Lock()
	fams := []*dto.MetricFamily{
		counter("sglang:prompt_tokens_total", "Number of prefill tokens processed.", m.prompt),
		counter("sglang:generation_tokens_total", "Number of generation tokens processed.", m.gen),
		counter("sglang:num_requests_total", "Number of requests processed.", m.req),
		histogram("sglang:time_to_first_token_seconds", "Histogram of time to first token in seconds.", &m.ttft),
		histogram("sglang:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", &m.itl),
		histogram("sglang:e2e_request_latency_seconds", "Histogram of End-to-end request latency in seconds", &m.e2e),
		gauge("sglang:num_running_reqs", "The number of running requests.", float64(m.running)),
		gauge("sglang:num_queue_reqs", "The number of requests in the waiting queue.", 0),
		gauge("sglang:token_usage", "The token usage.", float64(m.tokens)/tokenCapacity),
		gauge("sglang:gen_throughput", "The generation throughput (token/s).", gen),
	}
	m.mu.Unlock()
	w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	for _, f := range fams {
		if _, err := expfmt.MetricFamilyToText(w, f); err != nil {
			return
		}
	}
}

func labels() []*dto.LabelPair {
	return []*dto.LabelPair{{Name: proto.String("model_name"), Value: proto.String("sim")}}
}

func counter(name, help string, v float64) *dto.MetricFamily {
	return &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: dto.MetricType_COUNTER.Enum(),
		Metric: []*dto.Metric{{Label: labels(), Counter: &dto.Counter{Value: proto.Float64(v)}}}}
}

func gauge(name, help string, v float64) *dto.MetricFamily {
	return &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: dto.MetricType_GAUGE.Enum(),
		Metric: []*dto.Metric{{Label: labels(), Gauge: &dto.Gauge{Value: proto.Float64(v)}}}}
}

func histogram(name, help string, h *hist) *dto.MetricFamily {
	hd := &dto.Histogram{SampleSum: proto.Float64(h.sum)}
	var cum uint64
	for i, u := range h.upper {
		if h.counts != nil {
			cum += h.counts[i]
		}
		hd.Bucket = append(hd.Bucket, &dto.Bucket{UpperBound: proto.Float64(u), CumulativeCount: proto.Uint64(cum)})
	}
	if h.counts != nil {
		cum += h.counts[len(h.upper)]
	}
	hd.SampleCount = proto.Uint64(cum)
	return &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: dto.MetricType_HISTOGRAM.Enum(),
		Metric: []*dto.Metric{{Label: labels(), Histogram: hd}}}
}
