package vllm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/servesweep/servesweep/internal/engine/rules"
)

const (
	srcSpec       = "vllm vllm/config/speculative.py SpeculativeConfig (≈ 2026 source)"
	srcSpecMethod = srcSpec + " SpeculativeMethod, __post_init__ (\"method `%s` is deprecated and replaced with mtp\"), _verify_args (\"'tensor_parallel_size' is not a valid argument in the speculative_config\")"
	srcSpecTokens = srcSpec + " __post_init__ (\"num_speculative_tokens was provided but without speculative model.\"), _verify_args (\"num_speculative_tokens must be provided with speculative model unless the draft model config contains an n_predict parameter.\"; num_speculative_tokens > 0)"
	srcSpecMTP    = srcSpec + " __post_init__ (mtp drafts with the target model itself; \"Enabling num_speculative_tokens > 1 will run multiple times of forward on same MTP layer\"), hf_config_override (num_nextn_predict_layers)"
	srcSpecNgramV = srcSpec + " __post_init__ (prompt_lookup_min/max default 5; \"prompt_lookup_min=%d must be <= prompt_lookup_max=%d\")"
	srcSpecDraftT = srcSpec + " _verify_and_get_draft_tp (\"cannot be other value than 1 or target model tensor_parallel_size\")"
)

// specRules judge --speculative-config.
var specRules = []rules.Rule{
	{Name: "speculative config method", Versions: "all (≈ 2026 method list)", Arch: "all", Source: srcSpecMethod, Check: ruleSpecMethod},
	{Name: "speculative tokens and draft model", Versions: "all", Arch: "all", Source: srcSpecTokens, Check: ruleSpecTokens},
	{Name: "mtp drafts with the model's MTP layers", Versions: "all", Arch: "all", Source: srcSpecMTP, Check: ruleSpecMTP},
	{Name: "ngram prompt lookup window", Versions: "all", Arch: "all", Source: srcSpecNgramV, Check: ruleSpecNgramWindow},
	{Name: "draft tensor parallel size", Versions: "all", Arch: "all", Source: srcSpecDraftT, Check: ruleSpecDraftTP},
}

// specCheck parses the configuration's --speculative-config; the outcome is
// set when the rule is settled without it (absent: n/a; malformed: skip).
func specCheck(c *rules.Ctx) (SpecConfig, *rules.Outcome) {
	sc, ok, err := specOf(c.Cfg.Args)
	switch {
	case !ok:
		o := rules.NotApplicable("no --speculative-config")
		return sc, &o
	case err != nil:
		o := rules.Skipf("%v", err)
		return sc, &o
	}
	return sc, nil
}

func ruleSpecMethod(c *rules.Ctx) rules.Outcome {
	sc, o := specCheck(c)
	if o != nil {
		return *o
	}
	m := sc.Method
	switch {
	case sc.TensorParallelSize:
		return rules.Skipf("--speculative-config names tensor_parallel_size, which vLLM refuses: write draft_tensor_parallel_size")
	case m != "" && m != "[ngram]" && !slices.Contains(SpecMethods, m) && !slices.Contains(specMTPTypes, m):
		return rules.Skipf("--speculative-config method %q is not one of vLLM's (%s)", m, strings.Join(SpecMethods, ", "))
	case slices.Contains(specMTPTypes, m):
		return rules.Warnf("method %q is deprecated: vLLM runs it as \"mtp\" (write mtp)", m)
	case len(sc.Unknown) > 0:
		return rules.Warnf("--speculative-config keys vLLM's SpeculativeConfig does not have (this release may refuse them): %s", strings.Join(sc.Unknown, ", "))
	}
	return rules.OK("method " + sc.ResolvedMethod())
}

// noModelNeeded are the methods that draft without a separate model.
var noModelNeeded = []string{"mtp", "dspark", "ngram", "ngram_gpu", "suffix", "extract_hidden_states", "custom_class"}

func ruleSpecTokens(c *rules.Ctx) rules.Outcome {
	sc, o := specCheck(c)
	if o != nil {
		return *o
	}
	m, n := sc.ResolvedMethod(), sc.NumSpeculativeTokens
	switch {
	case n != nil && *n <= 0:
		return rules.Skipf("num_speculative_tokens %d: vLLM needs it greater than zero", *n)
	case n != nil && sc.Model == "" && !slices.Contains(noModelNeeded, m):
		return rules.Skipf("method %s with num_speculative_tokens but no model: vLLM refuses it (\"num_speculative_tokens was provided but without speculative model.\"): add \"model\": the draft or EAGLE head", m)
	case n == nil && m == "suffix":
		return rules.OK("suffix decoding: num_speculative_tokens defaults to suffix_decoding_max_tree_depth (24)")
	case n == nil && sc.Model != "":
		return rules.Warnf("no num_speculative_tokens: vLLM takes the draft config's n_predict and refuses the draft if it has none")
	case n == nil:
		return rules.Skipf("method %s without num_speculative_tokens: vLLM refuses it (\"num_speculative_tokens must be provided\")", m)
	}
	return rules.OK(fmt.Sprintf("%s with %d speculative tokens", m, *n))
}

func ruleSpecMTP(c *rules.Ctx) rules.Outcome {
	sc, o := specCheck(c)
	if o != nil {
		return *o
	}
	if sc.ResolvedMethod() != "mtp" {
		return rules.NotApplicable("method is not mtp")
	}
	if sc.Model == "" && c.Info.MTPParams == 0 {
		return rules.Skipf("mtp drafts with the model's own multi-token-prediction layers and %s has none (no num_nextn_predict_layers in config.json): use eagle3 with a draft model, or ngram", c.Info.Architecture)
	}
	if n := sc.NumSpeculativeTokens; n != nil && *n > 1 {
		return rules.Warnf("mtp with num_speculative_tokens %d runs the same MTP layer %d times per step: vLLM warns of a lower acceptance rate", *n, *n)
	}
	return rules.OK("mtp on " + c.Info.Architecture + "'s MTP layers")
}

func ruleSpecNgramWindow(c *rules.Ctx) rules.Outcome {
	sc, o := specCheck(c)
	if o != nil {
		return *o
	}
	if m := sc.ResolvedMethod(); m != "ngram" && m != "ngram_gpu" {
		return rules.NotApplicable("method is not ngram")
	}
	lo, hi := 5, 5
	switch {
	case sc.PromptLookupMin != nil && sc.PromptLookupMax != nil:
		lo, hi = *sc.PromptLookupMin, *sc.PromptLookupMax
	case sc.PromptLookupMin != nil:
		lo, hi = *sc.PromptLookupMin, *sc.PromptLookupMin
	case sc.PromptLookupMax != nil:
		lo, hi = *sc.PromptLookupMax, *sc.PromptLookupMax
	}
	switch {
	case lo < 1 || hi < 1:
		return rules.Skipf("prompt_lookup_min and prompt_lookup_max must be ≥ 1 (got %d, %d)", lo, hi)
	case lo > hi:
		return rules.Skipf("prompt_lookup_min %d > prompt_lookup_max %d: vLLM refuses it", lo, hi)
	}
	return rules.OK(fmt.Sprintf("n-gram window %d..%d", lo, hi))
}

func ruleSpecDraftTP(c *rules.Ctx) rules.Outcome {
	sc, o := specCheck(c)
	if o != nil {
		return *o
	}
	if sc.DraftTP == nil {
		return rules.NotApplicable("draft_tensor_parallel_size unset (the target's TP)")
	}
	if d := *sc.DraftTP; d != 1 && d != c.TP {
		return rules.Skipf("draft_tensor_parallel_size %d: vLLM takes 1 or the target's tensor-parallel size (%d)", d, c.TP)
	}
	return rules.OK(fmt.Sprintf("draft TP%d", *sc.DraftTP))
}
