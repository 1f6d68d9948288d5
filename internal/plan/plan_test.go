package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine/sglang"
	"github.com/servesweep/servesweep/internal/engine/sim"
	"github.com/servesweep/servesweep/internal/engine/vllm"
	"github.com/servesweep/servesweep/internal/sweep"
)

func mustParse(t *testing.T, src string) *sweep.File {
	t.Helper()
	f, err := sweep.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSeedPlan(t *testing.T) {
	f, err := sweep.Load("../../examples/neurips-tp-moe.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfgs := Expand(f, sglang.Engine{}, "")
	if len(cfgs) != 24 {
		t.Fatalf("want the seed's 24 configurations, got %d", len(cfgs))
	}
	wantVariants := map[string][]string{
		"deepseek-v3":          {"TP4_flashinfer_trtllm", "TP4_flashinfer_cutlass", "TP8_flashinfer_trtllm", "TP8_flashinfer_cutlass"},
		"glm-4.6":              {"TP4", "TP8"},
		"llama-3.2-90b-vision": {"TP4", "TP8"},
	}
	got := map[string][]string{}
	ids := map[string]bool{}
	for _, c := range cfgs {
		got[c.ModelKey] = append(got[c.ModelKey], c.Variant)
		if ids[c.ID] {
			t.Fatalf("duplicate id %s", c.ID)
		}
		ids[c.ID] = true
		if len(c.Cases) != 1 || c.Cases[0] != (Case{BatchSize: 1, InputLen: 4096, OutputLen: 512}) {
			t.Fatalf("%s: cases %v, want bs1/4096/512", c.ID, c.Cases)
		}
		if c.GPUs != c.TP {
			t.Fatalf("%s: gpus %d != tp %d", c.ID, c.GPUs, c.TP)
		}
		argv := strings.Join(c.Command, " ")
		if !strings.HasPrefix(argv, "python3 -m sglang.launch_server --model-path "+c.Model+" --tp-size ") {
			t.Fatalf("%s: argv %q", c.ID, argv)
		}
		hasBackend := slices.Contains(c.Command, "--moe-runner-backend")
		if hasBackend != (c.MoEBackend != "") {
			t.Fatalf("%s: --moe-runner-backend present=%v for backend %q", c.ID, hasBackend, c.MoEBackend)
		}
	}
	for k, v := range wantVariants {
		if !slices.Equal(got[k], v) {
			t.Fatalf("%s variants %v, want %v", k, got[k], v)
		}
	}
	moeCount := 0
	for _, c := range cfgs {
		if c.MoEBackend != "" {
			moeCount++
		}
	}
	if moeCount != 20 {
		t.Fatalf("want 20 MoE configurations, got %d", moeCount)
	}
}

func TestGridOverridesAndTPArgs(t *testing.T) {
	f := mustParse(t, `engine: sglang
tp_sizes: [4, 8]
moe_backends: [flashinfer_trtllm]
server_params:
  --mem-fraction-static: [0.8, 0.85]
  --enable-dp-attention: [true, false]
models:
  minimax-m2:
    path: MiniMaxAI/MiniMax-M2
    is_moe: true
    tp_sizes: [1, 2, 8]
    moe_backends: []
    tp_args: {8: [--ep-size, "2"]}
`)
	cfgs := Expand(f, sglang.Engine{}, "")
	if len(cfgs) != 3*4 {
		t.Fatalf("want 3 TP sizes × 4 grid points, got %d", len(cfgs))
	}
	var tp8 []Config
	for _, c := range cfgs {
		if slices.Contains(c.Command, "--moe-runner-backend") {
			t.Fatalf("moe_backends: [] must use the engine default: %v", c.Command)
		}
		if c.TP == 8 {
			tp8 = append(tp8, c)
		}
	}
	first := tp8[0]
	if first.Variant != "TP8_mem-fraction-static=0.8_enable-dp-attention" {
		t.Fatalf("variant %q", first.Variant)
	}
	if !strings.Contains(strings.Join(first.Command, " "), "--ep-size 2 --mem-fraction-static 0.8 --enable-dp-attention") {
		t.Fatalf("argv %v", first.Command)
	}
	if tp8[1].Variant != "TP8_mem-fraction-static=0.8_no-enable-dp-attention" || slices.Contains(tp8[1].Command, "--enable-dp-attention") {
		t.Fatalf("false must leave the flag out: %v %v", tp8[1].Variant, tp8[1].Command)
	}
	for _, c := range cfgs {
		if c.TP != 8 && slices.Contains(c.Command, "--ep-size") {
			t.Fatalf("tp_args leaked to TP%d", c.TP)
		}
	}
}

func TestIDsStable(t *testing.T) {
	src := "engine: sglang\ntp_sizes: [2]\nmodels:\n  a: {path: x/y}\n"
	a := Expand(mustParse(t, src), sglang.Engine{}, "")
	b := Expand(mustParse(t, src), sglang.Engine{}, "")
	if a[0].ID != b[0].ID || a[0].ID != "a--TP2" {
		t.Fatalf("ids %q %q", a[0].ID, b[0].ID)
	}
}

func TestGPUCount(t *testing.T) {
	f := mustParse(t, "engine: sglang\ntp_sizes: [4]\nmodels:\n  a: {path: x, extra_args: [--dp-size, '2']}\n  b: {path: y, extra_args: [--dp-size, '2', --enable-dp-attention]}\n")
	c := Expand(f, sglang.Engine{}, "")
	if c[0].GPUs != 8 || c[1].GPUs != 4 {
		t.Fatalf("gpus %d %d; DP without DP attention doubles GPUs, with it shares them", c[0].GPUs, c[1].GPUs)
	}
}

func TestOtherEngines(t *testing.T) {
	f := mustParse(t, "engine: vllm\ntp_sizes: [2]\nmoe_backends: [flashinfer_cutlass]\nmodels:\n  a: {path: x/y, is_moe: true}\n")
	v := Expand(f, vllm.Engine{}, "")[0]
	if strings.Join(v.Command, " ") != "vllm serve x/y --host {host} --port {port} --tensor-parallel-size 2 --moe-backend flashinfer_cutlass --profiler-config {\"profiler\":\"torch\",\"torch_profiler_dir\":\"{trace_dir}\"}" {
		t.Fatalf("vllm argv %v", v.Command)
	}
	s := Expand(f, sim.Engine{TimeScale: "0.1"}, "/bin/servesweep")[0]
	if s.Command[0] != "/bin/servesweep" || s.Command[1] != "sim-server" || !slices.Contains(s.Command, "--sim-time-scale") {
		t.Fatalf("sim argv %v", s.Command)
	}
	if s.ID != v.ID {
		t.Fatalf("a dry run must keep config ids: %s vs %s", s.ID, v.ID)
	}
}
