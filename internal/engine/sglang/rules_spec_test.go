package sglang

import (
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/rules"
	"github.com/servesweep/servesweep/internal/modelinfo"
)

const (
	dsv3  = "DeepseekV3ForCausalLM"
	qwen3 = "Qwen3MoeForCausalLM"
	llama = "LlamaForCausalLM"
)

// specCtx is a rule context for a model of arch (with MTP layers when mtp) on
// SGLang version ("" unknown: newest rules) launched with args.
func specCtx(arch string, mtp bool, version string, args ...string) *rules.Ctx {
	info := &modelinfo.Info{Architecture: arch, Heads: 32, KVHeads: 8}
	if mtp {
		info.MTPParams = 1
	}
	c := &rules.Ctx{Cfg: rules.Config{TP: 1, GPUs: 1, Args: args}, Info: info, TP: 1, EP: 1}
	if version != "" {
		c.Ver, c.VerKnown = engine.ParseVersion(version)
	}
	return c
}

// runRule evaluates SGLang's rule called name as pre-flight does.
func runRule(t *testing.T, name string, c *rules.Ctx) rules.Outcome {
	t.Helper()
	for _, r := range (Engine{}).Rules() {
		if r.Name != name {
			continue
		}
		if r.Source == "" || r.Versions == "" || r.Arch == "" {
			t.Fatalf("rule %q lacks its provenance", name)
		}
		if r.ForVersion != nil && !r.ForVersion(c.Ver, c.VerKnown) {
			return rules.Outcome{Result: rules.NA, Msg: "does not hold for this engine version"}
		}
		return r.Check(c)
	}
	t.Fatalf("no SGLang rule %q", name)
	return rules.Outcome{}
}

const (
	algo     = "speculative algorithm"
	ignored  = "speculative flags without an algorithm"
	draft    = "speculative draft model"
	together = "speculative steps, topk and draft tokens together"
	auto     = "automatic speculative steps/topk/draft tokens"
	autoOld  = "automatic speculative steps/topk/draft tokens (old)"
	chain    = "topk 1 drafts num_steps + 1 tokens"
	page     = "speculative topk > 1 with page size > 1"
	mha      = "trtllm_mha attention needs topk 1"
	dp       = "speculation and DP attention"
	ngram    = "NGRAM draft shape"
	sched    = "speculation caps running requests"
)

// eagle is an EAGLE launch with a draft model, then extra.
func eagle(extra ...string) []string {
	return append([]string{"--speculative-algorithm", "EAGLE", "--speculative-draft-model-path", "d"}, extra...)
}

// specRuleCases: each speculative rule with configurations it passes and
// configurations it refuses or warns about.
var specRuleCases = []struct {
	name, rule string
	c          *rules.Ctx
	want, msg  string
}{
	{"no flag", algo, specCtx(qwen3, false, ""), rules.NA, ""},
	{"none", algo, specCtx(qwen3, false, "", "--speculative-algorithm", "none"), rules.Pass, "no speculation"},
	{"EAGLE3", algo, specCtx(qwen3, false, "", "--speculative-algorithm", "EAGLE3"), rules.Pass, "EAGLE3"},
	{"NEXTN is EAGLE", algo, specCtx(dsv3, true, "", "--speculative-algorithm", "NEXTN"), rules.Pass, "runs it as EAGLE"},
	{"unknown name", algo, specCtx(qwen3, false, "", "--speculative-algorithm", "MEDUSA"), rules.Skip, "unknown speculative algorithm"},
	{"lower case old", algo, specCtx(qwen3, false, "0.5.4", "--speculative-algorithm", "eagle"), rules.Skip, "upper case only"},
	{"lower case new", algo, specCtx(qwen3, false, "0.5.11", "--speculative-algorithm", "eagle"), rules.Pass, "EAGLE"},
	{"DFLASH old", algo, specCtx(qwen3, false, "0.5.4", "--speculative-algorithm", "DFLASH"), rules.Skip, "newer SGLang"},
	{"DFLASH new", algo, specCtx(qwen3, false, "", "--speculative-algorithm", "DFLASH"), rules.Pass, "2026"},

	{"ignored steps", ignored, specCtx(qwen3, false, "", "--speculative-num-steps", "3"), rules.Warn, "--speculative-num-steps without a speculative algorithm"},
	{"ignored none", ignored, specCtx(qwen3, false, "", "--speculative-algorithm", "none", "--speculative-eagle-topk", "4"), rules.Warn, "--speculative-eagle-topk"},
	{"not ignored", ignored, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "3")...), rules.NA, ""},
	{"nothing to ignore", ignored, specCtx(qwen3, false, ""), rules.NA, ""},

	{"EAGLE without draft", draft, specCtx(qwen3, false, "", "--speculative-algorithm", "EAGLE"), rules.Skip, "needs --speculative-draft-model-path"},
	{"EAGLE with draft", draft, specCtx(qwen3, false, "", eagle()...), rules.Pass, "draft d"},
	{"NEXTN on DeepSeek", draft, specCtx(dsv3, true, "", "--speculative-algorithm", "NEXTN"), rules.Pass, "own MTP layers"},
	{"NEXTN on Qwen3", draft, specCtx(qwen3, false, "", "--speculative-algorithm", "NEXTN"), rules.Skip, "is not one"},
	{"NEXTN without MTP layers", draft, specCtx(dsv3, false, "", "--speculative-algorithm", "NEXTN"), rules.Skip, "num_nextn_predict_layers"},
	{"EAGLE3 on DeepSeek", draft, specCtx(dsv3, true, "", "--speculative-algorithm", "EAGLE3"), rules.Warn, "not an EAGLE3 draft"},
	{"GLM-4.5 lite new", draft, specCtx("Glm4MoeLiteForCausalLM", true, "", "--speculative-algorithm", "NEXTN"), rules.Pass, "own MTP"},
	{"GLM-4.5 lite old", draft, specCtx("Glm4MoeLiteForCausalLM", true, "0.5.4", "--speculative-algorithm", "NEXTN"), rules.Skip, "needs --speculative-draft-model-path"},
	{"DFLASH without draft", draft, specCtx(qwen3, false, "", "--speculative-algorithm", "DFLASH"), rules.Skip, "DFLASH needs"},
	{"NGRAM needs no draft", draft, specCtx(qwen3, false, "", "--speculative-algorithm", "NGRAM"), rules.NA, ""},

	{"topk without steps", together, specCtx(qwen3, false, "", eagle("--speculative-eagle-topk", "4")...), rules.Skip, "AssertionError"},
	{"steps without topk", together, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "3")...), rules.Skip, "TypeError"},
	{"tree without draft tokens", together, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "3", "--speculative-eagle-topk", "4")...), rules.Warn, "only topk 1"},
	{"all three", together, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "3", "--speculative-eagle-topk", "4", "--speculative-num-draft-tokens", "8")...), rules.Pass, "steps 3, topk 4, draft tokens 8"},
	{"none of them", together, specCtx(qwen3, false, "", eagle()...), rules.Pass, "SGLang chooses"},
	{"not a number", together, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "three")...), rules.Skip, "positive integers"},
	{"adaptive", together, specCtx(qwen3, false, "", eagle("--speculative-adaptive", "--speculative-eagle-topk", "1")...), rules.Pass, "adaptive"},

	{"auto new Qwen3", auto, specCtx(qwen3, false, "", eagle()...), rules.Pass, "steps 3, topk 1, draft tokens 4"},
	{"auto new Llama", auto, specCtx(llama, false, "0.5.12", eagle()...), rules.Pass, "steps 5, topk 4, draft tokens 8"},
	{"auto old Qwen3", autoOld, specCtx(qwen3, false, "0.5.4", eagle()...), rules.Pass, "steps 5, topk 4, draft tokens 8"},
	{"auto old DeepSeek", autoOld, specCtx(dsv3, true, "0.5.4", "--speculative-algorithm", "NEXTN"), rules.Pass, "steps 3, topk 1, draft tokens 4"},
	{"auto old off for new", autoOld, specCtx(qwen3, false, "0.5.11", eagle()...), rules.NA, "does not hold"},
	{"auto set by hand", auto, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "2", "--speculative-eagle-topk", "1")...), rules.NA, ""},

	{"chain adjusted", chain, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "3", "--speculative-eagle-topk", "1", "--speculative-num-draft-tokens", "8")...), rules.Warn, "num_steps + 1 = 4"},
	{"chain exact", chain, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "3", "--speculative-eagle-topk", "1", "--speculative-num-draft-tokens", "4")...), rules.Pass, "verifies 4"},
	{"chain derives draft tokens", chain, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "5", "--speculative-eagle-topk", "1")...), rules.Pass, "num_steps + 1 = 6"},
	{"tree is no chain", chain, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "3", "--speculative-eagle-topk", "4", "--speculative-num-draft-tokens", "8")...), rules.NA, ""},

	{"tree pages fa4", page, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "3", "--speculative-eagle-topk", "4", "--speculative-num-draft-tokens", "8", "--page-size", "64", "--attention-backend", "fa4")...), rules.Skip, "use --page-size 1"},
	{"tree pages flashinfer", page, specCtx(qwen3, false, "", eagle("--speculative-num-steps", "3", "--speculative-eagle-topk", "4", "--speculative-num-draft-tokens", "8", "--page-size", "64", "--attention-backend", "flashinfer")...), rules.Pass, "flashinfer"},
	{"tree pages triton old", page, specCtx(qwen3, false, "0.5.4", eagle("--speculative-num-steps", "3", "--speculative-eagle-topk", "4", "--speculative-num-draft-tokens", "8", "--page-size", "64", "--attention-backend", "triton")...), rules.Skip, "flashinfer only"},
	{"tree pages fa3 old", page, specCtx(qwen3, false, "0.5.4", eagle("--speculative-num-steps", "3", "--speculative-eagle-topk", "4", "--speculative-num-draft-tokens", "8", "--page-size", "64", "--attention-backend", "fa3")...), rules.Warn, "late-2025"},
	{"tree pages default backend", page, specCtx(llama, false, "", eagle("--page-size", "16")...), rules.Warn, "pass --attention-backend"},
	{"tree page 1", page, specCtx(llama, false, "", eagle()...), rules.Pass, "page size 1"},
	{"chain pages", page, specCtx(qwen3, false, "", eagle("--page-size", "64")...), rules.NA, ""},
	{"ngram pages fa3", page, specCtx(qwen3, false, "", "--speculative-algorithm", "NGRAM", "--page-size", "64", "--attention-backend", "fa3"), rules.Skip, "flashinfer"},

	{"trtllm_mha tree", mha, specCtx(llama, false, "", eagle("--attention-backend", "trtllm_mha")...), rules.Skip, "topk = 1"},
	{"trtllm_mha chain", mha, specCtx(qwen3, false, "", eagle("--decode-attention-backend", "trtllm_mha")...), rules.Pass, "topk 1"},
	{"no trtllm_mha", mha, specCtx(llama, false, "", eagle()...), rules.NA, ""},

	{"standalone dp", dp, specCtx(qwen3, false, "", "--speculative-algorithm", "STANDALONE", "--speculative-draft-model-path", "d", "--enable-dp-attention"), rules.Skip, "does not support dp attention"},
	{"ngram dp", dp, specCtx(qwen3, false, "", "--speculative-algorithm", "NGRAM", "--enable-dp-attention"), rules.Skip, "NGRAM"},
	{"eagle dp", dp, specCtx(dsv3, true, "", "--speculative-algorithm", "NEXTN", "--enable-dp-attention"), rules.Pass, "DP attention"},
	{"no dp", dp, specCtx(qwen3, false, "", "--speculative-algorithm", "NGRAM"), rules.NA, ""},

	{"ngram topk overwritten", ngram, specCtx(qwen3, false, "", "--speculative-algorithm", "NGRAM", "--speculative-eagle-topk", "2"), rules.Warn, "max-bfs-breadth (10)"},
	{"ngram shape", ngram, specCtx(qwen3, false, "", "--speculative-algorithm", "NGRAM"), rules.Pass, "12 tokens, topk 10"},
	{"not ngram", ngram, specCtx(qwen3, false, "", eagle()...), rules.NA, ""},

	{"cap 48", sched, specCtx(qwen3, false, "", eagle()...), rules.Pass, "at most 48"},
	{"cap lifted", sched, specCtx(qwen3, false, "", eagle("--max-running-requests", "256")...), rules.Pass, "256"},
	{"mixed chunk off", sched, specCtx(qwen3, false, "", eagle("--enable-mixed-chunk")...), rules.Warn, "mixed chunked prefill off"},
	{"no spec no cap", sched, specCtx(qwen3, false, ""), rules.NA, ""},
}

// TestSpeculativeRules covers every speculative rule with configurations it
// passes and configurations it refuses or warns about.
func TestSpeculativeRules(t *testing.T) {
	for _, k := range specRuleCases {
		t.Run(k.name, func(t *testing.T) {
			o := runRule(t, k.rule, k.c)
			if o.Result != k.want || !strings.Contains(o.Msg, k.msg) {
				t.Fatalf("%s: got %s %q, want %s containing %q", k.rule, o.Result, o.Msg, k.want, k.msg)
			}
		})
	}
}

// TestSpeculativeExpectations: what the rules predict /server_info reports.
func TestSpeculativeExpectations(t *testing.T) {
	o := runRule(t, "automatic speculative steps/topk/draft tokens", specCtx(dsv3, true, "", "--speculative-algorithm", "NEXTN"))
	if o.Expect["speculative_num_steps"] != "3" || o.Expect["speculative_eagle_topk"] != "1" || o.Expect["speculative_num_draft_tokens"] != "4" {
		t.Fatalf("%+v", o.Expect)
	}
	o = runRule(t, "speculation caps running requests", specCtx(dsv3, true, "", "--speculative-algorithm", "NEXTN"))
	if o.Expect["max_running_requests"] != "48" {
		t.Fatalf("%+v", o.Expect)
	}
	o = runRule(t, "topk 1 drafts num_steps + 1 tokens", specCtx(qwen3, false, "", "--speculative-algorithm", "EAGLE", "--speculative-num-steps", "2", "--speculative-eagle-topk", "1", "--speculative-num-draft-tokens", "6"))
	if o.Expect["speculative_num_draft_tokens"] != "3" || len(o.ExpectLog) != 1 {
		t.Fatalf("%+v", o)
	}
}

func TestNoSpeculationLeavesTheFlagOut(t *testing.T) {
	argv := Args([]string{"x"}, engine.LaunchSpec{ModelPath: "m", TP: 1, Args: []string{"--speculative-algorithm", "none", "--mem-fraction-static", "0.8", "--speculative-algorithm=NONE"}})
	got := strings.Join(argv, " ")
	if strings.Contains(got, "speculative") || !strings.Contains(got, "--mem-fraction-static 0.8") {
		t.Fatalf("%s", got)
	}
	argv = Args([]string{"x"}, engine.LaunchSpec{ModelPath: "m", TP: 1, Args: []string{"--speculative-algorithm", "EAGLE"}})
	if !strings.Contains(strings.Join(argv, " "), "--speculative-algorithm EAGLE") {
		t.Fatalf("%v", argv)
	}
	e := Engine{}
	if e.Speculation([]string{"--speculative-algorithm", "none"}) != "" || e.Speculation([]string{"--speculative-algo", "nextn"}) != "NEXTN" ||
		!e.SpeculativeFlag("--speculative-num-steps") || e.SpeculativeFlag("--page-size") {
		t.Fatal("Speculator")
	}
}
