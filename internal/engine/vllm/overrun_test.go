package vllm

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// chunks is an endless completions stream of one-token chunks.
type chunks struct{ n, read int }

func (c *chunks) Read(p []byte) (int, error) {
	const ev = "data: {\"choices\":[{\"index\":0,\"text\":\"x\",\"finish_reason\":null}]}\n\n"
	if len(p) < len(ev) {
		return 0, errors.New("short buffer")
	}
	c.n++
	c.read += len(ev)
	return copy(p, ev), nil
}

func TestReadStreamAbortsAnOverrun(t *testing.T) {
	src := &chunks{}
	s, err := ReadStream(src, time.Now(), 1, 8)
	var re *engine.RequestError
	if !errors.As(err, &re) || re.Kind != "overrun" || !strings.Contains(re.Msg, "more than 72 tokens when 8 were asked") {
		t.Fatalf("%v", err)
	}
	if len(s.Arrivals[0]) > engine.OutputCap(8) || src.read > 256<<10 {
		t.Fatalf("kept %d arrivals, read %d bytes", len(s.Arrivals[0]), src.read)
	}
}
