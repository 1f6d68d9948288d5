package sglang

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// endless is a stream that never ends: event k is line(k); read counts bytes given.
type endless struct {
	line func(k int) string
	k    int
	buf  []byte
	read int
}

func (e *endless) Read(p []byte) (int, error) {
	if len(e.buf) == 0 {
		e.k++
		e.buf = []byte(e.line(e.k))
	}
	n := copy(p, e.buf)
	e.buf = e.buf[n:]
	e.read += n
	return n, nil
}

// A server whose completion_tokens keep rising past max_new_tokens: the
// reader stops at engine.OutputCap, on both the fast path and the decoder.
func TestReadStreamAbortsAnOverrun(t *testing.T) {
	for _, fast := range []bool{true, false} {
		src := &endless{line: func(k int) string {
			return fmt.Sprintf("data: {\"index\":0,\"meta_info\":{\"prompt_tokens\":4,\"completion_tokens\":%d,\"finish_reason\":null}}\n\n", k)
		}}
		s, err := readStream(src, time.Now(), 1, 16, fast)
		var re *engine.RequestError
		if !errors.As(err, &re) || re.Kind != "overrun" || !strings.Contains(re.Msg, "request 0 streamed more than 80 tokens when 16 were asked") {
			t.Fatalf("fast %v: %v", fast, err)
		}
		if len(s.Arrivals[0]) != engine.OutputCap(16) || src.k > engine.OutputCap(16)+1 || src.read > 256<<10 {
			t.Fatalf("fast %v: kept %d arrivals after %d events (%d bytes)", fast, len(s.Arrivals[0]), src.k, src.read)
		}
	}
	// One update claiming an absurd count is stopped at once.
	_, err := ReadStream(strings.NewReader("data: {\"index\":0,\"meta_info\":{\"prompt_tokens\":4,\"completion_tokens\":999999999999999,\"finish_reason\":null}}\n\ndata: [DONE]\n\n"), time.Now(), 1, 4)
	var re *engine.RequestError
	if !errors.As(err, &re) || re.Kind != "overrun" {
		t.Fatalf("absurd completion_tokens: %v", err)
	}
}
