package sglang

import "bytes"

// fastEvent reads a streaming update in one pass without decoding or
// allocating: the fields of an event whose finish_reason is null and that has
// no error. It checks the structure it passes over (strings closed, braces and
// brackets balanced, the event one object) and leaves anything else — final
// events, errors, unexpected shapes, malformed JSON — to the full decoder.
func fastEvent(data []byte) (index, completion, prompt int, sentNs int64, ok bool) {
	n := len(data)
	if n < 2 || data[0] != '{' || data[n-1] != '}' {
		return 0, 0, 0, 0, false
	}
	depth := 0
	var haveFinish, haveCompletion bool
	for i := 0; i < n; i++ {
		switch c := data[i]; c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 || (depth == 0 && i != n-1) {
				return 0, 0, 0, 0, false
			}
		case '"':
			// A string: find its end, honouring escapes.
			start := i + 1
			j := start
			for {
				k := bytes.IndexByte(data[j:], '"')
				if k < 0 {
					return 0, 0, 0, 0, false
				}
				j += k
				bs := 0
				for b := j - 1; b >= start && data[b] == '\\'; b-- {
					bs++
				}
				if bs%2 == 0 {
					break
				}
				j++
			}
			str := data[start:j]
			i = j
			// A key is a string followed by ':'.
			v := i + 1
			for v < n && (data[v] == ' ' || data[v] == '\t') {
				v++
			}
			if v >= n || data[v] != ':' {
				continue
			}
			v++
			for v < n && (data[v] == ' ' || data[v] == '\t') {
				v++
			}
			switch string(str) {
			case "error":
				return 0, 0, 0, 0, false
			case "finish_reason":
				if !bytes.HasPrefix(data[v:], []byte("null")) {
					return 0, 0, 0, 0, false
				}
				haveFinish = true
			case "completion_tokens":
				x, ok := digits(data[v:])
				if !ok {
					return 0, 0, 0, 0, false
				}
				completion, haveCompletion = int(x), true
			case "prompt_tokens":
				x, _ := digits(data[v:])
				prompt = int(x)
			case "index":
				x, _ := digits(data[v:])
				index = int(x)
			case "sent_ns":
				sentNs, _ = digits(data[v:])
			}
		}
	}
	if depth != 0 || !haveFinish || !haveCompletion {
		return 0, 0, 0, 0, false
	}
	return index, completion, prompt, sentNs, true
}

// digits parses the non-negative integer at the start of b.
func digits(b []byte) (int64, bool) {
	var n int64
	d := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			break
		}
		n = n*10 + int64(ch-'0')
		d++
		if d > 18 {
			return 0, false
		}
	}
	return n, d > 0
}
