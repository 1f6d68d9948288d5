package sglang

import (
	"bytes"
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
// checks this on arbitrary bytes). It accepts only valid JSON (validated in
// the same pass) whose keys it reads sit where the decoder looks for them,
// spelled exactly (encoding/json matches keys without regard to case, so any
// other spelling of one, or an escaped or non-ASCII key, goes to the
// decoder), each once, with plain non-negative integers, a null
// finish_reason and no error key. Anything else (final events, errors,
// unexpected shapes) is left to the full decoder.
func fastEvent(data []byte) (f fastFields, ok bool) {
	n := len(data)
	if n < 2 || data[0] != '{' || data[n-1] != '}' {
		return f, false
	}
	s := scanner{b: data}
	var seen [8]bool // topKeys then metaKeys, each at most once
	if !s.fields(&f, &seen, topKeys, 0, 1) || s.i != n {
		return f, false
	}
	if !seen[len(topKeys)+0] || !seen[len(topKeys)+1] { // finish_reason: null and completion_tokens
		return f, false
	}
	return f, true
}

// fields reads the object at s.i, depth containers deep, where keys (seen
// from off on) are the ones the decoder reads; every other value is validated
// and skipped.
func (s *scanner) fields(f *fastFields, seen *[8]bool, keys []string, off, depth int) bool {
	s.i++
	if s.ws(); s.peek() == '}' {
		s.i++
		return true
	}
	for {
		if s.peek() != '"' {
			return false
		}
		key, escaped, ok := s.str()
		if !ok {
			return false
		}
		if s.ws(); s.peek() != ':' {
			return false
		}
		s.i++
		s.ws()
		k, exact := lookup(key, escaped, keys)
		switch {
		case k >= 0:
			if seen[off+k] || !s.field(f, seen, keys[k]) {
				return false
			}
			seen[off+k] = true
		case !exact: // another spelling of a key the decoder reads
			return false
		case !s.skip(depth):
			return false
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
			s.ws()
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// field reads the value of key at s.i; false sends the event to the decoder.
func (s *scanner) field(f *fastFields, seen *[8]bool, key string) bool {
	switch key {
	case "error":
		return false
	case "meta_info":
		return s.peek() == '{' && s.fields(f, seen, metaKeys, len(topKeys), 2)
	case "finish_reason":
		return s.literal("null")
	case "spec_accept_length":
		if s.peek() == 'n' {
			return s.literal("null")
		}
		start := s.i
		if !s.number() {
			return false
		}
		v, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
		f.spec, f.hasSpec = v, true
		return err == nil
	}
	start := s.i
	if !s.number() {
		return false
	}
	x, ok := integer(s.b[start:s.i])
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
	return ok
}

// lookup finds key among keys: its index when spelled exactly; else -1, with
// exact false when the decoder would still match it (another case, an escape
// or a non-ASCII character that case folding may turn into one).
func lookup(key []byte, escaped bool, keys []string) (int, bool) {
	if escaped {
		return -1, false
	}
	for i, k := range keys {
		if string(key) == k {
			return i, true
		}
	}
	for _, c := range key {
		if c >= 0x80 {
			return -1, false
		}
	}
	for _, k := range keys {
		if len(key) == len(k) && bytes.EqualFold(key, []byte(k)) {
			return -1, false
		}
	}
	return -1, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// integer parses a JSON number that is a plain non-negative integer of at
// most 18 digits (not 1.5, 1e3 or -1).
func integer(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
