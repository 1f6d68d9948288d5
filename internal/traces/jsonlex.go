package traces

import (
	"errors"
	"fmt"
	"io"
)

// MaxTokenBytes caps one JSON string or number in a trace (8 MiB). Profiler
// traces hold short names and numbers; a longer token means a damaged or
// hostile file, and reading it whole would take memory in proportion to it
// (a 1.5 MB trace.gz can inflate to a 1.5 GB string). The reader stops there
// with an error naming the file and the byte offset.
var MaxTokenBytes = 8 << 20

// maxDepth is encoding/json's nesting limit (scanner.go, maxNestingDepth),
// counted from the value being decoded as the decoder counts it.
const maxDepth = 10000

const readChunk = 256 << 10

// errTooLong marks a token over MaxTokenBytes.
var errTooLong = errors.New("token too long")

// lexer is a streaming JSON tokenizer over a growable window of the input:
// memory is the window (readChunk, or one token up to MaxTokenBytes), never
// the document. It accepts exactly what encoding/json's Decoder accepts
// (invalid UTF-8 included, which unquoting turns into U+FFFD).
type lexer struct {
	r        io.Reader
	buf      []byte
	pos, end int
	base     int64 // stream offset of buf[0]
	rerr     error // sticky read error; io.EOF at the end
	stack    []bool
}

func newLexer(r io.Reader) *lexer {
	return &lexer{r: r, buf: make([]byte, readChunk)}
}

// offset is the stream offset of the next byte.
func (l *lexer) offset() int64 { return l.base + int64(l.pos) }

// fill reads more input, keeping buf[keep:end] (moved to the front), and
// reports whether any byte came in. Indices into buf shift down by keep.
func (l *lexer) fill(keep int) bool {
	if l.rerr != nil {
		return false
	}
	if keep > 0 {
		n := copy(l.buf, l.buf[keep:l.end])
		l.base += int64(keep)
		l.pos -= keep
		l.end = n
	}
	if l.end == len(l.buf) {
		// One token fills the window: grow, up to the cap (checked by callers).
		nb := make([]byte, min(2*len(l.buf), MaxTokenBytes+readChunk))
		if len(nb) <= len(l.buf) {
			nb = make([]byte, len(l.buf)+readChunk)
		}
		copy(nb, l.buf[:l.end])
		l.buf = nb
	}
	for {
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		if err != nil {
			l.rerr = err
		}
		if n > 0 || err != nil {
			return n > 0
		}
	}
}

// endErr is the error for input that ends (or fails to read) mid-value.
func (l *lexer) endErr() error {
	if l.rerr != nil && l.rerr != io.EOF {
		return l.rerr
	}
	return io.ErrUnexpectedEOF
}

func (l *lexer) syntax(what string) error {
	return fmt.Errorf("invalid JSON (%s)", what)
}

// peek skips whitespace and returns the next byte without consuming it; false
// at the end of the input or on a read error.
func (l *lexer) peek() (byte, bool) {
	for {
		for l.pos < l.end {
			switch c := l.buf[l.pos]; c {
			case ' ', '\n', '\t', '\r':
				l.pos++
			default:
				return c, true
			}
		}
		if !l.fill(l.pos) {
			return 0, false
		}
	}
}

// expect consumes the next non-space byte, which must be c.
func (l *lexer) expect(c byte, what string) error {
	got, ok := l.peek()
	if !ok {
		return l.endErr()
	}
	if got != c {
		return l.syntax(fmt.Sprintf("%q where %s belongs", got, what))
	}
	l.pos++
	return nil
}

// strStop marks the bytes a string scan must look at: the closing quote, a
// backslash, control characters (invalid) and non-ASCII (needs unquoting).
var strStop = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80
	}
	return
}()

// str reads the JSON string at pos, which must start with '"'. It returns it
// with its quotes, valid until the next read; plain means no escape and no
// non-ASCII byte, so the bytes between the quotes are the value.
func (l *lexer) str() (tok []byte, plain bool, err error) {
	start := l.pos
	i := start + 1
	plain = true
	for {
		buf := l.buf[:l.end]
	scan:
		for i < len(buf) {
			c := buf[i]
			if !strStop[c] {
				i++
				continue
			}
			switch {
			case c == '"':
				if i+1-start > MaxTokenBytes {
					l.pos = start
					return nil, false, errTooLong
				}
				l.pos = i + 1
				return buf[start : i+1], plain, nil
			case c < 0x20:
				l.pos = i
				return nil, false, l.syntax("control character in string")
			case c >= 0x80:
				plain = false
				i++
			default: // backslash
				plain = false
				if i+1 >= len(buf) {
					break scan
				}
				switch buf[i+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					i += 2
				case 'u':
					if i+5 >= len(buf) {
						break scan
					}
					for _, h := range buf[i+2 : i+6] {
						if !isHex(h) {
							l.pos = i
							return nil, false, l.syntax("bad \\u escape in string")
						}
					}
					i += 6
				default:
					l.pos = i
					return nil, false, l.syntax("bad escape in string")
				}
			}
		}
		if i-start > MaxTokenBytes {
			l.pos = start
			return nil, false, errTooLong
		}
		shift := start
		if !l.fill(start) {
			l.pos = start
			return nil, false, l.endErr()
		}
		i -= shift
		start = 0
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isNumByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// num reads the JSON number at pos, valid until the next read.
func (l *lexer) num() ([]byte, error) {
	start := l.pos
	i := start
	for {
		for i < l.end && isNumByte(l.buf[i]) {
			i++
		}
		if i < l.end || l.rerr != nil {
			break
		}
		if i-start > MaxTokenBytes {
			return nil, errTooLong
		}
		shift := start
		l.fill(start)
		i -= shift
		start = 0
	}
	if i-start > MaxTokenBytes {
		return nil, errTooLong
	}
	if l.rerr != nil && l.rerr != io.EOF && i == l.end {
		return nil, l.rerr
	}
	tok := l.buf[start:i]
	if !validNumber(tok) {
		return nil, l.syntax(fmt.Sprintf("bad number %.20q", tok))
	}
	l.pos = i
	return tok, nil
}

// validNumber is the JSON number grammar (RFC 8259 section 6).
func validNumber(s []byte) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// lit reads true, false or null at pos.
func (l *lexer) lit() ([]byte, error) {
	var want string
	switch l.buf[l.pos] {
	case 't':
		want = "true"
	case 'f':
		want = "false"
	default:
		want = "null"
	}
	for l.end-l.pos < len(want) {
		if !l.fill(l.pos) {
			break
		}
	}
	n := min(len(want), l.end-l.pos)
	if string(l.buf[l.pos:l.pos+n]) != want[:n] {
		return nil, l.syntax("bad literal")
	}
	if n < len(want) {
		return nil, l.endErr()
	}
	tok := l.buf[l.pos : l.pos+n]
	l.pos += n
	return tok, nil
}
