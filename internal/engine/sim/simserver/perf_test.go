package simserver

import (
	"encoding/json"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/perfmodel"
)

func llamaModel(t *testing.T) *perfmodel.Model {
	t.Helper()
	info, err := modelinfo.Parse([]byte(`{"model_type":"llama","hidden_size":4096,"num_hidden_layers":32,"num_attention_heads":32,
		"num_key_value_heads":8,"intermediate_size":14336,"vocab_size":128256}`))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := hardware.Lookup("H100")
	s, err := perfmodel.NewSetup(info, perfmodel.FromCatalog(g, "bf16"), perfmodel.Parallel{TP: 2})
	if err != nil {
		t.Fatal(err)
	}
	return &perfmodel.Model{Setup: s, Params: perfmodel.Defaults}
}

// e2e runs one non-streaming /generate of bs prompts on a sim with options o
// and returns its modelled end-to-end latency (µs).
func e2e(t *testing.T, o Options, bs, in, out int) float64 {
	t.Helper()
	o.TimeScale, o.Jitter, o.StartupMs, o.FaultAfter, o.Fault = 1e-4, 0, 0, 1<<30, "none"
	s := &Server{opts: o, speed: SpeedOf(o), start: time.Now(), log: log.New(io.Discard, "", 0), rng: rand.New(rand.NewPCG(1, 7))}
	srv := httptest.NewServer(http.HandlerFunc(s.generate))
	defer srv.Close()
	ids := make([][]int, bs)
	for i := range ids {
		ids[i] = make([]int, in)
	}
	body, _ := json.Marshal(map[string]any{"input_ids": ids, "sampling_params": map[string]any{"max_new_tokens": out}})
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var evs []struct {
		Meta struct {
			E2E float64 `json:"e2e_latency"`
		} `json:"meta_info"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if bs == 1 { // one request answers one object
		raw = append(append([]byte("["), raw...), ']')
	}
	if err := json.Unmarshal(raw, &evs); err != nil || len(evs) != bs {
		t.Fatalf("%d events: %v", len(evs), err)
	}
	return evs[0].Meta.E2E * 1e6
}

func TestSimTimesAreThePerformanceModelsPrediction(t *testing.T) {
	m := llamaModel(t)
	b, _ := json.Marshal(m)
	o, err := ParseArgs([]string{"--model-path", "meta-llama/Llama-3-8B", "--tp-size", "2", "--sim-perf", string(b)}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	got := e2e(t, o, 4, 512, 64)
	want := m.Params.PrefillTimeMs(m.Setup, 4, 512) * 1e3
	for tok := 2; tok <= 64; tok++ {
		want += m.Params.DecodeTimeMs(m.Setup, 4, 512+tok) * 1e3
	}
	if math.Abs(got-want) > 1e-6*want {
		t.Fatalf("modelled latency %.1f µs, the performance model predicts %.1f µs", got, want)
	}
	// Without a model the sim keeps its own constants: prefill per token, and a
	// step 2% slower per extra sequence.
	o.Perf = nil
	got = e2e(t, o, 4, 512, 64)
	sp := SpeedOf(o)
	if want := 4*512*sp.PrefillUsPerToken + 63*sp.DecodeStepMs*1e3*1.06; math.Abs(got-want) > 1e-6*want {
		t.Fatalf("fallback latency %.1f µs, want %.1f", got, want)
	}
	// Explicit --sim-itl-ms still wins over the model.
	o.Perf, o.ITLMs = m, 3
	got = e2e(t, o, 1, 512, 11)
	if want := m.Params.PrefillTimeMs(m.Setup, 1, 512)*1e3 + 10*3e3; math.Abs(got-want) > 1e-6*want {
		t.Fatalf("--sim-itl-ms with a model: %.1f µs, want %.1f", got, want)
	}
}

func TestSimPerfLabelsItsTiming(t *testing.T) {
	m := llamaModel(t)
	b, _ := json.Marshal(m)
	o, err := ParseArgs([]string{"--model-path", "m", "--sim-perf=" + string(b)}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	line := o.timingLine()
	for _, want := range []string{"performance model, uncalibrated", "H100 ×2 (TP2)", "HBM-bandwidth bound"} {
		if !strings.Contains(line, want) {
			t.Fatalf("timing line %q lacks %q", line, want)
		}
	}
	tm := o.timing()
	if tm["itl_ms_low"].(float64) > tm["itl_ms_bs1_ctx1152"].(float64) || tm["itl_bound_ms"].(float64) > tm["itl_ms_low"].(float64) {
		t.Fatalf("timing %v: bound ≤ low ≤ prediction", tm)
	}
	if l := (Options{}).timingLine(); !strings.Contains(l, "sim constants") {
		t.Fatalf("without a model: %q", l)
	}
	for _, bad := range []string{"{", `{"setup":{"layers":0}}`, "[]"} {
		if _, err := ParseArgs([]string{"--model-path", "m", "--sim-perf", bad}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "--sim-perf") {
			t.Fatalf("--sim-perf %s: %v", bad, err)
		}
	}
}

// FuzzSimPerf: any --sim-perf value is refused with a --sim-perf error or
// accepted with finite times that are not negative.
func FuzzSimPerf(f *testing.F) {
	f.Add(`{"setup":{"device":{"name":"H100","mem_gb_s":3350,"peak_tflops":989,"link_gb_s":450,"link_latency_us":8},"parallel":{"tp":2,"ep":1,"dp":1,"kv_bytes":2},"layers":32,"hidden":4096,"heads":32,"head_dim":128,"shared_bytes":1.6e10,"active_params":8e9,"kv_bytes_per_token":65536},"params":{"bw_eff":0.7,"flop_eff":0.45,"layer_us":40,"step_ms":0.5,"prefill_ms":5,"comm_scale":1}}`)
	f.Add(`{"setup":{"layers":1},"params":{}}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, v string) {
		o, err := ParseArgs([]string{"--model-path", "m", "--sim-perf", v}, func(string) string { return "" })
		if err != nil {
			if !strings.Contains(err.Error(), "--sim-perf") {
				t.Fatalf("error %q does not name --sim-perf", err)
			}
			return
		}
		s := &Server{opts: o, speed: SpeedOf(o)}
		for _, us := range []float64{s.prefillUs([]int{100, 200}), s.stepUs([]int{100}, 4, 10)} {
			if math.IsNaN(us) || math.IsInf(us, 0) || us < 0 {
				t.Fatalf("modelled time %v µs from %s", us, v)
			}
		}
	})
}
