package preflight

import (
	"fmt"
	"slices"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/modelinfo"
	"github.com/servesweep/servesweep/internal/plan"
)

// sglangRules applies SGLang's startup rules (shared/reference/traces-and-memory.md §4).
func sglangRules(cfg plan.Config, info *modelinfo.Info) (skip, warn []string) {
	tp := cfg.TP
	ep := engine.IntFlag(cfg.Args, 1, "--ep-size", "--expert-parallel-size", "--ep")
	if tp%ep != 0 {
		return append(skip, fmt.Sprintf("TP%d is not divisible by --ep-size %d: use an EP size that divides %d", tp, ep, tp)), warn
	}
	if info.Heads%tp != 0 {
		skip = append(skip, fmt.Sprintf("%d attention heads do not split over TP%d: use a TP size that divides %d", info.Heads, tp, info.Heads))
	}
	if info.Attention == "GQA" {
		nkv := info.KVHeads
		if nkv >= tp && nkv%tp != 0 || nkv < tp && tp%nkv != 0 {
			skip = append(skip, fmt.Sprintf("%d KV heads and TP%d: SGLang needs kv_heads %% tp == 0 (or tp %% kv_heads == 0 when tp > kv_heads)", nkv, tp))
		}
	}
	quant := ""
	if info.Quantization != nil {
		quant = info.Quantization.Method
	}
	if q, ok := engine.FlagValue(cfg.Args, "--quantization"); ok {
		if quant != "" && q != quant {
			skip = append(skip, fmt.Sprintf("--quantization %s does not match the checkpoint's own method %s: remove the flag", q, quant))
		}
		quant = q
	}
	if info.IsMoE() {
		skip = append(skip, moeRules(cfg, info, tp, ep, quant)...)
		if be := cfg.MoEBackend; be != "" {
			skip = append(skip, backendRules(be, quant, tp, ep)...)
		}
	}
	return skip, warn
}

func moeRules(cfg plan.Config, info *modelinfo.Info, tp, ep int, quant string) []string {
	var skip []string
	if info.Experts%ep != 0 {
		skip = append(skip, fmt.Sprintf("%d experts do not split over --ep-size %d", info.Experts, ep))
	}
	moeTP := tp / ep
	inter := info.MoEIntermediate
	if inter == 0 {
		return skip
	}
	block := 0
	if info.Quantization != nil && len(info.Quantization.BlockSize) > 0 && (quant == "fp8" || quant == "") {
		block = info.Quantization.BlockSize[0]
	}
	ok := func(e int) bool {
		m := tp / e
		if inter%m != 0 || info.Experts%e != 0 {
			return false
		}
		return block == 0 || (inter/m)%block == 0
	}
	if ok(ep) {
		return skip
	}
	fix := "use a smaller TP"
	for e := ep * 2; e <= tp; e *= 2 {
		if tp%e == 0 && ok(e) {
			fix = fmt.Sprintf("add `--ep-size %d`", e)
			if cfg.MoEBackend == "flashinfer_cutlass" && e != tp {
				fix += " (flashinfer_cutlass needs --ep-size 1 or equal to TP)"
			}
			break
		}
	}
	per := inter / moeTP
	if inter%moeTP != 0 {
		return append(skip, fmt.Sprintf("TP%d: moe_intermediate_size %d does not split over moe_tp %d: %s", tp, inter, moeTP, fix))
	}
	return append(skip, fmt.Sprintf("TP%d gives %d per rank, not a multiple of %d (FP8 block): %s", tp, per, block, fix))
}

var backendQuant = map[string][]string{
	"flashinfer_cutlass": {"", "modelopt_fp4", "modelopt_fp8"},
	"flashinfer_trtllm":  {"", "modelopt_fp4", "fp8", "modelopt_fp8", "compressed-tensors"},
}

func backendRules(backend, quant string, tp, ep int) []string {
	var skip []string
	if allowed, ok := backendQuant[backend]; ok && !slices.Contains(allowed, quant) {
		names := []string{}
		for _, a := range allowed {
			if a == "" {
				a = "bf16"
			}
			names = append(names, a)
		}
		alt := "flashinfer_trtllm"
		if backend == alt {
			alt = "triton"
		}
		skip = append(skip, fmt.Sprintf("%s needs %s weights; this checkpoint is %s: use %s or another checkpoint", backend, strings.Join(names, ", "), quant, alt))
	}
	if backend == "flashinfer_cutlass" && ep != 1 && ep != tp {
		skip = append(skip, fmt.Sprintf("flashinfer_cutlass needs --ep-size 1 or %d (TP), got %d", tp, ep))
	}
	return skip
}
