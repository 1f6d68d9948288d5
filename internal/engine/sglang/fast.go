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
	var seen [numKeys]bool
	if fields(data, 0, &f, &seen, topKeys, 1) != n {
		return f, false
	}
	return f, seen[keyFinish] && seen[keyCompletion] // finish_reason: null, and completion_tokens
}

// fields reads the object that opens at b[i], depth containers deep, where
// keys are the ones the decoder reads; every other value is validated and
// skipped. It returns the index after the object, or -1: not for the fast path.
func fields(b []byte, i int, f *fastFields, seen *[numKeys]bool, keys []int, depth int) int {
	if i = ws(b, i+1); i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		start := i
		end, plain := str(b, i)
		if end < 0 {
			return -1
		}
		if i = ws(b, end); i >= len(b) || b[i] != ':' {
			return -1
		}
		i = ws(b, i+1)
		k, exact := lookup(b[start+1:end-1], plain, keys)
		switch {
		case k >= 0:
			if seen[k] {
				return -1
			}
			seen[k] = true
			i = field(b, i, f, seen, k)
		case !exact: // another spelling of a key the decoder reads
			return -1
		default:
			i = value(b, i, depth, fastMaxDepth)
		}
		if i < 0 {
			return -1
		}
		switch i = ws(b, i); {
		case i >= len(b):
			return -1
		case b[i] == ',':
			i = ws(b, i+1)
		case b[i] == '}':
			return i + 1
		default:
			return -1
		}
	}
}

// field reads the value of key k at b[i]; -1 sends the event to the decoder.
func field(b []byte, i int, f *fastFields, seen *[numKeys]bool, k int) int {
	switch k {
	case keyError:
		return -1
	case keyMeta:
		if i >= len(b) || b[i] != '{' {
			return -1
		}
		return fields(b, i, f, seen, metaKeys, 2)
	case keyFinish:
		return literal(b, i, "null")
	case keySpec:
		if i < len(b) && b[i] == 'n' {
			return literal(b, i, "null")
		}
		end := number(b, i)
		if end < 0 {
			return -1
		}
		v, err := strconv.ParseFloat(string(b[i:end]), 64)
		if err != nil {
			return -1
		}
		f.spec, f.hasSpec = v, true
		return end
	}
	end := number(b, i)
	if end < 0 {
		return -1
	}
	x, ok := integer(b[i:end])
	if !ok {
		return -1
	}
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
	return end
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
		if string(key) == keyNames[k] {
			return k, true
		}
	}
	for _, k := range keys {
		name := keyNames[k]
		// Letters match without case only when their bits but 0x20 do.
		if len(key) == len(name) && key[0]|0x20 == name[0]|0x20 && bytes.EqualFold(key, []byte(name)) {
			return -1, false
		}
	}
	return -1, true
}

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
