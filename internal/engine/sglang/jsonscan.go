package sglang

// A one-pass JSON scanner that validates as encoding/json's checkValid does
// (RFC 8259 grammar; strings may hold any byte from 0x20 up, as there), so the
// fast path need not run json.Valid first. FuzzScanner checks it against
// json.Valid on arbitrary bytes. Each function takes the index where its
// value starts and returns the index after it, or -1 where the bytes are not
// valid JSON.

// fastMaxDepth bounds the fast path's nesting; deeper events go to the
// decoder (encoding/json's own limit is 10000).
const fastMaxDepth = 64

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// ws returns the index of the first byte at or after i that is not space.
func ws(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && isSpace(b[i]) {
		i++
	}
	return i
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// special is nonzero when one of the 8 bytes of x (little-endian) is '"',
// '\\' or below 0x20: the bytes a string's body cannot pass over.
func special(x uint64) uint64 {
	q, bs := x^(lo8*'"'), x^(lo8*'\\')
	return ((x - lo8*0x20) | (q - lo8) | (bs - lo8)) &^ x & hi8
}

// strClass sorts a string's bytes: 0 ASCII, 0x80 non-ASCII, 1 stops the pass
// ('"', '\\', control characters).
var strClass = func() (t [256]byte) {
	for c := range t {
		switch {
		case c == '"' || c == '\\' || c < 0x20:
			t[c] = 1
		case c >= 0x80:
			t[c] = 0x80
		}
	}
	return t
}()

// str reads the string whose opening quote is at b[i]; plain is whether it
// is ASCII without escapes. It passes over 8 bytes at a time while none of
// them ends the string, escapes or is a control character.
func str(b []byte, i int) (end int, plain bool) {
	var high uint64 // the bytes passed over, ORed: a non-ASCII one sets a high bit
	escaped := false
	for i++; ; {
		for i+8 <= len(b) {
			x := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
				uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
			if special(x) != 0 {
				break
			}
			high |= x
			i += 8
		}
		for i < len(b) && strClass[b[i]] != 1 {
			high |= uint64(strClass[b[i]])
			i++
		}
		if i >= len(b) || b[i] < 0x20 {
			return -1, false
		}
		if b[i] == '"' {
			return i + 1, !escaped && high&hi8 == 0
		}
		escaped = true // b[i] is '\\'
		if i = escape(b, i+1); i < 0 {
			return -1, false
		}
	}
}

// escape checks the escape whose letter is at b[i].
func escape(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 1
	case 'u':
		if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
			return -1
		}
		return i + 5
	}
	return -1
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at b[i].
func number(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i = digits(b, i+1); i < 0 {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		return digits(b, i)
	}
	return i
}

// digits reads one or more digits at b[i].
func digits(b []byte, i int) int {
	start := i
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == start {
		return -1
	}
	return i
}

// literal reads lit (true, false, null) at b[i].
func literal(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// value reads any value at b[i], inside depth containers, at most limit deep.
func value(b []byte, i, depth, limit int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		end, _ := str(b, i)
		return end
	case '{', '[':
		if depth >= limit {
			return -1
		}
		return container(b, i, depth+1, limit)
	case 't':
		return literal(b, i, "true")
	case 'f':
		return literal(b, i, "false")
	case 'n':
		return literal(b, i, "null")
	}
	return number(b, i)
}

// container reads the object or array that opens at b[i].
func container(b []byte, i, depth, limit int) int {
	obj := b[i] == '{'
	close := byte(']')
	if obj {
		close = '}'
	}
	if i = ws(b, i+1); i < len(b) && b[i] == close {
		return i + 1
	}
	for {
		if obj {
			if i >= len(b) || b[i] != '"' {
				return -1
			}
			if i, _ = str(b, i); i < 0 {
				return -1
			}
			if i = ws(b, i); i >= len(b) || b[i] != ':' {
				return -1
			}
			i = ws(b, i+1)
		}
		if i = value(b, i, depth, limit); i < 0 {
			return -1
		}
		switch i = ws(b, i); {
		case i >= len(b):
			return -1
		case b[i] == ',':
			i = ws(b, i+1)
		case b[i] == close:
			return i + 1
		default:
			return -1
		}
	}
}

// valid reports whether b is one JSON value with optional surrounding space,
// no more than limit containers deep.
func valid(b []byte, limit int) bool {
	i := value(b, ws(b, 0), 0, limit)
	return i >= 0 && ws(b, i) == len(b)
}
