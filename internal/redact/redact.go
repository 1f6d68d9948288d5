// Package redact keeps secrets written in a sweep file (env: {HF_TOKEN: ...},
// extra_args: [--api-key, ...]) and in servesweep's own environment out of
// everything servesweep writes or prints. The real values live only in the
// server's process (its environment and argv); every file, report, log and
// line of output carries Mask instead.
//
// Two layers: structural masking (the value of an environment variable or a
// flag whose name looks secret, wherever it appears as a map entry or after
// the flag in an argument list) and value masking (every registered secret,
// wherever it appears, also inside a server's log).
package redact

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Mask replaces a secret.
const Mask = "[redacted]"

// secretWords are name segments that mark a secret wherever they appear.
var secretWords = []string{"SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "CREDENTIALS", "AUTH"}

// IsSecretName reports whether an environment variable or flag name looks like
// it holds a secret: HF_TOKEN, GITHUB_TOKEN, --api-key, OPENAI_API_KEY,
// AWS_SECRET_ACCESS_KEY, --ssl-keyfile-password, HFTOKEN: the last segment
// (between '-', '_' and '.') ends in TOKEN or KEY, or a segment is SECRET,
// PASSWORD, CREDENTIALS... So --max-total-tokens, --tokenizer-path and
// token_times_ms do not.
func IsSecretName(name string) bool {
	n := strings.ToUpper(strings.TrimLeft(name, "-"))
	segs := strings.FieldsFunc(n, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	if len(segs) == 0 {
		return false
	}
	if last := segs[len(segs)-1]; strings.HasSuffix(last, "TOKEN") || strings.HasSuffix(last, "KEY") {
		return true
	}
	for _, seg := range segs {
		if slices.Contains(secretWords, seg) {
			return true
		}
	}
	return false
}

// tokenLike matches values that are credentials whatever their name: Hugging
// Face, GitHub, OpenAI-style and Slack tokens.
var tokenLike = regexp.MustCompile(`(hf_|gh[pousr]_|github_pat_|sk-|xox[abp]-)[A-Za-z0-9_\-]{16,}`)

// LooksLikeToken reports whether s holds a well-known token format.
func LooksLikeToken(s string) bool { return tokenLike.MatchString(s) }

// Env returns a copy of env with the values of secret-named keys masked.
func Env(env map[string]string) map[string]string {
	if env == nil {
		return nil
	}
	out := make(map[string]string, len(env))
	for k, v := range env {
		if IsSecretName(k) || LooksLikeToken(v) {
			v = Mask
		}
		out[k] = v
	}
	return out
}

// isSecretFlag reports whether a is a flag (without =value) naming a secret.
func isSecretFlag(a string) bool {
	return strings.HasPrefix(a, "-") && !strings.Contains(a, "=") && IsSecretName(a)
}

// Args returns a copy of argv with secret flag values masked: the argument
// after --api-key, the value of --api-key=..., and token-looking values.
func Args(argv []string) []string {
	if argv == nil {
		return nil
	}
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = maskArg(a, i > 0 && isSecretFlag(argv[i-1]) && !strings.HasPrefix(a, "--"))
	}
	return out
}

func maskArg(a string, afterSecretFlag bool) string {
	if afterSecretFlag || LooksLikeToken(a) {
		return Mask
	}
	if name, _, ok := strings.Cut(a, "="); ok && strings.HasPrefix(name, "-") && IsSecretName(name) {
		return name + "=" + Mask
	}
	return a
}

// Secrets returns the values Env and Args mask, for value masking elsewhere.
func Secrets(env map[string]string, argv []string) []string {
	var out []string
	for k, v := range env {
		if IsSecretName(k) {
			out = append(out, v)
		}
		out = append(out, tokenLike.FindAllString(v, -1)...)
	}
	for i, a := range argv {
		if i > 0 && isSecretFlag(argv[i-1]) && !strings.HasPrefix(a, "--") {
			out = append(out, a)
		} else if name, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(name, "-") && IsSecretName(name) {
			out = append(out, v)
		}
		out = append(out, tokenLike.FindAllString(a, -1)...)
	}
	return out
}

var (
	mu     sync.RWMutex
	values []string // longest first
)

// minLen is the shortest value masked wherever it appears: shorter ones
// ("1", "true") would mask half of every file; structural masking covers them.
const minLen = 4

// Register adds secret values to mask wherever they appear.
func Register(vals ...string) {
	mu.Lock()
	defer mu.Unlock()
	for _, v := range vals {
		l := strings.ToLower(v)
		if len(v) < minLen || l == "true" || l == "false" || l == "none" || l == "null" || slices.Contains(values, v) {
			continue
		}
		values = append(values, v)
	}
	slices.SortFunc(values, func(a, b string) int { return len(b) - len(a) })
}

// RegisterEnviron registers the values of secret-named variables of an
// environment (KEY=VALUE) that are long enough to be real credentials.
func RegisterEnviron(environ []string) {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && len(v) >= 8 && IsSecretName(k) {
			Register(v)
		}
	}
}

func registered() []string {
	mu.RLock()
	defer mu.RUnlock()
	return values
}

// String masks every registered secret and token-looking value in s.
func String(s string) string {
	for _, v := range registered() {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	if LooksLikeToken(s) {
		s = tokenLike.ReplaceAllString(s, Mask)
	}
	return s
}

// Active reports whether any secret value is registered.
func Active() bool { return len(registered()) > 0 }
