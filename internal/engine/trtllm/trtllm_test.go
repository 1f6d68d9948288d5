package trtllm

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/servesweep/servesweep/internal/engine"
)

func TestCommandArgv(t *testing.T) {
	spec := engine.LaunchSpec{ModelPath: "deepseek-ai/DeepSeek-V3", TP: 8, MoEBackend: "trtllm",
		Args: []string{"--ep_size", "8", OptionFlag, "enable_attention_dp=true", "--max_batch_size", "64", OptionFlag + "=stream_interval=2"}}
	argv, env := Engine{}.Command(spec)
	want := []string{"trtllm-serve", "deepseek-ai/DeepSeek-V3", "--host", "{host}", "--port", "{port}", "--backend", "pytorch", "--tp_size", "8",
		"--extra_llm_api_options", "{work_dir}/" + OptionsFile, "--ep_size", "8", "--max_batch_size", "64"}
	if !slices.Equal(argv, want) {
		t.Fatalf("argv\n got %q\nwant %q", argv, want)
	}
	if len(env) != 0 {
		t.Fatalf("no profile, no env: %v", env)
	}
	// A launcher of the sweep's, its own --backend, its own options file.
	argv, _ = Engine{}.Command(engine.LaunchSpec{ModelPath: "m", TP: 2, Launcher: []string{"/venv/bin/trtllm-serve"},
		Args: []string{"--backend", "_autodeploy", "--config", "mine.yaml"}})
	if argv[0] != "/venv/bin/trtllm-serve" || slices.Contains(argv, "pytorch") || slices.Contains(argv, "{work_dir}/"+OptionsFile) || argv[len(argv)-1] != "mine.yaml" {
		t.Fatalf("argv %q", argv)
	}
	if f := (Engine{}).Files(engine.LaunchSpec{Args: []string{"--config", "mine.yaml"}}); f != nil {
		t.Fatalf("own file: no launch file, got %v", f)
	}
}

func TestOptionsYAML(t *testing.T) {
	spec := engine.LaunchSpec{MoEBackend: "deepgemm", Args: []string{"--kv_cache_free_gpu_memory_fraction", "0.8",
		OptionFlag, "moe_config.max_num_tokens=8192", OptionFlag, "enable_attention_dp=true", OptionFlag, "cuda_graph_config.batch_sizes=[1,2]"}}
	files := Engine{}.Files(spec)
	var doc map[string]any
	if err := yaml.Unmarshal(files[OptionsFile], &doc); err != nil {
		t.Fatalf("%v\n%s", err, files[OptionsFile])
	}
	kv := doc["kv_cache_config"].(map[string]any)
	moe := doc["moe_config"].(map[string]any)
	if kv["enable_block_reuse"] != false || kv["free_gpu_memory_fraction"] != 0.8 || moe["backend"] != "DEEPGEMM" || moe["max_num_tokens"] != 8192 || doc["enable_attention_dp"] != true {
		t.Fatalf("%s", files[OptionsFile])
	}
	// A flow list is a list; an option may turn reuse back on.
	if bsz := doc["cuda_graph_config"].(map[string]any)["batch_sizes"].([]any); len(bsz) != 2 || bsz[1] != 2 {
		t.Fatalf("%s", files[OptionsFile])
	}
	d2, err := Options(engine.LaunchSpec{Args: []string{OptionFlag, "kv_cache_config.enable_block_reuse=true"}})
	if err != nil || d2["kv_cache_config"].(map[string]any)["enable_block_reuse"] != true || d2["moe_config"] != nil {
		t.Fatalf("%v %v", d2, err)
	}
	for _, bad := range []string{"noequals", "=1", "a..b=1", "enable_attention_dp=true --x", "1abc=2"} {
		if bad == "enable_attention_dp=true --x" {
			continue // a value may hold spaces
		}
		if err := CheckOptions([]string{OptionFlag, bad}); err == nil || !strings.Contains(err.Error(), "KEY=VALUE") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	if err := CheckOptions([]string{OptionFlag, "a=1", OptionFlag, "a.b=2"}); err == nil || !strings.Contains(err.Error(), "not a section") {
		t.Fatalf("scalar then section: %v", err)
	}
}

func TestGPUsAndSimArgs(t *testing.T) {
	spec := engine.LaunchSpec{ModelPath: "m", TP: 4, MoEBackend: "CUTLASS", Args: []string{"--pp_size", "2", "--ep_size", "4", "--sim-itl-ms", "5"}, ProfileSteps: 3}
	if n := (Engine{}).GPUs(spec); n != 8 {
		t.Fatalf("TP4 × PP2 = 8 GPUs, got %d", n)
	}
	args, env := Engine{}.SimArgs(spec)
	joined := strings.Join(args, " ")
	for _, want := range []string{"--model-path m --tp-size 4", "--sim-protocol trtllm", "--ep-size 4", "--extra_llm_api_options {work_dir}/" + OptionsFile, "--sim-itl-ms 5"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("sim args %q lack %q", joined, want)
		}
	}
	if env[EnvProfileWindow] != "100-102" || env[EnvProfileTrace] != "{trace_dir}/"+TraceBase {
		t.Fatalf("profiler env %v", env)
	}
}

func TestVersionCommand(t *testing.T) {
	cases := map[string][]string{
		"python3":                        nil,
		"/opt/venv/bin/python3.12":       {"/opt/venv/bin/python3.12", "-m", "tensorrt_llm.commands.serve"},
		"/venv/bin/python3":              {"/venv/bin/trtllm-serve"},
		"python3 (trtllm-serve on PATH)": {"trtllm-serve"},
	}
	for want, launcher := range cases {
		got := Engine{}.VersionCommand(launcher)
		if exe := strings.Fields(want)[0]; got[0] != exe || got[1] != "-c" || !strings.Contains(got[2], `version("tensorrt_llm")`) {
			t.Fatalf("%v → %q", launcher, got)
		}
	}
	for out, want := range map[string]string{
		"1.1.0\n": "1.1.0", "[TensorRT-LLM] TensorRT LLM version: 1.2.0rc2\n1.2.0rc2\n": "1.2.0rc2", "0.21.0.dev2025061000\n": "0.21.0.dev2025061000",
	} {
		if v, ok := (Engine{}).ParseVersion(out); !ok || v != want {
			t.Fatalf("%q → %q %v", out, v, ok)
		}
	}
	if _, ok := (Engine{}).ParseVersion("Traceback (most recent call last):\nModuleNotFoundError: No module named 'importlib'"); ok {
		t.Fatal("an error is no version")
	}
}

func TestAskedAndEffectiveCompare(t *testing.T) {
	a := Engine{}.Asked(engine.LaunchSpec{TP: 8, MoEBackend: "trtllm", Args: []string{"--ep_size", "8", "--kv_cache_free_gpu_memory_fraction", "0.85", OptionFlag, "x=1"}})
	if a["moe_backend"] != "TRTLLM" || a["tensor_parallel_size"] != "8" || a["moe_expert_parallel_size"] != "8" || a["kv_cache_free_gpu_memory_fraction"] != "0.85" || len(a) != 4 {
		t.Fatalf("%v", a)
	}
	f, ok := engine.MatchLine("[TRT-LLM] [W] TRTLLMGenFusedMoE only supports fp8_block_scales, nvfp4, w4a16_mxfp4, w4a8_nvfp4_fp8, w4a8_mxfp4_fp8, and w4a8_mxfp4_mxfp8. Check out details in quant_config: QuantConfig(quant_algo=None, kv_cache_quant_algo=None). Using CutlassFusedMoE instead.", LogPatterns)
	if !ok || !f.Warn || f.Settings["moe_backend"] != "CUTLASS" || !strings.HasPrefix(f.Text, "TRTLLMGenFusedMoE only supports") {
		t.Fatalf("%+v", f)
	}
	if m := engine.Compare(a, f.Settings); len(m) != 1 || m[0].Warning() != "moe_backend: asked TRTLLM, ran CUTLASS" {
		t.Fatalf("%+v", m)
	}
	for line, want := range map[string][2]string{
		"[TRT-LLM] [W] CuteDslFusedMoE only supports fp8_block_scales and nvfp4. Check out details in quant_config: None. Using CutlassFusedMoE instead.": {"moe_backend", "CUTLASS"},
		"[TRT-LLM] [I] WideEPMoE selects alltoall_method_type <AlltoallMethodType.NVLinkTwoSided: 2>":                                                     {"moe_alltoall", "NVLinkTwoSided"},
		"[TensorRT-LLM] TensorRT LLM version: 1.1.0": {"version", "1.1.0"},
	} {
		f, ok := engine.MatchLine(line, LogPatterns)
		if !ok || f.Settings[want[0]] != want[1] {
			t.Fatalf("%s: %+v", line, f)
		}
	}
	f, ok = engine.MatchLine("[TRT-LLM] [W] TRTLLMGenFusedMoE requires SM100 or SM103, got SM90", LogPatterns)
	if !ok || !f.Warn || len(f.Settings) != 0 {
		t.Fatalf("%+v", f)
	}
}
