package trtllm

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/rules"
	"github.com/servesweep/servesweep/internal/hardware"
	"github.com/servesweep/servesweep/internal/modelinfo"
)

func model(t *testing.T, dir string) *modelinfo.Info {
	t.Helper()
	info, err := modelinfo.Locator{Offline: true}.Load(context.Background(), filepath.Join("..", "..", "..", "examples", "hf-configs", dir))
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func target(t *testing.T, gpu, compute string) *hardware.Target {
	t.Helper()
	spec := hardware.Spec{Source: "test", GPU: gpu, GPUs: 8}
	if compute != "" {
		spec = hardware.Spec{Source: "test", GPU: gpu, GPUs: 8, MemoryGiB: 96, Compute: compute}
	}
	tg, err := hardware.Resolve(spec)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// evaluate runs TensorRT-LLM's rule set in order, as pre-flight does, and
// returns each rule's outcome by name.
func evaluate(info *modelinfo.Info, hw *hardware.Target, tp int, backend string, args ...string) map[string]rules.Outcome {
	c := &rules.Ctx{Cfg: rules.Config{TP: tp, GPUs: tp, MoEBackend: backend, Args: args}, Info: info, HW: hw, TP: tp, EP: 1}
	out := map[string]rules.Outcome{}
	for _, r := range (Engine{}).Rules() {
		if r.ForVersion != nil && !r.ForVersion(engine.Version{}, false) {
			continue
		}
		out[r.Name] = r.Check(c)
	}
	return out
}

func TestQuantAlgoOfCheckpoints(t *testing.T) {
	for dir, want := range map[string]string{
		"deepseek-ai--DeepSeek-V3":                "FP8_BLOCK_SCALES",
		"Qwen--Qwen3-235B-A22B-Instruct-2507":     "",
		"Qwen--Qwen3-235B-A22B-Instruct-2507-FP8": "FP8_BLOCK_SCALES",
		"moonshotai--Kimi-K2-Thinking":            "W4A16 (compressed-tensors)",
	} {
		if got := QuantAlgo(model(t, dir)); got != want {
			t.Fatalf("%s: %q, want %q", dir, got, want)
		}
	}
	if got := QuantAlgo(&modelinfo.Info{Quantization: &modelinfo.Quantization{Method: "modelopt", NVFP4: true, Bits: 4, Float: true}}); got != "NVFP4" {
		t.Fatal(got)
	}
}

// TestRulesByArchitectureAndQuantization covers each MoE-backend rule on the
// architectures and checkpoints it distinguishes.
func TestRulesByArchitectureAndQuantization(t *testing.T) {
	ds := model(t, "deepseek-ai--DeepSeek-V3")
	qwen := model(t, "Qwen--Qwen3-235B-A22B-Instruct-2507")
	kimi := model(t, "moonshotai--Kimi-K2-Thinking")
	nvfp4 := *qwen
	nvfp4.Quantization = &modelinfo.Quantization{Method: "modelopt", NVFP4: true, Bits: 4, Float: true}
	b200, b300, h200, a100 := target(t, "B200", ""), target(t, "B300", ""), target(t, "H200", ""), target(t, "A100-80GB", "")
	sm120 := target(t, "RTX-PRO-6000", "12.0")
	attnDP := []string{"--ep_size", "16", OptionFlag, "enable_attention_dp=true"}
	cases := []struct {
		name    string
		info    *modelinfo.Info
		hw      *hardware.Target
		tp      int
		backend string
		args    []string
		rule    string
		want    string
		detail  string
	}{
		{"TRTLLM on B200", ds, b200, 8, "TRTLLM", nil, "TRTLLM MoE backend needs SM100/SM103", rules.Pass, ""},
		{"TRTLLM on B300", ds, b300, 8, "trtllm", nil, "TRTLLM MoE backend needs SM100/SM103", rules.Pass, ""},
		{"TRTLLM on H200", ds, h200, 8, "TRTLLM", nil, "TRTLLM MoE backend needs SM100/SM103", rules.Skip, "on Hopper use CUTLASS (the default) or TRITON"},
		{"TRTLLM on SM120", ds, sm120, 8, "TRTLLM", nil, "TRTLLM MoE backend needs SM100/SM103", rules.Skip, "SM120"},
		{"TRTLLM GPU unknown", ds, nil, 8, "TRTLLM", nil, "TRTLLM MoE backend needs SM100/SM103", rules.Warn, "--gpu"},
		{"TRTLLM FP8 blocks", ds, b200, 8, "TRTLLM", nil, "TRTLLM MoE backend quantization", rules.Pass, ""},
		{"TRTLLM NVFP4", &nvfp4, b200, 8, "TRTLLM", nil, "TRTLLM MoE backend quantization", rules.Pass, ""},
		{"TRTLLM BF16 falls back", qwen, b200, 8, "TRTLLM", nil, "TRTLLM MoE backend quantization", rules.Warn, "runs CUTLASS MoE, not TRTLLM"},
		{"TRTLLM INT4 falls back", kimi, b200, 8, "TRTLLM", nil, "TRTLLM MoE backend quantization", rules.Warn, "W4A16 (compressed-tensors)"},
		{"TRTLLM off for CUTLASS", qwen, h200, 8, "CUTLASS", nil, "TRTLLM MoE backend quantization", rules.NA, ""},
		{"CUTEDSL BF16 falls back", qwen, b200, 8, "CUTEDSL", nil, "CUTEDSL MoE backend quantization and arch", rules.Warn, "runs CUTLASS MoE, not CUTEDSL"},
		{"CUTEDSL NVFP4 on Hopper", &nvfp4, h200, 8, "CUTEDSL", nil, "CUTEDSL MoE backend quantization and arch", rules.Skip, "SM100/SM103 only"},
		{"CUTEDSL FP8 on Hopper", ds, h200, 8, "CUTEDSL", nil, "CUTEDSL MoE backend quantization and arch", rules.Pass, ""},
		{"CUTEDSL on Ampere", ds, a100, 8, "CUTEDSL", nil, "CUTEDSL MoE backend quantization and arch", rules.Skip, "SM >= 90"},
		{"DEEPGEMM BF16", qwen, b200, 8, "DEEPGEMM", nil, "DEEPGEMM MoE backend needs FP8 block scales on Blackwell", rules.Skip, "FP8 block-scale experts only"},
		{"DEEPGEMM on Hopper", ds, h200, 8, "DEEPGEMM", nil, "DEEPGEMM MoE backend needs FP8 block scales on Blackwell", rules.Skip, "requires SM100 or SM103"},
		{"DEEPGEMM on B200", ds, b200, 8, "DEEPGEMM", nil, "DEEPGEMM MoE backend needs FP8 block scales on Blackwell", rules.Pass, ""},
		{"WIDEEP TP1", ds, b200, 1, "WIDEEP", nil, "WIDEEP MoE backend needs attention DP and TP > 1", rules.Skip, "TP ≥ 2"},
		{"WIDEEP no attention DP", ds, b200, 8, "WIDEEP", nil, "WIDEEP MoE backend needs attention DP and TP > 1", rules.Skip, "enable_attention_dp=true"},
		{"WIDEEP EP16 > top-k", ds, b200, 16, "WIDEEP", attnDP, "WIDEEP MoE backend needs attention DP and TP > 1", rules.Pass, ""},
		{"WIDEEP EP8 = top-k", ds, b200, 8, "WIDEEP", []string{"--ep_size", "8", "--enable_attention_dp"}, "WIDEEP MoE backend needs attention DP and TP > 1", rules.Warn, "no all-to-all"},
		{"TRITON DeepSeek routing", ds, h200, 8, "TRITON", nil, "TRITON MoE backend: Hopper for EP > 1, Renormalize routing", rules.Skip, "RenormalizeMoeRoutingMethod"},
		{"TRITON EP on Blackwell", qwen, b200, 8, "TRITON", []string{"--ep_size", "2"}, "TRITON MoE backend: Hopper for EP > 1, Renormalize routing", rules.Skip, "only supported on Hopper with EP size > 1"},
		{"TRITON EP on Hopper", qwen, h200, 8, "TRITON", []string{"--ep_size", "2"}, "TRITON MoE backend: Hopper for EP > 1, Renormalize routing", rules.Pass, ""},
		{"unknown backend", qwen, h200, 8, "FASTEST", nil, "known MoE backend", rules.Skip, "Unsupported moe backend"},
		{"TP not divisible by EP", qwen, h200, 8, "", []string{"--ep_size", "3"}, "TP divisible by EP", rules.Skip, "divides 8"},
		{"experts over EP", qwen, h200, 6, "", []string{"--ep_size", "6"}, "experts and MoE intermediate split", rules.Skip, "128 experts do not split over EP6"},
		{"heads over TP", ds, h200, 6, "", nil, "attention heads split over TP", rules.Skip, "128 attention heads do not split over TP6"},
		{"heads with attention DP", ds, h200, 6, "", []string{OptionFlag, "enable_attention_dp=true"}, "attention heads split over TP", rules.NA, ""},
		{"AMD", qwen, target(t, "MI300X", ""), 8, "", nil, "NVIDIA GPU", rules.Skip, "NVIDIA GPUs"},
		{"bad option", qwen, h200, 8, "", []string{OptionFlag, "oops"}, "--llm_api_option is KEY=VALUE", rules.Skip, "KEY=VALUE"},
		{"own file with backend", qwen, h200, 8, "CUTLASS", []string{"--config", "mine.yaml"}, "own extra options file", rules.Skip, "cannot reach the server"},
		{"own file alone", qwen, h200, 8, "", []string{"--extra_llm_api_options", "mine.yaml"}, "own extra options file", rules.Warn, "enable_block_reuse"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, ok := evaluate(c.info, c.hw, c.tp, c.backend, c.args...)[c.rule]
			if !ok {
				t.Fatalf("no rule %q", c.rule)
			}
			if o.Result != c.want || !strings.Contains(o.Msg, c.detail) {
				t.Fatalf("%s: %s %q, want %s containing %q", c.rule, o.Result, o.Msg, c.want, c.detail)
			}
		})
	}
}

// TestFallbackIsExpected: the TRTLLM fallback names what will really run and
// the line TensorRT-LLM prints, which its log patterns read back.
func TestFallbackIsExpected(t *testing.T) {
	o := evaluate(model(t, "Qwen--Qwen3-235B-A22B-Instruct-2507"), target(t, "B200", ""), 8, "TRTLLM")["TRTLLM MoE backend quantization"]
	if o.Expect["moe_backend"] != "CUTLASS" || len(o.ExpectLog) != 1 {
		t.Fatalf("%+v", o)
	}
	f, ok := engine.MatchLine("[2026-01-01 10:00:00 TP0] "+o.ExpectLog[0], LogPatterns)
	if !ok || f.Settings["moe_backend"] != "CUTLASS" || !f.Warn {
		t.Fatalf("%+v", f)
	}
}

func TestFreeFraction(t *testing.T) {
	for _, c := range []struct {
		args []string
		want float64
	}{
		{nil, 0.9},
		{[]string{"--kv_cache_free_gpu_memory_fraction", "0.75"}, 0.75},
		{[]string{"--free_gpu_memory_fraction=0.6"}, 0.6},
		{[]string{OptionFlag, "kv_cache_config.free_gpu_memory_fraction=0.5"}, 0.5},
		{[]string{"--kv_cache_free_gpu_memory_fraction", "1.5"}, 0.9},
	} {
		f, from, reserved := Engine{}.FreeFraction(141, 8, c.args)
		if f != c.want || from == "" || reserved <= 0 {
			t.Fatalf("%v: %v %q %v", c.args, f, from, reserved)
		}
	}
	var _ rules.FreeMemoryModel = Engine{}
}
