package trtllm

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/servesweep/servesweep/internal/engine"
)

// OptionFlag is servesweep's own flag for the LLM API options trtllm-serve
// has no flag for: `--llm_api_option KEY=VALUE`, KEY dotted for nested
// settings (moe_config.max_num_tokens=8192, enable_attention_dp=true), VALUE
// YAML (a scalar, or a flow list such as cuda_graph_config.batch_sizes=[1,2,4]). servesweep writes them into the extra options YAML and leaves
// the flag out of trtllm-serve's argv. It may be repeated and may be a
// server_params grid flag.
const OptionFlag = "--llm_api_option"

// memFlags are trtllm-serve's spellings of the KV cache memory fraction
// (serve.py: --free_gpu_memory_fraction / --kv_cache_free_gpu_memory_fraction).
var memFlags = []string{"--kv_cache_free_gpu_memory_fraction", "--free_gpu_memory_fraction"}

// SplitOptions separates the --llm_api_option values from the rest of args.
func SplitOptions(args []string) (rest, opts []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == OptionFlag && i+1 < len(args):
			opts = append(opts, args[i+1])
			i++
		case strings.HasPrefix(a, OptionFlag+"="):
			opts = append(opts, a[len(OptionFlag)+1:])
		default:
			rest = append(rest, a)
		}
	}
	return rest, opts
}

var keyRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// Options is the extra options document for spec. Its defaults:
//   - kv_cache_config.enable_block_reuse: false — trtllm-serve has no route
//     that empties the KV cache, so without reuse every prompt is cold, as
//     Flush makes it on the other engines;
//   - kv_cache_config.free_gpu_memory_fraction from the command-line flag when
//     given, since a kv_cache_config in the YAML replaces the one the flags
//     built (tensorrt_llm/llmapi/llm_utils.py update_llm_args_with_extra_dict:
//     llm_args | llm_args_dict);
//   - moe_config.backend: the sweep's MoE backend (upper case, as MoeConfig's
//     Literal spells it).
//
// The --llm_api_option pairs come last and win.
func Options(spec engine.LaunchSpec) (map[string]any, error) {
	args, opts := SplitOptions(spec.Args)
	kv := map[string]any{"enable_block_reuse": false}
	for _, f := range memFlags {
		if v, ok := engine.FlagValue(args, f); ok {
			kv["free_gpu_memory_fraction"] = scalar(v)
			break
		}
	}
	doc := map[string]any{"kv_cache_config": kv}
	if b := backendName(spec.MoEBackend); b != "" {
		doc["moe_config"] = map[string]any{"backend": b}
	}
	for _, o := range opts {
		if err := setOption(doc, o); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// OptionsYAML is Options as YAML (keys sorted).
func OptionsYAML(spec engine.LaunchSpec) ([]byte, error) {
	doc, err := Options(spec)
	if err != nil {
		return nil, err
	}
	return yaml.Marshal(doc)
}

// CheckOptions reports the first --llm_api_option that is not KEY=VALUE.
func CheckOptions(args []string) error {
	_, opts := SplitOptions(args)
	return setAll(map[string]any{}, opts)
}

func setAll(doc map[string]any, opts []string) error {
	for _, o := range opts {
		if err := setOption(doc, o); err != nil {
			return err
		}
	}
	return nil
}

// setOption sets one KEY=VALUE option in doc, creating nested maps.
func setOption(doc map[string]any, opt string) error {
	key, val, ok := strings.Cut(opt, "=")
	key = strings.TrimSpace(key)
	if !ok || !keyRe.MatchString(key) {
		return fmt.Errorf("%s %q: write KEY=VALUE, e.g. %s enable_attention_dp=true or moe_config.max_num_tokens=8192", OptionFlag, opt, OptionFlag)
	}
	parts := strings.Split(key, ".")
	m := doc
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			if _, scalarThere := m[p]; scalarThere {
				return fmt.Errorf("%s %q: %s is already set to a value, not a section", OptionFlag, opt, p)
			}
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = scalar(val)
	return nil
}

// scalar reads a value as YAML does (true, 8192, 0.85, [1, 2, 4], a string).
func scalar(s string) any {
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	switch v.(type) {
	case nil:
		if strings.TrimSpace(s) == "" {
			return ""
		}
		return nil
	case bool, int, float64, string, []any, map[string]any:
		return v
	}
	return s
}
