package telemetry

import (
	"math"
	"os"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sglang"
)

func TestParseSGLang(t *testing.T) {
	f, err := os.Open("testdata/sglang.prom")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc, err := Parse(f, sglang.MetricsSpec)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Values[engine.MetricRunning] != 7 || sc.Values[engine.MetricQueued] != 2 {
		t.Errorf("running/queued summed over ranks: %v", sc.Values)
	}
	if math.Abs(sc.Values[engine.MetricKVUsage]-0.30) > 1e-9 {
		t.Errorf("token usage is the mean over ranks, got %v", sc.Values[engine.MetricKVUsage])
	}
	ttft := sc.Histograms[engine.MetricTTFT]
	if ttft.Count != 10 || len(ttft.Upper) != 3 || ttft.Counts[1] != 4 {
		t.Fatalf("ttft %+v", ttft)
	}
	// 5th of 10 observations: second bucket (0.1, 0.2] holds 4 (ranks 1..4), third (0.2, 0.4] ranks 5..8.
	v, lo, hi := ttft.Quantile(0.5)
	if lo != 0.2 || hi != 0.4 || math.Abs(v-0.25) > 1e-9 {
		t.Errorf("median %v in (%v, %v]", v, lo, hi)
	}
	// 95%: in +Inf: the highest finite bound.
	if v, _, hi := ttft.Quantile(0.95); v != 0.4 || !math.IsInf(hi, 1) {
		t.Errorf("p95 %v hi %v", v, hi)
	}
	if _, ok := sc.Values["cache_hit_rate"]; ok {
		t.Error("families the spec does not name are left out")
	}
}

func TestParseFallbackNamesAndErrors(t *testing.T) {
	spec := engine.MetricsSpec{Path: "/metrics", Names: map[string][]string{engine.MetricKVUsage: {"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"}}}
	sc, err := Parse(strings.NewReader("# TYPE vllm:gpu_cache_usage_perc gauge\nvllm:gpu_cache_usage_perc{engine=\"0\"} 0.5\n"), spec)
	if err != nil || sc.Values[engine.MetricKVUsage] != 0.5 {
		t.Fatalf("older family name: %v %v", sc, err)
	}
	// trtllm-serve's /metrics is JSON, not Prometheus text.
	if _, err := Parse(strings.NewReader(`[{"gpuMemUsage": 1}]`), spec); err == nil {
		t.Fatal("JSON accepted as Prometheus text")
	}
}

func TestHistogramSub(t *testing.T) {
	a := Histogram{Upper: []float64{0.01, 0.02}, Counts: []float64{2, 5}, Count: 6, Sum: 0.1}
	b := Histogram{Upper: []float64{0.01, 0.02}, Counts: []float64{2, 15}, Count: 16, Sum: 0.3}
	d, ok := b.Sub(a)
	if !ok || d.Count != 10 || d.Counts[0] != 0 || d.Counts[1] != 10 {
		t.Fatalf("%+v %v", d, ok)
	}
	if v, lo, hi := d.Quantile(0.5); lo != 0.01 || hi != 0.02 || math.Abs(v-0.015) > 1e-12 {
		t.Fatalf("median of the delta %v (%v, %v]", v, lo, hi)
	}
	if _, ok := a.Sub(b); ok {
		t.Fatal("a counter that went down (restart) cannot be subtracted")
	}
	if v, _, _ := (Histogram{}).Quantile(0.5); !math.IsNaN(v) {
		t.Fatal("empty histogram has no quantile")
	}
}

// FuzzParse feeds arbitrary exposition text through the parser and the
// quantile code: no panic, and whatever parses gives sane histograms.
func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile("testdata/sglang.prom")
	f.Add(string(b))
	f.Add("# TYPE x histogram\nx_bucket{le=\"1\"} 1\nx_bucket{le=\"+Inf\"} 1\nx_count 1\nx_sum 1\n")
	f.Fuzz(func(t *testing.T, s string) {
		spec := sglang.MetricsSpec
		sc, err := Parse(strings.NewReader(s), spec)
		if err != nil {
			return
		}
		for name, h := range sc.Histograms {
			if len(h.Upper) != len(h.Counts) {
				t.Fatalf("%s: %d bounds, %d counts", name, len(h.Upper), len(h.Counts))
			}
			for _, q := range []float64{0, 0.5, 0.99, 1} {
				h.Quantile(q)
			}
			h.Sub(h)
		}
	})
}
