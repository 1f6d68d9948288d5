// Package sse reads Server-Sent Events streams (text/event-stream) as the
// inference engines send them: "data: <payload>" lines separated by blank lines.
//
// The reader stamps each event with the time its last line arrived, before any
// JSON decoding, and reuses its buffers: the hot path does not allocate per event.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"time"
)

// MaxEventSize bounds one event's data; a longer event is a malformed stream.
const MaxEventSize = 16 << 20

// ErrTooLarge is returned for an event whose data exceeds MaxEventSize.
var ErrTooLarge = errors.New("sse: event larger than 16 MiB")

// Reader yields the data of each event in a stream.
type Reader struct {
	br    *bufio.Reader
	data  []byte
	now   func() time.Time
	long  []byte
	nline int
}

// NewReader reads events from r; now stamps arrivals (time.Now when nil).
func NewReader(r io.Reader, now func() time.Time) *Reader {
	if now == nil {
		now = time.Now
	}
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), now: now}
}

// Next returns the data of the next event (valid until the next call) and the time
// its final line arrived. It returns io.EOF at the end of the stream; an event
// cut off by the end of the stream is dropped, as the SSE specification says.
func (r *Reader) Next() ([]byte, time.Time, error) {
	r.data = r.data[:0]
	have := false
	for {
		line, err := r.readLine()
		at := r.now()
		if err != nil {
			if errors.Is(err, io.EOF) && len(line) > 0 {
				// A final line without a newline: the event is incomplete.
				return nil, at, io.EOF
			}
			return nil, at, err
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			if have {
				return r.data, at, nil
			}
			continue
		}
		if line[0] == ':' {
			continue // comment
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		if string(field) != "data" {
			continue // event, id, retry: not used by inference engines
		}
		if have {
			r.data = append(r.data, '\n')
		}
		if len(r.data)+len(value) > MaxEventSize {
			return nil, at, ErrTooLarge
		}
		r.data = append(r.data, value...)
		have = true
	}
}

// readLine returns one line including its '\n', handling lines longer than the buffer.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == nil || !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	r.long = append(r.long[:0], line...)
	for {
		line, err = r.br.ReadSlice('\n')
		if len(r.long)+len(line) > MaxEventSize {
			return nil, ErrTooLarge
		}
		r.long = append(r.long, line...)
		if err == nil || !errors.Is(err, bufio.ErrBufferFull) {
			return r.long, err
		}
	}
}
