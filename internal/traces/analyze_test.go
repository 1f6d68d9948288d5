package traces

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRealTracesMatchIndependentComputation checks the analyser against
// scripts/trace-reference.py on real traces from a 2×H200 run of
// scripts/make-real-traces.py (tensor-parallel MoE over NCCL, SGLang names).
func TestRealTracesMatchIndependentComputation(t *testing.T) {
	dir := "testdata/real-h200x2"
	var want map[string]struct {
		Steps              int     `json:"steps"`
		BusyMs             float64 `json:"busy_ms"`
		CommunicationShare float64 `json:"communication_share"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	a, err := Analyze([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Ranks) != 2 || a.Ranks[0].Rank != 0 || a.Ranks[1].Rank != 1 {
		t.Fatalf("ranks %+v", a.Ranks)
	}
	checked := 0
	for _, r := range a.Ranks {
		for i, s := range r.Stages {
			f := filepath.Base(r.Files[i])
			w, ok := want[f]
			if !ok {
				t.Fatalf("no reference for %s", f)
			}
			share := s.Categories["communication"] / s.BusyMs
			if s.Steps != w.Steps || math.Abs(s.BusyMs/w.BusyMs-1) > 0.01 || math.Abs(share-w.CommunicationShare) > 0.01 {
				t.Fatalf("%s %s: steps %d busy %.3f comm %.3f; reference %d %.3f %.3f", f, s.Stage, s.Steps, s.BusyMs, share, w.Steps, w.BusyMs, w.CommunicationShare)
			}
			if s.StepsFrom != "annotations" || len(s.TopKernels) == 0 || s.Categories["gemm"] <= 0 || s.Categories["attention"] <= 0 {
				t.Fatalf("%s: %+v", f, s)
			}
			checked++
		}
	}
	if checked != 4 {
		t.Fatalf("checked %d stages", checked)
	}
	if _, ok := a.Imbalance["decode"]; !ok {
		t.Fatal("imbalance across ranks missing")
	}
}

func TestCategorize(t *testing.T) {
	cases := map[string]string{
		"ncclDevKernel_AllReduce_Sum_bf16_RING_LL(ncclDevKernelArgsStorage<4096ul>)": "communication",
		"cross_device_reduce_1stage<__nv_bfloat16, 8>":                               "communication",
		"fused_moe_kernel":                                  "moe",
		"bmm_E4m3_E4m3E4m3_Fp32_t128x8x256u2":               "moe",
		"moe::dev::routing::routingMainKernel":              "moe",
		"BatchDecodeWithPagedKVCacheKernel<...>":            "attention",
		"flash_fwd_splitkv_mla_kernel":                      "attention",
		"nvjet_sm90_tst_64x8_64x16_4x1_v_bz_TNT":            "gemm",
		"sm90_xmma_gemm_bf16bf16_bf16f32":                   "gemm",
		"void at::native::vectorized_elementwise_kernel<4>": "other",
	}
	for name, want := range cases {
		if got := Categorize("kernel", name); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	if Categorize("gpu_memcpy", "Memcpy HtoD") != "memory" {
		t.Error("memcpy")
	}
}

func TestExposedCommunicationAndGapSteps(t *testing.T) {
	// compute 0–10 µs and 30–40 µs; communication 5–15 µs (5 µs hidden) and 3 ms later another step.
	trace := `{"traceEvents":[
	{"ph":"X","cat":"kernel","name":"nvjet_a","pid":0,"tid":7,"ts":0,"dur":10},
	{"ph":"X","cat":"kernel","name":"ncclDevKernel_AllReduce","pid":0,"tid":8,"ts":5,"dur":10},
	{"ph":"X","cat":"kernel","name":"nvjet_a","pid":0,"tid":7,"ts":30,"dur":10},
	{"ph":"X","cat":"kernel","name":"nvjet_a","pid":0,"tid":7,"ts":3030,"dur":10},
	{"ph":"X","cat":"cpu_op","name":"aten::mm","pid":1,"tid":1,"ts":0,"dur":5000}
	]}`
	sc, err := scan(strings.NewReader(trace), "t")
	if err != nil {
		t.Fatal(err)
	}
	s := stageAnalysis("decode", sc.intervals, sc.names, sc.steps)
	if math.Abs(s.BusyMs-0.035) > 1e-9 || math.Abs(s.ExposedCommMs-0.005) > 1e-9 || s.Steps != 2 || s.StepsFrom != "gpu activity" {
		t.Fatalf("%+v", s)
	}
	if s.TopKernels[0].Name != "nvjet_a" || s.TopKernels[0].Count != 3 {
		t.Fatalf("top %+v", s.TopKernels)
	}
}

// writeSynthetic writes a gzip'd trace of n steps × 50 kernels.
func writeSynthetic(t testing.TB, path string, steps int) int64 {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	fmt.Fprint(zw, `{"schemaVersion":1,"traceEvents":[`)
	var raw int64
	ts := 0
	for s := 0; s < steps; s++ {
		fmt.Fprintf(zw, `{"ph":"X","cat":"gpu_user_annotation","name":"step[DECODE bs=1]","pid":0,"tid":7,"ts":%d,"dur":500},`, ts)
		for k := 0; k < 50; k++ {
			n, _ := fmt.Fprintf(zw, `{"ph":"X","cat":"kernel","name":"kernel_%d_%s","pid":0,"tid":7,"ts":%d,"dur":9,"args":{"device":0,"stream":7,"correlation":%d,"grid":[132,1,1],"block":[128,1,1]}},`,
				k%40, []string{"nvjet", "fused_moe", "nccl", "flash_fwd"}[k%4], ts+k*10, s*50+k)
			raw += int64(n)
			n, _ = fmt.Fprintf(zw, `{"ph":"X","cat":"cpu_op","name":"aten::linear","pid":1,"tid":1,"ts":%d,"dur":5,"args":{"External id":%d}},`, ts+k*10, k)
			raw += int64(n)
		}
		ts += 600
	}
	fmt.Fprint(zw, `{"ph":"M","name":"process_name","pid":0,"tid":0,"args":{"name":"GPU 0"}}]}`)
	zw.Close()
	f.Close()
	return raw
}

// TestMemoryStaysBounded streams a synthetic trace and checks the heap in use
// stays far below the trace's uncompressed size.
func TestMemoryStaysBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big-TP-0-DECODE.trace.json.gz")
	steps := 2000 // 100k GPU events, ~30 MB of JSON; SERVESWEEP_TRACE_STEPS=20000 measures ~280 MB
	if v, err := strconv.Atoi(os.Getenv("SERVESWEEP_TRACE_STEPS")); err == nil && v > 0 {
		steps = v
	}
	raw := writeSynthetic(t, path, steps)
	runtime.GC()
	var peak uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	a, err := Analyze([]string{path})
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	if a.Ranks[0].Stages[0].Steps != steps || a.Ranks[0].Stages[0].Events != steps*50 {
		t.Fatalf("%+v", a.Ranks[0].Stages[0].Steps)
	}
	t.Logf("uncompressed trace %.1f MB, peak heap in use %.1f MB", float64(raw)/1e6, float64(peak)/1e6)
	// Holding the decompressed document alone would take raw bytes, decoding every event far more.
	if float64(peak) > float64(raw)*0.8 {
		t.Fatalf("peak heap %.1f MB for a %.1f MB trace: not streaming", float64(peak)/1e6, float64(raw)/1e6)
	}
}

func BenchmarkAnalyze(b *testing.B) {
	path := filepath.Join(b.TempDir(), "b-TP-0-DECODE.trace.json.gz")
	raw := writeSynthetic(b, path, 500)
	b.SetBytes(raw)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze([]string{path}); err != nil {
			b.Fatal(err)
		}
	}
}
