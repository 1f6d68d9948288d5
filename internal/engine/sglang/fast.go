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

// The keys the fast path reads: "index" at the top level, the rest inside the
// top-level "meta_info" object, exactly where the decoder reads them.
const (
	keyIndex = iota
	keyMeta
	keyError
	keyFinish
	keyCompletion
	keyPrompt
	keySent
	keySpec
	numKeys
)

var (
	keyNames = [numKeys]string{"index", "meta_info", "error", "finish_reason", "completion_tokens", "prompt_tokens", "sent_ns", "spec_accept_length"}
	topKeys  = []int{keyIndex, keyMeta, keyError}
	metaKeys = []int{keyFinish, keyCompletion, keyPrompt, keySent, keySpec}
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
	var seen [numKeys]bool
	if !s.fields(&f, &seen, topKeys, 1) || s.i != n {
		return f, false
	}
	return f, seen[keyFinish] && seen[keyCompletion] // finish_reason: null, and completion_tokens
}

// fields reads the object at s.i, depth containers deep, where keys are the
// ones the decoder reads; every other value is validated and skipped.
func (s *scanner) fields(f *fastFields, seen *[numKeys]bool, keys []int, depth int) bool {
	s.i++
	if s.ws(); s.peek() == '}' {
		s.i++
		return true
	}
	for {
		if s.peek() != '"' {
			return false
		}
		key, plain, ok := s.str()
		if !ok {
			return false
		}
		if s.ws(); s.peek() != ':' {
			return false
		}
		s.i++
		s.ws()
		k, exact := lookup(key, plain, keys)
		switch {
		case k >= 0:
			if seen[k] || !s.field(f, seen, k) {
				return false
			}
			seen[k] = true
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

// field reads the value of key k at s.i; false sends the event to the decoder.
func (s *scanner) field(f *fastFields, seen *[numKeys]bool, k int) bool {
	switch k {
	case keyError:
		return false
	case keyMeta:
		return s.peek() == '{' && s.fields(f, seen, metaKeys, 2)
	case keyFinish:
		return s.literal("null")
	case keySpec:
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
	switch k {
	case keyIndex:
		f.index = int(x)
	case keyCompletion:
		f.completion = int(x)
	case keyPrompt:
		f.prompt = int(x)
	case keySent:
		f.sentNs = x
	}
	return ok
}

// lookup finds key among keys: the key when spelled exactly; else -1, with
// exact false when the decoder would still match it: another case, or a key
// that is not plain (an escape or a non-ASCII character, which case folding
// may turn into one of the keys, of another length).
func lookup(key []byte, plain bool, keys []int) (int, bool) {
	if !plain {
		return -1, false
	}
	for _, k := range keys {
		name := keyNames[k]
		if len(key) != len(name) {
			continue
		}
		if string(key) == name {
			return k, true
		}
		if bytes.EqualFold(key, []byte(name)) {
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
