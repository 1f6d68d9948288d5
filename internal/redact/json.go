package redact

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// snakeSecretKeys are lower_snake_case keys engines use for secrets in the
// JSON they report (SGLang's /server_info carries its ServerArgs: api_key,
// admin_api_key; vLLM's args carry hf_token). servesweep's own snake_case
// fields (model_key, prompt_tokens) are not secrets, so only these count.
var snakeSecretKeys = []string{"api_key", "admin_api_key", "hf_token", "token", "password", "secret"}

// structuralKey reports whether a JSON object key names a secret whose string
// value is masked: an environment variable (HF_TOKEN), a flag (--api-key) or
// an engine's echo of one (api-key, api_key).
func structuralKey(k string) bool {
	if slices.Contains(snakeSecretKeys, k) {
		return true
	}
	flagLike := strings.HasPrefix(k, "-") || strings.Contains(k, "-")
	envLike := k == strings.ToUpper(k) && strings.ToLower(k) != k
	return (flagLike || envLike) && IsSecretName(k)
}

type frame struct {
	obj       bool   // an object (else an array)
	expectKey bool   // in an object: the next string is a key
	key       string // in an object: the current key
	prevFlag  bool   // in an array: the previous element was a secret flag
}

// JSON masks secrets in the strings of a JSON document or of JSON lines and
// leaves every other byte as it is (order, spacing, numbers). It masks the
// string value of a secret-named key, the element after a secret flag in a
// list (["--api-key", "..."]), the value of --flag=..., token-looking strings
// and registered secrets. It returns b itself when nothing needed masking.
func JSON(b []byte) []byte {
	var out []byte
	last := 0
	var stack []frame
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return &stack[len(stack)-1]
	}
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '{', '[':
			if f := top(); f != nil && !f.obj {
				f.prevFlag = false
			}
			stack = append(stack, frame{obj: c == '{', expectKey: c == '{'})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if f := top(); f != nil && f.obj {
				f.expectKey = true
			}
		case '"':
			end := stringEnd(b, i)
			if end < 0 {
				i = len(b)
				break
			}
			s := decode(b[i : end+1])
			f := top()
			var m string
			if f != nil && f.obj && f.expectKey {
				f.key, f.expectKey = s, false
				m = String(s)
			} else {
				m = maskValue(s, f)
			}
			if f != nil && !f.obj {
				f.prevFlag = isSecretFlag(s)
			}
			if m != s {
				enc, _ := json.Marshal(m)
				out = append(append(out, b[last:i]...), enc...)
				last = end + 1
			}
			i = end
		case ' ', '\t', '\n', '\r', ':':
		default: // a number, true, false or null
			if f := top(); f != nil && !f.obj {
				f.prevFlag = false
			}
		}
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// maskValue masks a string value in its context.
func maskValue(s string, f *frame) string {
	switch {
	case f != nil && f.obj && structuralKey(f.key):
		if s != "" {
			return Mask
		}
	case f != nil && !f.obj:
		s = maskArg(s, f.prevFlag && !strings.HasPrefix(s, "--"))
	default:
		s = maskArg(s, false)
	}
	return String(s)
}

// stringEnd returns the index of the quote closing the string opened at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}

func decode(lit []byte) string {
	if bytes.IndexByte(lit, '\\') < 0 {
		return string(lit[1 : len(lit)-1])
	}
	var s string
	if json.Unmarshal(lit, &s) != nil {
		return string(lit[1 : len(lit)-1])
	}
	return s
}
