package ollama

import (
	"errors"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
)

// repeat is an endless reader of s; read counts the bytes it gave.
type repeat struct {
	s    string
	off  int
	read int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.s[r.off:])
		n += c
		r.off = (r.off + c) % len(r.s)
	}
	r.read += n
	return n, nil
}

func TestReadStreamAbortsAnOverrun(t *testing.T) {
	src := &repeat{s: `{"response":"a","done":false}` + "\n"}
	s := newStream(1)
	err := ReadStream(src, s, 0, 8)
	var re *engine.RequestError
	if !errors.As(err, &re) || re.Kind != "overrun" || !strings.Contains(re.Msg, "more than 72 tokens when 8 were asked") {
		t.Fatalf("%v", err)
	}
	if len(s.Arrivals[0]) > engine.OutputCap(8) || src.read > 256<<10 {
		t.Fatalf("kept %d arrivals, read %d bytes", len(s.Arrivals[0]), src.read)
	}
}

func TestReadStreamCapsALine(t *testing.T) {
	src := &repeat{s: "x"} // one line that never ends
	err := ReadStream(src, newStream(1), 0, 8)
	var re *engine.RequestError
	if !errors.As(err, &re) || re.Kind != "malformed" || !strings.Contains(re.Msg, "longer than 1 MiB") {
		t.Fatalf("%v", err)
	}
	if src.read > maxLine+128<<10 {
		t.Fatalf("read %d bytes of one line", src.read)
	}
}
