package redact

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// Writer masks registered secrets in each Write before passing it on: for
// output written a whole message at a time (servesweep's stdout and stderr).
type Writer struct{ W io.Writer }

// Write implements io.Writer; it reports len(p) written when the masked text was.
func (w Writer) Write(p []byte) (int, error) {
	m := String(string(p))
	if m == string(p) {
		return w.W.Write(p)
	}
	if _, err := io.WriteString(w.W, m); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Stream masks registered secrets in a byte stream written in arbitrary
// pieces (a server's log): it holds back the end of what it was given while
// that end could be the start of a secret, until more arrives or Close.
type Stream struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewStream returns a Stream writing to w.
func NewStream(w io.Writer) *Stream { return &Stream{w: w} }

// Write implements io.Writer.
func (s *Stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vals := registered()
	// Mask whole occurrences first, so that none straddles what is written now
	// and what is held back.
	buf := mask(append(s.buf, p...), vals)
	keep := 0
	for _, v := range vals {
		keep = max(keep, partialSuffix(buf, v))
	}
	if out := buf[:len(buf)-keep]; len(out) > 0 {
		if _, err := s.w.Write(out); err != nil {
			return 0, err
		}
	}
	s.buf = append([]byte(nil), buf[len(buf)-keep:]...)
	return len(p), nil
}

// Close writes what is held back.
func (s *Stream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.w.Write(mask(s.buf, registered()))
	s.buf = nil
	return err
}

func mask(b []byte, vals []string) []byte {
	for _, v := range vals {
		if bytes.Contains(b, []byte(v)) {
			b = bytes.ReplaceAll(b, []byte(v), []byte(Mask))
		}
	}
	return b
}

// partialSuffix is the length of the longest end of b that is a proper start
// of v (0 when none): those bytes may become v with the next write.
func partialSuffix(b []byte, v string) int {
	for n := min(len(b), len(v)-1); n > 0; n-- {
		if strings.HasPrefix(v, string(b[len(b)-n:])) {
			return n
		}
	}
	return 0
}
