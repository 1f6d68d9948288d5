package perfmodel

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
)

func loadInfo(t *testing.T, path string) *modelinfo.Info {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := modelinfo.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func gpu(t *testing.T, name string) hardware.GPU {
	t.Helper()
	g, err := hardware.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

// llama8B is a Llama-3-8B config.json, small enough to compute by hand.
const llama8B = `{"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":4096,"num_hidden_layers":32,
"num_attention_heads":32,"num_key_value_heads":8,"intermediate_size":14336,"vocab_size":128256,"torch_dtype":"bfloat16"}`

func llama(t *testing.T, dev Device, tp int) Setup {
	t.Helper()
	info, err := modelinfo.Parse([]byte(llama8B))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSetup(info, dev, Parallel{TP: tp})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// DeepSeek-V3 FP8 on 8×H200: ≈37 GB of active weights over 8 × 4.8 TB/s ≈ 1 ms.
func TestDeepSeekV3BoundByHand(t *testing.T) {
	info := loadInfo(t, "../../examples/hf-configs/deepseek-ai--DeepSeek-V3/config.json")
	h200 := gpu(t, "H200")
	s, err := NewSetup(info, FromCatalog(h200, MathDtype(info)), Parallel{TP: 8})
	if err != nil {
		t.Fatal(err)
	}
	p := info.Parts
	fp8 := 8.001953125 / 8 // one fp32 scale per 128×128 block
	active := float64(p["attention"]+p["dense_mlp"]+p["shared_experts"])*fp8 + float64(p["experts"])*8/256*fp8 +
		float64(p["lm_head"]+p["router"]+p["norms"])*2
	want := active / 8 / 4.8e12 * 1e3
	got := s.ITLBoundMs(0)
	if !near(got, want, 1e-9) {
		t.Fatalf("ITL bound %.4f ms, by hand %.4f ms", got, want)
	}
	if got < 0.9 || got > 1.1 {
		t.Fatalf("ITL bound %.3f ms, want ≈ 1 ms (≈37 GB / (8 × 4.8 TB/s))", got)
	}
	if s.Device.Dtype != "fp8" || s.Device.PeakTFLOPS != 1979 {
		t.Fatalf("FP8 checkpoint on H200 should use FP8 peak, got %s %.0f", s.Device.Dtype, s.Device.PeakTFLOPS)
	}
	// MLA: the 70 KB latent KV per token is not split over TP.
	if kv := s.DecodeBoundMs(1, 4096) - got; !near(kv, 4096*70272/4.8e12*1e3, 1e-9) {
		t.Fatalf("KV read at 4096 tokens %.4f ms", kv)
	}
	// Two all-reduces per layer, 8 µs each plus 7168 bf16 values over 450 GB/s per direction.
	if ar, want := s.AllReduceMs(1), 2*61*(8e-3+2*7.0/8*7168*2/450e9*1e3); !near(ar, want, 1e-9) {
		t.Fatalf("all-reduce %.4f ms, by hand %.4f", ar, want)
	}
	// A batch of 64 touches most of the 256 experts: far more bytes than batch 1.
	if d := s.distinctExperts(64); d < 220 || d > 256 {
		t.Fatalf("distinct experts at batch 64: %.1f", d)
	}
	if s.distinctExperts(1) != 8 {
		t.Fatalf("batch 1 reads top-k = 8 experts, got %.2f", s.distinctExperts(1))
	}
}

func TestDenseBoundsByHand(t *testing.T) {
	h100 := FromCatalog(gpu(t, "H100"), "bf16")
	s := llama(t, h100, 1)
	// Active: everything but the input embedding, at 2 bytes.
	h, l, v := 4096.0, 32.0, 128256.0
	attn := h*32*128 + 2*h*8*128 + 32*128*h
	params := l*(attn+3*h*14336+2*h) + h + v*h
	if !near(s.SharedBytes, params*2, 1e-9) {
		t.Fatalf("shared bytes %.4g, by hand %.4g", s.SharedBytes, params*2)
	}
	kv := 2 * l * 8 * 128 * 2 // K and V, 8 KV heads of 128, 16 bit
	if got, want := s.DecodeBoundMs(1, 4096), (params*2+4096*kv)/3.35e12*1e3; !near(got, want, 1e-9) {
		t.Fatalf("decode bound %.4f ms, by hand %.4f", got, want)
	}
	// Prefill of one 4096-token prompt: 2 FLOPs per parameter per token + causal attention, at 989 TFLOPS.
	flops := 2*params*4096 + 4*l*32*128*2048*4096
	if got, want := s.PrefillBoundMs(1, 4096), flops/989e12*1e3; !near(got, want, 1e-9) {
		t.Fatalf("prefill bound %.3f ms, by hand %.3f", got, want)
	}
	// TP halves the weight share; GQA's 8 KV heads split over TP2 too.
	s2 := llama(t, h100, 2)
	if got, want := s2.DecodeBoundMs(1, 4096), s.DecodeBoundMs(1, 4096)/2; !near(got, want, 1e-9) {
		t.Fatalf("TP2 bound %.4f, want half of TP1 %.4f", got, want)
	}
	if s.AllReduceMs(8) != 0 || s2.AllReduceMs(8) <= 0 {
		t.Fatal("all-reduce only with TP > 1")
	}
}

func TestPredictionsRespectBounds(t *testing.T) {
	h200 := FromCatalog(gpu(t, "H200"), "bf16")
	for _, tp := range []int{1, 2, 4, 8} {
		s := llama(t, h200, tp)
		m := Model{Setup: s, Params: Defaults}
		for _, c := range []Shape{{1, 128, 128}, {8, 4096, 512}, {64, 1024, 256}} {
			p := m.Case(c)
			if p.ITLMs < p.ITLBoundMs || p.ITLMsLow < p.ITLBoundMs {
				t.Fatalf("TP%d %+v: prediction %.3f (low %.3f) beats the bound %.3f", tp, c, p.ITLMs, p.ITLMsLow, p.ITLBoundMs)
			}
			if !(p.ITLMsLow <= p.ITLMs && p.ITLMs <= p.ITLMsHigh && p.TTFTSLow <= p.TTFTS && p.TTFTS <= p.TTFTSHigh) {
				t.Fatalf("TP%d %+v: interval does not hold the prediction: %+v", tp, c, p)
			}
			if !near(p.OutputThroughput, 1000*float64(c.Batch)/p.ITLMs, 1e-12) {
				t.Fatalf("output throughput %.2f is not 1000·bs/ITL", p.OutputThroughput)
			}
			if p.TTFTS*1e3 < s.PrefillBoundMs(c.Batch, c.InputLen) {
				t.Fatalf("TTFT %.4f s beats the prefill bound", p.TTFTS)
			}
		}
	}
	pr := Model{Setup: llama(t, h200, 8), Params: Defaults}.Predict([]Shape{{1, 1024, 128}}, 16)
	if pr.Calibrated || pr.Source != Uncalibrated || pr.OutputCostPer1M == nil || !near(*pr.OutputCostPer1M, 1e6/pr.OutputThroughput/3600*16, 1e-12) {
		t.Fatalf("prediction %+v", pr)
	}
}

// synthetic makes measurements from known parameters with lognormal noise.
func synthetic(t *testing.T, truth Params, noise float64, seed uint64) []Point {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	h100 := FromCatalog(gpu(t, "H100"), "bf16")
	ds := loadInfo(t, "../../examples/hf-configs/Qwen--Qwen3-235B-A22B/config.json")
	var pts []Point
	add := func(s Setup, group string) {
		for _, bs := range []int{1, 4, 16, 64} {
			for _, in := range []int{256, 2048, 8192} {
				c := Shape{Batch: bs, InputLen: in, OutputLen: 256}
				itl := truth.DecodeTimeMs(s, bs, c.DecodeContext()) * math.Exp(noise*rng.NormFloat64())
				ttft := truth.PrefillTimeMs(s, bs, in) / 1e3 * math.Exp(noise*rng.NormFloat64())
				pts = append(pts, Point{Group: group, Run: "r", Setup: s, Shape: c, ITLMs: itl, TTFTS: ttft, OutputThroughput: 1000 * float64(bs) / itl})
			}
		}
	}
	for _, tp := range []int{1, 2, 4, 8} {
		add(llama(t, h100, tp), "llama-tp"+string(rune('0'+tp)))
		moe, err := NewSetup(ds, h100, Parallel{TP: tp})
		if err != nil {
			t.Fatal(err)
		}
		add(moe, "moe-tp"+string(rune('0'+tp)))
	}
	return pts
}

func TestCalibrationRecoversKnownParameters(t *testing.T) {
	truth := Params{BWEff: 0.55, FLOPEff: 0.35, LayerUs: 25, StepMs: 1.2, PrefillMs: 8, CommScale: 1.6}
	pts := synthetic(t, truth, 0.03, 1)
	c, err := Calibrate(Key{Engine: "sglang", EngineVersion: "0.5.4", GPU: "H100", Family: "mixed"}, pts)
	if err != nil {
		t.Fatal(err)
	}
	got, want := c.Params.vec(), truth.vec()
	for j, name := range paramNames {
		if !near(got[j], want[j], 0.15) {
			t.Errorf("%s: fitted %.4g, true %.4g", name, got[j], want[j])
		}
	}
	if c.SigmaITL < 0.015 || c.SigmaITL > 0.05 {
		t.Errorf("residual σ of ln ITL %.4f, want ≈ the 0.03 noise", c.SigmaITL)
	}
	if c.HeldOut.Method != "leave one configuration out" || c.Configs != 8 {
		t.Errorf("held out by %q over %d configurations", c.HeldOut.Method, c.Configs)
	}
	for _, m := range Metrics {
		if v, ok := c.HeldOut.MAPE[m]; !ok || v > 6 {
			t.Errorf("held-out MAPE of %s: %.2f%% (want ≤ 6%% with 3%% noise)", m, v)
		}
	}
	// Uncalibrated defaults are far off on this data: the fit must beat them.
	def := newMAPE()
	for _, pt := range pts {
		def.add(Defaults, pt)
	}
	if d := def.result()["itl_ms"]; d < 2*c.HeldOut.MAPE["itl_ms"] {
		t.Errorf("defaults' ITL error %.1f%% vs the fit's held-out %.1f%%: the synthetic truth is too close to the defaults", d, c.HeldOut.MAPE["itl_ms"])
	}
	// A calibrated prediction uses the fitted params and the fit's spread.
	m := Model{Setup: pts[0].Setup, Params: c.Params, Calibration: c.Ref()}
	p := m.Case(pts[0].Shape)
	if !(p.ITLMsLow < p.ITLMs) || p.ITLMsHigh/p.ITLMs > 1.2 {
		t.Errorf("calibrated interval %.3f–%.3f around %.3f", p.ITLMsLow, p.ITLMsHigh, p.ITLMs)
	}
}

func TestCalibrationNeedsData(t *testing.T) {
	if _, err := Calibrate(Key{}, synthetic(t, Defaults, 0, 2)[:2]); err == nil {
		t.Fatal("two points fitted six parameters")
	}
	// One configuration only: held out case by case; an identifiable-only
	// subset (no TP>1) leaves CommScale at its default.
	pts := synthetic(t, Params{BWEff: 0.6, FLOPEff: 0.4, LayerUs: 40, StepMs: 0.5, PrefillMs: 5, CommScale: 2.5}, 0.01, 3)[:12]
	c, err := Calibrate(Key{}, pts)
	if err != nil {
		t.Fatal(err)
	}
	if c.HeldOut.Method != "leave one case out (one configuration only), 10 folds" {
		t.Fatalf("method %q", c.HeldOut.Method)
	}
	if !near(c.Params.CommScale, 1, 0.05) {
		t.Fatalf("CommScale %.3f moved without any TP>1 data", c.Params.CommScale)
	}
}

func TestCPUDevice(t *testing.T) {
	if g := MeasureMemBandwidth(1<<20, 2); g <= 0 {
		t.Fatalf("bandwidth %.3f", g)
	}
	d := CPU()
	if d.Name != "CPU" || d.MemGBps <= 0 || d.PeakTFLOPS <= 0 || d.Source == "" {
		t.Fatalf("%+v", d)
	}
}
