package sglang

import (
	"bytes"
	"encoding/json"
)

var (
	keyFinish     = []byte(`"finish_reason":`)
	keyCompletion = []byte(`"completion_tokens":`)
	keyPrompt     = []byte(`"prompt_tokens":`)
	keyIndex      = []byte(`"index":`)
	keyError      = []byte(`"error":`)
	keySent       = []byte(`"sent_ns":`)
)

// fastEvent reads a streaming update without decoding it: the fields of an
// event whose finish_reason is null and that carries no error. A JSON string
// cannot hold an unescaped quote, so a key found with its quotes is a key.
// ok is false when the event needs the full decoder (final, error, odd shape);
// malformed JSON is left to the full decoder to report.
func fastEvent(data []byte) (index, completion, prompt int, sentNs int64, ok bool) {
	if !json.Valid(data) || bytes.Contains(data, keyError) {
		return 0, 0, 0, 0, false
	}
	i := bytes.Index(data, keyFinish)
	if i < 0 {
		return 0, 0, 0, 0, false
	}
	rest := skipSpace(data[i+len(keyFinish):])
	if !bytes.HasPrefix(rest, []byte("null")) {
		return 0, 0, 0, 0, false
	}
	c, okc := intAfter(data, keyCompletion)
	if !okc {
		return 0, 0, 0, 0, false
	}
	p, _ := intAfter(data, keyPrompt)
	idx, _ := intAfter(data, keyIndex)
	s, _ := intAfter(data, keySent)
	return int(idx), int(c), int(p), s, true
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// intAfter parses the non-negative integer following key.
func intAfter(data, key []byte) (int64, bool) {
	i := bytes.Index(data, key)
	if i < 0 {
		return 0, false
	}
	b := skipSpace(data[i+len(key):])
	var n int64
	digits := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			break
		}
		n = n*10 + int64(ch-'0')
		digits++
		if digits > 18 {
			return 0, false
		}
	}
	return n, digits > 0
}
