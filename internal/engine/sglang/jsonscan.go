package sglang

// scanner validates JSON in one pass as encoding/json's checkValid does
// (RFC 8259 grammar; strings may hold any byte from 0x20 up, as there), so the
// fast path need not run json.Valid first. FuzzScanner checks it against
// json.Valid on arbitrary bytes.
type scanner struct {
	b        []byte
	i        int
	maxDepth int // containers deeper than this are refused (0: 64; encoding/json's limit is 10000)
}

func (s *scanner) limit() int {
	if s.maxDepth == 0 {
		return 64
	}
	return s.maxDepth
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) ws() {
	for s.i < len(s.b) && s.b[s.i] <= ' ' && isSpace(s.b[s.i]) {
		s.i++
	}
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

// str reads the string at s.i (its opening quote) and returns its raw body
// and whether it is plain: ASCII without escapes. It passes over 8 bytes at a
// time while none of them ends the string, escapes or is a control character.
func (s *scanner) str() (body []byte, plain, ok bool) {
	b := s.b
	start := s.i + 1
	var high uint64 // the bytes passed over, ORed: any non-ASCII one sets a high bit
	escaped := false
	for i := start; ; {
		for i+8 <= len(b) {
			x := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
				uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
			if special(x) != 0 {
				break
			}
			high |= x
			i += 8
		}
		if i >= len(b) {
			return nil, false, false
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return b[start:i], !escaped && high&hi8 == 0, true
		case c == '\\':
			escaped = true
			if i = escape(b, i+1); i < 0 {
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		default:
			high |= uint64(c)
			i++
		}
	}
}

// escape checks the escape whose letter is at b[i] and returns the index after it (-1: invalid).
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

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads the number at s.i: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	if s.peek() == '-' {
		s.i++
	}
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		for s.i++; isDigit(s.peek()); s.i++ {
		}
	default:
		return false
	}
	if s.peek() == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		return s.digits()
	}
	return true
}

// digits reads one or more digits.
func (s *scanner) digits() bool {
	start := s.i
	for isDigit(s.peek()) {
		s.i++
	}
	return s.i > start
}

// literal reads lit (true, false, null).
func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// skip reads any value at s.i, depth containers deep.
func (s *scanner) skip(depth int) bool {
	switch c := s.peek(); {
	case c == '"':
		_, _, ok := s.str()
		return ok
	case c == '{' || c == '[':
		if depth >= s.limit() {
			return false
		}
		return s.container(depth + 1)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.number()
}

// container reads the object or array at s.i.
func (s *scanner) container(depth int) bool {
	obj := s.b[s.i] == '{'
	close := byte(']')
	if obj {
		close = '}'
	}
	s.i++
	s.ws()
	if s.peek() == close {
		s.i++
		return true
	}
	for {
		if obj {
			if s.peek() != '"' {
				return false
			}
			if _, _, ok := s.str(); !ok {
				return false
			}
			if s.ws(); s.peek() != ':' {
				return false
			}
			s.i++
			s.ws()
		}
		if !s.skip(depth) {
			return false
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
			s.ws()
		case close:
			s.i++
			return true
		default:
			return false
		}
	}
}

// valid reports whether b is one JSON value with optional surrounding space,
// no more than maxDepth containers deep.
func valid(b []byte, maxDepth int) bool {
	s := scanner{b: b, maxDepth: maxDepth}
	s.ws()
	if !s.skip(0) {
		return false
	}
	s.ws()
	return s.i == len(b)
}
