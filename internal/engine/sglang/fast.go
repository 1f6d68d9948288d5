package sglang

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// fastFields are what a streaming update tells: the fields the full decoder
// (event) reads from an event that is not final and carries no error.
type fastFields struct {
	index, completion, prompt int
	sentNs                    int64
	spec                      float64
	hasSpec                   bool
}

// Keys the fast path reads: "index" at the top level, the rest inside the
// top-level "meta_info" object, exactly where the decoder reads them.
var (
	topKeys  = []string{"index", "meta_info", "error"}
	metaKeys = []string{"finish_reason", "completion_tokens", "prompt_tokens", "sent_ns", "spec_accept_length"}
)

// fastEvent reads a streaming update in one pass without allocating, and
// agrees with the full decoder on every input it accepts (FuzzFastPath
// checks this on arbitrary bytes). It accepts only valid JSON whose keys it
// reads sit where the decoder looks for them, spelled exactly (encoding/json
// matches keys without regard to case, so any other spelling of one, or an
// escaped or non-ASCII key, goes to the decoder), each once, with plain
// non-negative integers, a null finish_reason and no error key. Anything else
// (final events, errors, unexpected shapes) is left to the full decoder.
func fastEvent(data []byte) (f fastFields, ok bool) {
	n := len(data)
	if n < 2 || data[0] != '{' || data[n-1] != '}' || !json.Valid(data) {
		return f, false
	}
	depth := 0
	inMeta := false    // inside the top-level meta_info object
	var lastTop string // the last key at depth 1
	var seen [8]bool   // topKeys then metaKeys, each at most once
	for i := 0; i < n; i++ {
		switch data[i] {
		case '{', '[':
			depth++
			if depth == 2 && data[i] == '{' && lastTop == "meta_info" {
				inMeta = true
			}
		case '}', ']':
			if depth == 2 {
				inMeta = false
			}
			depth--
		case '"':
			end := i + 1 + stringLen(data[i+1:])
			key := data[i+1 : end]
			i = end
			v := i + 1
			for v < n && isSpace(data[v]) {
				v++
			}
			if v >= n || data[v] != ':' || !(depth == 1 || depth == 2 && inMeta) {
				continue // a string value, or a key the decoder does not read
			}
			v++
			for v < n && isSpace(data[v]) {
				v++
			}
			keys, off := topKeys, 0
			if depth == 2 {
				keys, off = metaKeys, len(topKeys)
			}
			k, exact := lookup(key, keys)
			if k < 0 {
				if !exact { // another spelling of a key the decoder reads
					return f, false
				}
				if depth == 1 {
					lastTop = ""
				}
				continue
			}
			if seen[off+k] {
				return f, false
			}
			seen[off+k] = true
			if !f.read(keys[k], data[v:]) {
				return f, false
			}
			if depth == 1 {
				lastTop = keys[k]
			}
		}
	}
	if !seen[len(topKeys)+0] || !seen[len(topKeys)+1] { // finish_reason: null and completion_tokens
		return f, false
	}
	return f, true
}

// read takes the value of key from the start of v; false sends the event to the decoder.
func (f *fastFields) read(key string, v []byte) bool {
	var x int64
	var ok bool
	switch key {
	case "error":
		return false
	case "meta_info":
		return len(v) > 0 && v[0] == '{'
	case "finish_reason":
		return bytes.HasPrefix(v, []byte("null"))
	case "spec_accept_length":
		if bytes.HasPrefix(v, []byte("null")) {
			return true
		}
		end := 0
		for end < len(v) && !isSpace(v[end]) && v[end] != ',' && v[end] != '}' {
			end++
		}
		s, err := strconv.ParseFloat(string(v[:end]), 64)
		if err != nil || len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
			return false
		}
		f.spec, f.hasSpec = s, true
		return true
	}
	if x, ok = integer(v); !ok {
		return false
	}
	switch key {
	case "index":
		f.index = int(x)
	case "completion_tokens":
		f.completion = int(x)
	case "prompt_tokens":
		f.prompt = int(x)
	case "sent_ns":
		f.sentNs = x
	}
	return true
}

// lookup finds key among keys: its index when spelled exactly; else -1, with
// exact false when the decoder would still match it (another case, an escape
// or a non-ASCII character that case folding may turn into one).
func lookup(key []byte, keys []string) (int, bool) {
	for i, k := range keys {
		if string(key) == k {
			return i, true
		}
	}
	for _, c := range key {
		if c == '\\' || c >= 0x80 {
			return -1, false
		}
	}
	for _, k := range keys {
		if bytes.EqualFold(key, []byte(k)) {
			return -1, false
		}
	}
	return -1, true
}

// stringLen is the length of the string body at the start of b (up to its closing quote).
func stringLen(b []byte) int {
	for j := 0; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(b)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// integer parses the plain non-negative JSON integer at the start of b (at
// most 18 digits, followed by a delimiter: not 1.5, 1e3 or -1).
func integer(b []byte) (int64, bool) {
	var n int64
	d := 0
	for d < len(b) && b[d] >= '0' && b[d] <= '9' {
		n = n*10 + int64(b[d]-'0')
		d++
		if d > 18 {
			return 0, false
		}
	}
	if d == 0 || d < len(b) && !isSpace(b[d]) && b[d] != ',' && b[d] != '}' && b[d] != ']' {
		return 0, false
	}
	return n, true
}
