package vllm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
)

// FlagSpecConfig is vLLM's speculative-decoding flag: one JSON object.
const FlagSpecConfig = "--speculative-config"

// Methods vLLM's SpeculativeConfig.method accepts (vllm/config/speculative.py
// SpeculativeMethod), and the MTP model types it still takes as deprecated
// spellings of "mtp" (MTPModelTypes; "method `%s` is deprecated and replaced
// with mtp").
var (
	SpecMethods = []string{"ngram", "medusa", "mlp_speculator", "draft_model", "suffix", "custom_class",
		"eagle", "eagle3", "extract_hidden_states", "mtp", "dflash", "ngram_gpu", "dspark"}
	specMTPTypes = []string{"deepseek_mtp", "dots3_note_mtp", "mimo_mtp", "mimo_v2_mtp", "glm4_moe_mtp", "glm4_moe_lite_mtp",
		"glm_ocr_mtp", "ernie_mtp", "nemotron_h_mtp", "exaone_moe_mtp", "exaone4_5_mtp", "qwen3_next_mtp", "qwen4_exp_mtp",
		"qwen3_5_mtp", "longcat_flash_mtp", "bailing_hybrid_v3_mtp", "minimax_m3_mtp", "bailing_hybrid_mtp", "kimi_k3_mtp",
		"pangu_ultra_moe_mtp", "step3p5_mtp", "hy_v3_mtp", "hy_v4_mtp", "gemma4_mtp", "inkling_mtp", "glm5_next_mtp"}
	// specKeys are SpeculativeConfig's fields a user may set.
	specKeys = []string{"enforce_eager", "num_speculative_tokens", "model", "method", "draft_tensor_parallel_size",
		"tensor_parallel_size", "quantization", "moe_backend", "attention_backend", "kv_cache_dtype", "max_model_len",
		"revision", "code_revision", "index_share_for_mtp_iteration", "disable_padded_drafter_batch", "disable_eagle_block_drop",
		"use_local_argmax_reduction", "use_heterogeneous_vocab", "prompt_lookup_max", "prompt_lookup_min", "parallel_drafting",
		"num_speculative_tokens_per_batch_size", "suffix_decoding_max_tree_depth", "suffix_decoding_max_cached_requests",
		"suffix_decoding_max_spec_factor", "suffix_decoding_min_token_prob", "draft_load_config", "rejection_sample_method",
		"synthetic_acceptance_rates", "synthetic_acceptance_length", "enable_adaptive_verification", "draft_sample_method",
		"dspark_draft_topk"}
)

// SpecConfig is a parsed --speculative-config: the fields pre-flight judges
// (nil when absent or null) and the keys SpeculativeConfig does not have.
type SpecConfig struct {
	Method               string `json:"method,omitempty"`
	Model                string `json:"model,omitempty"`
	NumSpeculativeTokens *int   `json:"num_speculative_tokens,omitempty"`
	DraftTP              *int   `json:"draft_tensor_parallel_size,omitempty"`
	PromptLookupMin      *int   `json:"prompt_lookup_min,omitempty"`
	PromptLookupMax      *int   `json:"prompt_lookup_max,omitempty"`
	// TensorParallelSize is set when the object names tensor_parallel_size,
	// which vLLM refuses ("Please pass 'draft_tensor_parallel_size' instead").
	TensorParallelSize bool     `json:"tensor_parallel_size,omitempty"`
	Unknown            []string `json:"unknown_keys,omitempty"`
}

// ParseSpecConfig reads a --speculative-config value: a JSON object whose
// known fields have the types vLLM's SpeculativeConfig declares.
func ParseSpecConfig(s string) (SpecConfig, error) {
	var sc SpecConfig
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return sc, fmt.Errorf("--speculative-config must be a JSON object such as '{\"method\": \"eagle3\", \"model\": \"DRAFT\", \"num_speculative_tokens\": 3}'")
	}
	if strings.TrimSpace(s[dec.InputOffset():]) != "" {
		return sc, fmt.Errorf("--speculative-config: text after the JSON object")
	}
	var err error
	for _, k := range sortedKeys(raw) {
		v := raw[k]
		switch k {
		case "method":
			sc.Method, err = jsonString(k, v)
		case "model":
			sc.Model, err = jsonString(k, v)
		case "num_speculative_tokens":
			sc.NumSpeculativeTokens, err = jsonInt(k, v)
		case "draft_tensor_parallel_size":
			sc.DraftTP, err = jsonInt(k, v)
		case "prompt_lookup_min":
			sc.PromptLookupMin, err = jsonInt(k, v)
		case "prompt_lookup_max":
			sc.PromptLookupMax, err = jsonInt(k, v)
		case "tensor_parallel_size":
			sc.TensorParallelSize = true
		default:
			if !slices.Contains(specKeys, k) {
				sc.Unknown = append(sc.Unknown, k)
			}
		}
		if err != nil {
			return SpecConfig{}, err
		}
	}
	return sc, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

func jsonString(key string, v json.RawMessage) (string, error) {
	if isNull(v) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("--speculative-config: %s must be a string", key)
	}
	return s, nil
}

// jsonInt reads an integer field (pydantic takes 3.0 for 3, not 3.5).
func jsonInt(key string, v json.RawMessage) (*int, error) {
	if isNull(v) {
		return nil, nil
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		return nil, fmt.Errorf("--speculative-config: %s must be an integer", key)
	}
	n := int(f)
	return &n, nil
}

// ResolvedMethod is the method vLLM runs: the deprecated MTP spellings are
// mtp; without a method, the model names it ("ngram", an "eagle-"/"eagle3"
// draft) or it is a draft model (SpeculativeConfig.__post_init__).
func (sc SpecConfig) ResolvedMethod() string {
	m := sc.Method
	switch {
	case m == "[ngram]":
		return "ngram"
	case slices.Contains(specMTPTypes, m):
		return "mtp"
	case m != "":
		return m
	case sc.Model == "ngram" || sc.Model == "[ngram]":
		return "ngram"
	case strings.Contains(strings.ToLower(sc.Model), "eagle-"):
		return "eagle"
	case strings.Contains(strings.ToLower(sc.Model), "eagle3"):
		return "eagle3"
	}
	return "draft_model"
}

// specOf reads and parses --speculative-config from args (ok false: absent).
func specOf(args []string) (SpecConfig, bool, error) {
	v, ok := engine.FlagValue(args, FlagSpecConfig)
	if !ok {
		return SpecConfig{}, false, nil
	}
	sc, err := ParseSpecConfig(v)
	return sc, true, err
}

// Speculation implements engine.Speculator: the method --speculative-config
// runs ("" without the flag, or when it does not parse).
func (Engine) Speculation(args []string) string {
	sc, ok, err := specOf(args)
	if !ok || err != nil {
		return ""
	}
	return sc.ResolvedMethod()
}

// SpeculativeFlag implements engine.Speculator: --speculative-config and the
// flags of releases before it (--speculative-model, --num-speculative-tokens).
func (Engine) SpeculativeFlag(flag string) bool {
	f := "--" + strings.TrimLeft(flag, "-")
	return f == FlagSpecConfig || strings.HasPrefix(f, "--speculative-") || f == "--num-speculative-tokens"
}
