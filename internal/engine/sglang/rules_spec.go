package sglang

import (
	"fmt"
	"slices"
	"strings"

	"github.com/servesweep/servesweep/internal/engine/rules"
)

// Sources of the speculative-decoding rules. SGLang moved the checks from
// server_args.py (ServerArgs._handle_speculative_decoding) into
// arg_groups/speculative_hook.py; "≈ 0.5.11" marks that 2026 era (the release
// era of the source copies read, not a tag checked line by line).
const (
	specNewSince   = "0.5.11"
	srcSpecHook    = "sglang python/sglang/srt/arg_groups/speculative_hook.py handle_speculative_decoding, _handle_eagle_family (≈ 2026); earlier python/sglang/srt/server_args.py ServerArgs._handle_speculative_decoding"
	srcSpecNames   = "sglang python/sglang/srt/arg_groups/fields/spec.py speculative_algorithm (\"Builtins: EAGLE, EAGLE3, NEXTN, STANDALONE, NGRAM, DFLASH, DSPARK, UNO\") and speculative/spec_info.py SpeculativeAlgorithm.from_string (\"Unknown speculative algorithm\"); earlier server_args.py add_cli_args choices=[EAGLE, EAGLE3, NEXTN, STANDALONE, NGRAM]"
	srcSpecIgnored = "sglang python/sglang/srt/arg_groups/speculative_hook.py handle_speculative_decoding (earlier server_args.py _handle_speculative_decoding): the speculative_* settings are read only for a speculative_algorithm"
	srcSpecAssert  = "sglang python/sglang/srt/arg_groups/speculative_hook.py _handle_eagle_family (earlier server_args.py _handle_speculative_decoding): assert speculative_eagle_topk is None and speculative_num_draft_tokens is None when speculative_num_steps is None; then speculative_eagle_topk > 1 is compared"
	srcSpecDFlash  = "sglang python/sglang/srt/arg_groups/speculative_hook.py _handle_dflash (\"DFLASH speculative decoding requires setting --speculative-draft-model-path.\"), _handle_dspark"
)

// MTP architectures: SGLang sets the draft model to the checkpoint itself
// (its multi-token-prediction layers) for these, so NEXTN/EAGLE need no
// --speculative-draft-model-path.
var (
	mtpArchsNew = []string{"DeepseekV32ForCausalLM", "DeepseekV3ForCausalLM", "DeepseekV4ForCausalLM", "Glm4MoeForCausalLM", "Glm4MoeLiteForCausalLM",
		"GlmMoeDsaForCausalLM", "BailingMoeForCausalLM", "BailingMoeV2ForCausalLM", "BailingMoeV2_5ForCausalLM", "MistralLarge3ForCausalLM",
		"PixtralForConditionalGeneration", "HYV3ForCausalLM"}
	mtpArchsOld = []string{"DeepseekV32ForCausalLM", "DeepseekV3ForCausalLM", "Glm4MoeForCausalLM", "BailingMoeForCausalLM", "BailingMoeV2ForCausalLM"}
	// Builtin algorithms: every release of the speculative era, and the 2026 registry's additions.
	specAlgosClassic = []string{"EAGLE", "EAGLE3", "NEXTN", "STANDALONE", "NGRAM"}
	specAlgosNew     = []string{"DFLASH", "DSPARK", "UNO"}
)

// specRules are SGLang's speculative-decoding rules, in the order
// handle_speculative_decoding checks them; init appends them to SGLang's set.
var specRules = []rules.Rule{
	{Name: "speculative algorithm", Versions: "all (DFLASH, DSPARK, UNO: ≥ 0.5.11 ≈)", Arch: "all", Source: srcSpecNames, Check: ruleSpecAlgo},
	{Name: "speculative flags without an algorithm", Versions: "all", Arch: "all", Source: srcSpecIgnored, Check: ruleSpecIgnored},
	{Name: "speculative draft model", Versions: "all (MTP architectures listed by version ≈)", Arch: "all", Source: srcSpecHook + "; " + srcSpecDFlash, Check: ruleSpecDraft},
	{Name: "speculative steps, topk and draft tokens together", Versions: "all", Arch: "all", Source: srcSpecAssert, Check: ruleSpecTogether},
	{Name: "automatic speculative steps/topk/draft tokens", Versions: ">= 0.5.11 (≈)", Arch: "all", Source: srcSpecAutoNew, ForVersion: rules.Since(specNewSince), Check: ruleSpecAuto(true)},
	{Name: "automatic speculative steps/topk/draft tokens (old)", Versions: "< 0.5.11 (≈)", Arch: "all", Source: srcSpecAutoOld, ForVersion: rules.Before(specNewSince), Check: ruleSpecAuto(false)},
	{Name: "topk 1 drafts num_steps + 1 tokens", Versions: "all", Arch: "all", Source: srcSpecChain, Check: ruleSpecChain},
	{Name: "speculative topk > 1 with page size > 1", Versions: "all (attention backends by version ≈)", Arch: "all", Source: srcSpecPage, Check: ruleSpecPage},
	{Name: "trtllm_mha attention needs topk 1", Versions: "all", Arch: "all", Source: srcSpecTRTLLM, Check: ruleSpecTRTLLMMHA},
	{Name: "speculation and DP attention", Versions: "all", Arch: "all", Source: srcSpecDP, Check: ruleSpecDPAttention},
	{Name: "NGRAM draft shape", Versions: "all", Arch: "all", Source: srcSpecNgram, Check: ruleSpecNgram},
	{Name: "speculation caps running requests", Versions: "all", Arch: "all", Source: srcSpecSched, Check: ruleSpecSched},
}

func init() { sglangRules = append(sglangRules, specRules...) }

// newSpecEra: the 2026 speculative hook's rules hold (unknown versions: newest).
func newSpecEra(c *rules.Ctx) bool { return !c.VerKnown || c.Ver.AtLeast(specNewSince) }

func mtpArchs(c *rules.Ctx) []string {
	if newSpecEra(c) {
		return mtpArchsNew
	}
	return mtpArchsOld
}

func ruleSpecAlgo(c *rules.Ctx) rules.Outcome {
	s := parseSpec(c.Cfg.Args)
	switch {
	case s.raw == "":
		return rules.NotApplicable("no --speculative-algorithm")
	case s.algo == "":
		return rules.OK("none: no speculation (servesweep leaves the flag out)")
	case slices.Contains(specAlgosClassic, s.algo):
		if s.raw != s.algo && !newSpecEra(c) {
			return rules.Skipf("--speculative-algorithm %s: this SGLang's argparse takes upper case only (choices %s): write %s",
				s.raw, strings.Join(specAlgosClassic, ", "), s.algo)
		}
		if s.algo == "NEXTN" {
			return rules.OK("NEXTN: SGLang runs it as EAGLE (multi-token-prediction layers as the draft)")
		}
		return rules.OK(s.algo)
	case slices.Contains(specAlgosNew, s.algo):
		if !newSpecEra(c) {
			return rules.Skipf("%s is not one of this SGLang's algorithms (%s): it came with the 2026 speculative registry, use a newer SGLang",
				s.algo, strings.Join(specAlgosClassic, ", "))
		}
		return rules.OK(s.algo + " (2026 speculative registry)")
	}
	return rules.Skipf("unknown speculative algorithm %q: SGLang knows %s (newer releases also %s); write none or false for no speculation",
		s.raw, strings.Join(specAlgosClassic, ", "), strings.Join(specAlgosNew, ", "))
}

func ruleSpecIgnored(c *rules.Ctx) rules.Outcome {
	s := parseSpec(c.Cfg.Args)
	if s.algo != "" {
		return rules.NotApplicable("speculative algorithm " + s.algo)
	}
	var set []string
	for _, f := range c.Cfg.Args {
		if name, _, _ := strings.Cut(f, "="); strings.HasPrefix(name, "--speculative-") && !slices.Contains(flagSpecAlgo, name) {
			set = append(set, name)
		}
	}
	if len(set) == 0 {
		return rules.NotApplicable("no speculative flags")
	}
	return rules.Warnf("%s without a speculative algorithm: SGLang ignores them, so this configuration measures no speculation (a repeat of its twins that differ only there)",
		strings.Join(set, ", "))
}

// ruleSpecDraft: the EAGLE family drafts with --speculative-draft-model-path,
// or for the MTP architectures with the checkpoint's own MTP layers.
func ruleSpecDraft(c *rules.Ctx) rules.Outcome {
	s := parseSpec(c.Cfg.Args)
	arch := c.Info.Architecture
	mtp := slices.Contains(mtpArchs(c), arch)
	switch {
	case s.algo == "DFLASH" && s.draftPath == "":
		return rules.Skipf("DFLASH needs --speculative-draft-model-path (SGLang: \"DFLASH speculative decoding requires setting --speculative-draft-model-path.\")")
	case s.algo == "DSPARK" && s.draftPath == "":
		return rules.Warnf("DSPARK without --speculative-draft-model-path starts only when the checkpoint bundles DSpark draft weights")
	case !s.eagleFamily():
		return rules.NotApplicable("not an EAGLE-family algorithm")
	case s.draftPath != "" && mtp:
		return rules.OK(fmt.Sprintf("draft %s (SGLang notes that %s's MTP layers need no draft path)", s.draftPath, arch))
	case s.draftPath != "":
		return rules.OK("draft " + s.draftPath)
	case mtp && c.Info.MTPParams == 0:
		return rules.Skipf("%s without --speculative-draft-model-path drafts with the checkpoint's own MTP layers, but this config.json has no num_nextn_predict_layers: pass a draft model", s.algo)
	case mtp && (s.algo == "EAGLE3" || s.algo == "STANDALONE"):
		return rules.Warnf("%s on %s without --speculative-draft-model-path: SGLang makes the checkpoint itself the draft (its MTP layers), which is not an %s draft: use NEXTN for MTP, or pass a draft model",
			s.algo, arch, s.algo)
	case mtp:
		return rules.OK(fmt.Sprintf("%s drafts with %s's own MTP layers (draft path = model path)", s.algo, arch))
	}
	return rules.Skipf("%s needs --speculative-draft-model-path: only models with MTP layers (DeepSeek-V3/V3.2, GLM-4.5+, Bailing, ...) draft from their own checkpoint, and %s is not one (the draft worker would load no model)",
		s.algo, arch)
}

// ruleSpecTogether: SGLang chooses steps, topk and draft tokens itself only
// when all three are unset, and compares topk with 1 when steps is set.
func ruleSpecTogether(c *rules.Ctx) rules.Outcome {
	s := parseSpec(c.Cfg.Args)
	if !s.eagleFamily() {
		return rules.NotApplicable("not an EAGLE-family algorithm")
	}
	switch {
	case s.steps < 0 || s.topk < 0 || s.ndraft < 0:
		return rules.Skipf("--speculative-num-steps, --speculative-eagle-topk and --speculative-num-draft-tokens take positive integers")
	case s.adaptive:
		return rules.OK("--speculative-adaptive chooses the steps")
	case s.steps == 0 && (s.topk != 0 || s.ndraft != 0):
		return rules.Skipf("--speculative-eagle-topk/--speculative-num-draft-tokens without --speculative-num-steps: SGLang asserts all three are unset before choosing them itself (AssertionError at startup): set --speculative-num-steps too, or none of them")
	case s.steps > 0 && s.topk == 0:
		return rules.Skipf("--speculative-num-steps %d without --speculative-eagle-topk: SGLang then compares an unset topk with 1 and stops at startup (TypeError): set --speculative-eagle-topk (1 for a chain)", s.steps)
	case s.topk > 1 && s.ndraft == 0:
		return rules.Warnf("--speculative-eagle-topk %d without --speculative-num-draft-tokens: only topk 1 derives it (num_steps + 1); set it", s.topk)
	case s.steps == 0:
		return rules.OK("steps, topk and draft tokens unset: SGLang chooses them")
	}
	return rules.OK(fmt.Sprintf("steps %d, topk %d, draft tokens %d", s.steps, s.topk, s.ndraft))
}
