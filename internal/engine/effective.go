package engine

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// EffectiveReader is implemented by clients that can say which configuration
// the server really resolved after it started (SGLang's /server_info, vLLM's
// /version and /v1/models, Ollama's /api/show): the settings the engine chose
// for "auto" and the ones it changed behind the flags' back.
type EffectiveReader interface {
	Effective(ctx context.Context) (map[string]any, error)
}

// LogPattern is a known server log line that tells what the engine really ran.
type LogPattern struct {
	Re *regexp.Regexp
	// Key is the effective setting the line reveals; its value is the
	// submatch named "ran" ("" when the line only warns).
	Key string
	// Warn marks a fallback: the line goes to effective_warnings.
	Warn bool
	// Extract, when set, replaces Key and Warn: it maps the line's named
	// submatches to settings and says whether the line is a fallback.
	Extract func(sub map[string]string) (settings map[string]any, warn bool)
}

// LogScanner is implemented by engines whose server log reveals settings and fallbacks.
type LogScanner interface {
	LogPatterns() []LogPattern
}

// Asker is implemented by engines that can say which effective settings a
// launch asks for, keyed like their effective configuration
// (SGLang: moe_runner_backend, tp_size, and every --flag of the args).
type Asker interface {
	Asked(spec LaunchSpec) map[string]string
}

// LogWarningPrefix starts every effective warning that quotes the server log.
const LogWarningPrefix = "server log: "

// Mismatch is an effective setting that differs from what the launch asked.
type Mismatch struct {
	Key   string `json:"key"`
	Asked string `json:"asked"`
	Ran   string `json:"ran"`
}

// Warning is the mismatch as an effective warning.
func (m Mismatch) Warning() string {
	return fmt.Sprintf("%s: asked %s, ran %s", m.Key, m.Asked, m.Ran)
}

// Compare lists, in key order, the asked settings whose effective value differs.
// Settings asked as "" or "auto", and settings the engine did not report, are
// not compared; values are compared as text, case-insensitively (1 and 1.0 agree).
func Compare(asked map[string]string, eff map[string]any) []Mismatch {
	var out []Mismatch
	for k, a := range asked {
		v, ok := eff[k]
		if !ok || v == nil || a == "" || strings.EqualFold(a, "auto") {
			continue
		}
		ran := ValueString(v)
		if ran == "" || sameValue(a, ran) {
			continue
		}
		out = append(out, Mismatch{Key: k, Asked: a, Ran: ran})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func sameValue(a, b string) bool {
	if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) {
		return true
	}
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	return ea == nil && eb == nil && fa == fb
}

// ValueString is an effective value as text: numbers without a needless
// fraction (8, not 8.000000), booleans as true/false, lists joined by commas.
func ValueString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = ValueString(e)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// AskedFlags maps each effective key to the value of its flag in args, for
// engines whose flags are their settings' names with dashes
// (SGLang: tp_size ← --tp-size; vLLM: max_model_len ← --max-model-len).
func AskedFlags(args []string, keys []string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		flag := "--" + strings.ReplaceAll(k, "_", "-")
		if v, ok := FlagValue(args, flag); ok && !strings.HasPrefix(v, "--") {
			out[k] = v
		} else if HasFlag(args, flag) {
			out[k] = "true" // a bare boolean flag
		}
	}
	return out
}
