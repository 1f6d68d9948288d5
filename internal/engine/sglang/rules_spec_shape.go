package sglang

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/rules"
)

const (
	srcSpecAutoNew = "sglang python/sglang/srt/arg_groups/speculative_hook.py _auto_choose_speculative_params (≈ 2026): (steps, topk, draft tokens) = (5, 4, 8) for Llama and Grok, else (3, 1, 4)"
	srcSpecAutoOld = "sglang python/sglang/srt/server_args.py auto_choose_speculative_params (≈ v0.5.x): (3, 1, 4) for STANDALONE and the DeepSeek/GPT-OSS/Bailing family, else (5, 4, 8)"
	srcSpecChain   = "sglang python/sglang/srt/arg_groups/speculative_hook.py _handle_eagle_family (\"speculative_num_draft_tokens is adjusted to speculative_num_steps + 1 when speculative_eagle_topk == 1\"); earlier server_args.py"
	srcSpecPage    = "sglang python/sglang/srt/arg_groups/speculative_hook.py _handle_eagle_family _PAGE_TREE_SPEC_BACKENDS (flashinfer, fa3, triton), _handle_ngram (flashinfer); earlier server_args.py (\"speculative_eagle_topk > 1 with page_size > 1 is unstable ... only supported for the 'flashinfer' backend\", fa3 added late 2025)"
	srcSpecTRTLLM  = "sglang python/sglang/srt/arg_groups/speculative_hook.py _handle_eagle_family (\"trtllm_mha backend only supports topk = 1 for speculative decoding.\"); earlier server_args.py"
	srcSpecDP      = "sglang python/sglang/srt/arg_groups/speculative_hook.py _handle_eagle_family, _handle_ngram, _handle_dflash (\"Currently standalone/ngram/DFLASH speculative decoding does not support dp attention.\"); earlier server_args.py"
	srcSpecNgram   = "sglang python/sglang/srt/arg_groups/speculative_hook.py _handle_ngram (speculative_eagle_topk = speculative_ngram_max_bfs_breadth, default 10; speculative_num_draft_tokens 12 by default); earlier server_args.py (speculative_ngram_max_match_window_size)"
	srcSpecSched   = "sglang python/sglang/srt/arg_groups/speculative_hook.py _handle_eagle_family, _handle_ngram (\"Max running requests is reset to 48 for speculative decoding.\", \"Mixed chunked prefill is disabled\")"
)

// resolvedSpec is the draft shape SGLang runs: steps, topk, draft tokens.
type resolvedSpec struct {
	s                   specArgs
	steps, topk, ndraft int
	auto, adjusted      bool
}

// autoSpec is SGLang's own choice of (steps, topk, draft tokens).
func autoSpec(newEra bool, algo, arch string) (int, int, int) {
	switch {
	case algo == "STANDALONE":
		return 3, 1, 4
	case arch == "LlamaForCausalLM", arch == "Grok1ForCausalLM", arch == "Grok1VForCausalLM":
		return 5, 4, 8
	case newEra:
		return 3, 1, 4
	case slices.Contains([]string{"DeepseekV32ForCausalLM", "DeepseekV3ForCausalLM", "DeepseekV2ForCausalLM", "GptOssForCausalLM", "BailingMoeForCausalLM", "BailingMoeV2ForCausalLM"}, arch):
		return 3, 1, 4
	}
	return 5, 4, 8
}

// resolveSpec applies SGLang's defaults and adjustments to the flags.
func resolveSpec(c *rules.Ctx) resolvedSpec {
	s := parseSpec(c.Cfg.Args)
	r := resolvedSpec{s: s, steps: s.steps, topk: s.topk, ndraft: s.ndraft}
	switch {
	case s.algo == "NGRAM":
		r.topk = engine.IntFlag(c.Cfg.Args, 10, "--speculative-ngram-max-bfs-breadth")
		if r.ndraft == 0 {
			r.ndraft = 12
			if !newSpecEra(c) {
				r.ndraft = engine.IntFlag(c.Cfg.Args, 12, "--speculative-ngram-max-match-window-size")
			}
		}
		if r.steps == 0 && r.topk > 0 {
			r.steps = r.ndraft / r.topk
		}
	case s.eagleFamily() && !s.adaptive && !s.tuned():
		r.steps, r.topk, r.ndraft = autoSpec(newSpecEra(c), s.algo, c.Info.Architecture)
		r.auto = true
	}
	if s.eagleFamily() && r.topk == 1 && r.steps > 0 && r.ndraft != r.steps+1 {
		r.ndraft, r.adjusted = r.steps+1, true
	}
	return r
}

// expect is the effective speculative settings of r, as /server_info names them.
func (r resolvedSpec) expect() map[string]string {
	return map[string]string{"speculative_num_steps": strconv.Itoa(r.steps), "speculative_eagle_topk": strconv.Itoa(r.topk),
		"speculative_num_draft_tokens": strconv.Itoa(r.ndraft)}
}

func ruleSpecAuto(newEra bool) func(*rules.Ctx) rules.Outcome {
	return func(c *rules.Ctx) rules.Outcome {
		r := resolveSpec(c)
		if !r.auto {
			return rules.NotApplicable("not EAGLE-family with steps, topk and draft tokens all unset")
		}
		o := rules.OK(fmt.Sprintf("SGLang chooses steps %d, topk %d, draft tokens %d for %s on %s", r.steps, r.topk, r.ndraft, r.s.algo, c.Info.Architecture))
		o.Expect = r.expect()
		return o
	}
}

func ruleSpecChain(c *rules.Ctx) rules.Outcome {
	r := resolveSpec(c)
	switch {
	case !r.s.eagleFamily() || r.topk != 1:
		return rules.NotApplicable("not an EAGLE-family chain (topk 1)")
	case r.adjusted && !r.auto && r.s.ndraft != 0:
		o := rules.Warnf("topk 1 with --speculative-num-draft-tokens %d: SGLang drafts num_steps + 1 = %d tokens instead (the variant's draft-token value has no effect)", r.s.ndraft, r.ndraft)
		o.Expect = map[string]string{"speculative_num_draft_tokens": strconv.Itoa(r.ndraft)}
		o.ExpectLog = []string{"speculative_num_draft_tokens is adjusted to speculative_num_steps + 1 when speculative_eagle_topk == 1"}
		return o
	case r.s.ndraft == 0 && !r.auto:
		o := rules.OK(fmt.Sprintf("chain of %d steps: SGLang sets draft tokens to num_steps + 1 = %d", r.steps, r.ndraft))
		o.Expect = map[string]string{"speculative_num_draft_tokens": strconv.Itoa(r.ndraft)}
		return o
	}
	return rules.OK(fmt.Sprintf("chain of %d steps verifies %d tokens", r.steps, r.ndraft))
}

// attentionBackends are the attention backend flags of args ("" when unset).
func attentionBackends(args []string) []string {
	var out []string
	for _, f := range []string{"--attention-backend", "--decode-attention-backend", "--prefill-attention-backend"} {
		if v, ok := engine.FlagValue(args, f); ok {
			out = append(out, v)
		}
	}
	return out
}

// ruleSpecPage: a draft tree (topk > 1) on pages > 1 token needs an attention
// backend with the two-pass cascade draft decode.
func ruleSpecPage(c *rules.Ctx) rules.Outcome {
	r := resolveSpec(c)
	if !(r.s.eagleFamily() || r.s.algo == "NGRAM") || r.topk <= 1 {
		return rules.NotApplicable("no draft tree (topk ≤ 1)")
	}
	page := engine.IntFlag(c.Cfg.Args, 1, "--page-size")
	if page <= 1 {
		return rules.OK(fmt.Sprintf("topk %d with page size 1", r.topk))
	}
	allowed, late := []string{"flashinfer", "fa3", "triton"}, []string{}
	switch {
	case r.s.algo == "NGRAM":
		allowed = []string{"flashinfer"}
	case !newSpecEra(c):
		allowed, late = []string{"flashinfer"}, []string{"fa3"}
	}
	be, _ := engine.FlagValue(c.Cfg.Args, "--attention-backend")
	switch {
	case be == "":
		return rules.Warnf("topk %d with --page-size %d works only with %s attention, and SGLang picks the backend for this model and GPU: pass --attention-backend %s",
			r.topk, page, strings.Join(allowed, "/"), allowed[0])
	case slices.Contains(allowed, be):
		return rules.OK(fmt.Sprintf("topk %d, page size %d on %s", r.topk, page, be))
	case slices.Contains(late, be):
		return rules.Warnf("topk %d with --page-size %d on %s: accepted by late-2025 releases, refused by earlier 0.5.x (flashinfer only)", r.topk, page, be)
	}
	return rules.Skipf("topk %d with --page-size %d on %s attention: SGLang refuses it (\"speculative_eagle_topk > 1 with page_size > 1\" is supported on %s only): use --page-size 1, topk 1 or --attention-backend %s",
		r.topk, page, be, strings.Join(allowed, ", "), allowed[0])
}

func ruleSpecTRTLLMMHA(c *rules.Ctx) rules.Outcome {
	if !slices.Contains(attentionBackends(c.Cfg.Args), "trtllm_mha") {
		return rules.NotApplicable("no trtllm_mha attention")
	}
	r := resolveSpec(c)
	if !r.s.eagleFamily() {
		return rules.NotApplicable("not an EAGLE-family algorithm")
	}
	if r.topk > 1 {
		return rules.Skipf("trtllm_mha attention with topk %d: SGLang refuses it (\"trtllm_mha backend only supports topk = 1 for speculative decoding.\"): set --speculative-eagle-topk 1", r.topk)
	}
	return rules.OK("trtllm_mha with topk 1")
}

func ruleSpecDPAttention(c *rules.Ctx) rules.Outcome {
	s := parseSpec(c.Cfg.Args)
	if !engine.HasFlag(c.Cfg.Args, "--enable-dp-attention") || s.algo == "" {
		return rules.NotApplicable("no speculation with DP attention")
	}
	if slices.Contains([]string{"STANDALONE", "NGRAM", "DFLASH"}, s.algo) {
		return rules.Skipf("%s speculative decoding with --enable-dp-attention: SGLang refuses it (\"does not support dp attention\"): use EAGLE/NEXTN or drop DP attention", s.algo)
	}
	return rules.OK(s.algo + " with DP attention")
}

func ruleSpecNgram(c *rules.Ctx) rules.Outcome {
	r := resolveSpec(c)
	if r.s.algo != "NGRAM" {
		return rules.NotApplicable("not NGRAM")
	}
	var o rules.Outcome
	if r.s.topk != 0 && r.s.topk != r.topk {
		o = rules.Warnf("--speculative-eagle-topk %d has no effect: NGRAM sets topk to --speculative-ngram-max-bfs-breadth (%d)", r.s.topk, r.topk)
	} else {
		o = rules.OK(fmt.Sprintf("NGRAM drafts %d tokens, topk %d (BFS breadth)", r.ndraft, r.topk))
	}
	o.Expect = r.expect()
	return o
}

// ruleSpecSched: speculative decoding caps running requests at 48 unless
// --max-running-requests says otherwise, and turns mixed chunking off.
func ruleSpecSched(c *rules.Ctx) rules.Outcome {
	s := parseSpec(c.Cfg.Args)
	if s.algo == "" {
		return rules.NotApplicable("no speculation")
	}
	if engine.HasFlag(c.Cfg.Args, "--enable-mixed-chunk") {
		o := rules.Warnf("--enable-mixed-chunk has no effect: SGLang turns mixed chunked prefill off for speculative decoding")
		o.Expect = map[string]string{"enable_mixed_chunk": "false"}
		return o
	}
	if v, ok := engine.FlagValue(c.Cfg.Args, "--max-running-requests"); ok {
		return rules.OK("--max-running-requests " + v)
	}
	// A pass, not a warning: it matters only past 48 concurrent requests, which
	// the rule cannot see; the report's speculation section says when it does.
	o := rules.OK("SGLang runs at most 48 requests at once with speculative decoding (no --max-running-requests): batch sizes or concurrency above 48 queue; set --max-running-requests to lift it")
	o.Expect = map[string]string{"max_running_requests": "48"}
	return o
}
