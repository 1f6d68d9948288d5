package sweep

import (
	"strings"
	"testing"
	"time"
)

func TestLoadExample(t *testing.T) {
	f, err := Load("../../examples/neurips-tp-moe.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f.Engine != "sglang" || f.GPULabel != "8-gpu-h200" || f.GPUHourPrice != 2 || !f.Profile || f.LaunchTimeout != 2000*time.Second {
		t.Fatalf("top-level keys not read: %+v", f)
	}
	if len(f.Models) != 7 {
		t.Fatalf("want 7 models, got %d", len(f.Models))
	}
	moe := 0
	for _, m := range f.Models {
		if m.IsMoE {
			moe++
		}
	}
	if moe != 5 {
		t.Fatalf("want 5 MoE models, got %d", moe)
	}
	if f.Models[0].Key != "deepseek-v3" || f.Models[6].Key != "llama-3.2-90b-vision" {
		t.Fatalf("models not in file order: %s .. %s", f.Models[0].Key, f.Models[6].Key)
	}
}

func TestIssueSchema(t *testing.T) {
	src := `name: neurips-tp-moe
engine: sglang
gpu_label: 8-gpu-h200
gpu_hour_price: 2.0
tp_sizes: [4, 8]
moe_backends: [flashinfer_trtllm, flashinfer_cutlass]
batch_sizes: [1]
input_lens: [4096]
output_lens: [512]
profile: true
launch_timeout: 2000s
server_params:
  --mem-fraction-static: [0.8, 0.85]
models:
  deepseek-v3:
    path: deepseek-ai/DeepSeek-V3
    is_moe: true
    extra_args: [--trust-remote-code]
  minimax-m2:
    path: MiniMaxAI/MiniMax-M2
    is_moe: true
    tp_sizes: [1, 2, 8]
    moe_backends: []
    tp_args: {8: [--ep-size, "2"]}
`
	f, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	mm := f.Models[1]
	if got := f.EffectiveTPSizes(mm); len(got) != 3 || got[2] != 8 {
		t.Fatalf("per-model tp_sizes: %v", got)
	}
	if got := f.EffectiveMoEBackends(mm); len(got) != 0 || !mm.MoEBackendsSet {
		t.Fatalf("moe_backends: [] must mean engine default only, got %v", got)
	}
	if a := mm.TPArgs[8]; len(a) != 2 || a[0] != "--ep-size" || a[1] != "2" {
		t.Fatalf("tp_args: %v", mm.TPArgs)
	}
	if len(f.ServerParams) != 1 || f.ServerParams[0].Values[1] != "0.85" {
		t.Fatalf("server_params: %+v", f.ServerParams)
	}
}

func TestErrorsNamePositionAndExpectation(t *testing.T) {
	base := "engine: sglang\nmodels:\n  m: {path: a/b}\n"
	cases := []struct {
		name, src, want string
	}{
		{"unknown key", "engine: sglang\ntp_size: [4]\nmodels:\n  m: {path: a/b}\n", `s.yaml:2:1: unknown key "tp_size" in the sweep file (did you mean "tp_sizes"?)`},
		{"wrong type", "engine: sglang\ntp_sizes: 4\nmodels:\n  m: {path: a/b}\n", "s.yaml:2:11: tp_sizes must be a list of positive integers"},
		{"zero tp", "engine: sglang\ntp_sizes: [4, 0]\nmodels:\n  m: {path: a/b}\n", "s.yaml:2:15: tp_sizes item must be at least 1"},
		{"string tp", "engine: sglang\ntp_sizes: [four]\nmodels:\n  m: {path: a/b}\n", `s.yaml:2:12: tp_sizes item must be a positive integer, got the string "four"`},
		{"bad engine", "engine: tgi\nmodels:\n  m: {path: a/b}\n", `s.yaml:1:9: engine "tgi" is not supported`},
		{"missing engine", "models:\n  m: {path: a/b}\n", `missing key "engine"`},
		{"missing models", "engine: sglang\n", `missing key "models"`},
		{"model without path", "engine: sglang\nmodels:\n  m: {is_moe: true}\n", "s.yaml:3:3: model m has no path"},
		{"unknown model key", "engine: sglang\nmodels:\n  m: {path: a, is_moes: true}\n", `s.yaml:3:16: unknown key "is_moes" in model m (did you mean "is_moe"?)`},
		{"bool type", "engine: sglang\nprofile: yes please\nmodels:\n  m: {path: a}\n", "s.yaml:2:10: profile must be true or false"},
		{"duration", "engine: sglang\nlaunch_timeout: soon\nmodels:\n  m: {path: a}\n", "s.yaml:2:17: launch_timeout must be a positive duration"},
		{"negative price", "engine: sglang\ngpu_hour_price: -1\nmodels:\n  m: {path: a}\n", "s.yaml:2:17: gpu_hour_price must be zero or more"},
		{"output len 1", "engine: sglang\noutput_lens: [1]\nmodels:\n  m: {path: a}\n", "s.yaml:2:15: output_lens values must be at least 2"},
		{"tp_args for untried tp", "engine: sglang\ntp_sizes: [4]\nmodels:\n  m: {path: a, tp_args: {8: [--ep-size, '2']}}\n", "s.yaml:4:26: tp_args has TP 8, which is not among this model's tp_sizes [4]"},
		{"server param not a flag", "engine: sglang\nserver_params:\n  mem: [1]\nmodels:\n  m: {path: a}\n", `s.yaml:3:3: server_params keys are engine flags that start with '-' or environment variables in capitals, got "mem"`},
		{"duplicate key", "engine: sglang\nengine: vllm\nmodels:\n  m: {path: a}\n", `s.yaml:2:1: key "engine" appears twice`},
		{"not yaml", "engine: [\n", "s.yaml: not valid YAML"},
		{"empty", "", "s.yaml: the file is empty"},
		{"root list", "- a\n", "s.yaml:1:1: the sweep file must be a mapping"},
		{"duplicate tp", "engine: sglang\ntp_sizes: [4, 4]\nmodels:\n  m: {path: a}\n", "s.yaml:2:15: tp_sizes lists 4 twice"},
		{"bad model key", "engine: sglang\nmodels:\n  m m: {path: a}\n", `s.yaml:3:3: model key "m m" may use only`},
		{"load both loops", "engine: sglang\nload:\n  - {concurrency: 8, rate: 2}\nmodels:\n  m: {path: a}\n", "s.yaml:3:5: a load profile needs exactly one of concurrency (closed loop) or rate (open loop)"},
		{"load arrival", "engine: sglang\nload:\n  - {rate: 2, arrival: bursty}\nmodels:\n  m: {path: a}\n", `s.yaml:3:24: arrival must be poisson or constant, got "bursty"`},
		{"schedule", "engine: sglang\nschedule: fast\nmodels:\n  m: {path: a}\n", "s.yaml:2:11: schedule must be exclusive"},
		{"objective", "engine: sglang\nobjective: speed\nmodels:\n  m: {path: a}\n", `s.yaml:2:12: objective "speed" is not one of`},
		{"ok", base, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(c.src))
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), c.want) && !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error\n got: %v\nwant: %s", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error must be one line: %q", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("engine: sglang\nmodels:\n  m: {path: a/b, is_moe: true, tp_args: {2: [--ep-size, '2']}}\ntp_sizes: [2]\n"))
	f.Add([]byte("engine: sim\nserver_params: {--x: [a, true, false]}\nmodels: {a: {path: p}}\n"))
	f.Add([]byte("a: &x [1]\nb: *x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := Parse("f.yaml", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(err.Error(), "not valid YAML") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if sf.Engine == "" || len(sf.Models) == 0 {
			t.Fatalf("accepted a file without engine or models")
		}
		for _, m := range sf.Models {
			if m.Path == "" {
				t.Fatal("accepted a model without path")
			}
		}
	})
}

// TestSLOKeys: itl_ms and tpot_ms are distinct bounds; a bad one is one line.
func TestSLOKeys(t *testing.T) {
	f, err := Parse("s.yaml", []byte("engine: sglang\nslo: {ttft_ms: 500, itl_ms: 80, tpot_ms: 30}\nmodels:\n  m: {path: a}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if *f.SLO != (SLO{TTFTMs: 500, ITLMs: 80, TPOTMs: 30}) {
		t.Fatalf("slo %+v", *f.SLO)
	}
	for src, want := range map[string]string{
		"slo: {tpot_ms: 0}":    "s.yaml:2:16: tpot_ms must be positive",
		"slo: {tpot_ms: 1e99}": "s.yaml:2:16: tpot_ms must be at most",
		"slo: {tpot: 30}":      `s.yaml:2:7: unknown key "tpot" in slo; known keys: ttft_ms, itl_ms, tpot_ms`,
	} {
		_, err := Parse("s.yaml", []byte("engine: sglang\n"+src+"\nmodels:\n  m: {path: a}\n"))
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: error %v, want %s", src, err, want)
		}
	}
}
