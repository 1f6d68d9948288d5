// Package sse reads Server-Sent Events streams (text/event-stream) as the
// inference engines send them: "data: <payload>" lines separated by blank lines.
//
// The reader stamps each event with the time the read that brought its last
// byte returned, before any JSON decoding: one clock reading per read from the
// connection, not per event, and every event of a read carries the time its
// bytes arrived. It reads into its own buffer and reuses it: the hot path does
// not allocate per event.
package sse

import (
	"bytes"
	"errors"
	"io"
	"time"
)

// MaxEventSize bounds one event's data; a longer event is a malformed stream.
const MaxEventSize = 16 << 20

// The read buffer starts small (a slow stream brings one event per read),
// grows to BufferSize once a read fills it (a fast stream brings many), and
// doubles beyond only for a line longer than it.
const (
	firstBufferSize = 4 << 10
	BufferSize      = 64 << 10
)

// ErrTooLarge is returned for an event whose data exceeds MaxEventSize.
var ErrTooLarge = errors.New("sse: event larger than 16 MiB")

// Reader yields the data of each event in a stream.
type Reader struct {
	r          io.Reader
	buf        []byte
	start, end int       // unread bytes: buf[start:end]
	at         time.Time // when the last read returned
	err        error     // the error of the last read, once its bytes are used
	filled     bool      // the last read filled the buffer
	now        func() time.Time
	data       []byte
}

// NewReader reads events from r; now stamps arrivals (time.Now when nil).
func NewReader(r io.Reader, now func() time.Time) *Reader {
	if now == nil {
		now = time.Now
	}
	return &Reader{r: r, now: now}
}

// Next returns the data of the next event (valid until the next call) and the
// time the read that brought its final line returned. It returns io.EOF at the
// end of the stream; an event cut off by the end of the stream is dropped, as
// the SSE specification says.
func (r *Reader) Next() ([]byte, time.Time, error) {
	if data, ok := r.single(); ok {
		return data, r.at, nil
	}
	r.data = r.data[:0]
	have := false
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, r.at, err
		}
		line = line[:len(line)-1] // the '\n'
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			if have {
				return r.data, r.at, nil
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
			return nil, r.at, ErrTooLarge
		}
		r.data = append(r.data, value...)
		have = true
	}
}

// single takes the commonest event, one "data: " line and a blank line both
// buffered, in place: no copy. Anything else goes the general way.
func (r *Reader) single() ([]byte, bool) {
	b := r.buf[r.start:r.end]
	if len(b) < 8 || string(b[:6]) != "data: " {
		return nil, false
	}
	i := bytes.IndexByte(b, '\n')
	if i < 0 || i+1 >= len(b) || b[i+1] != '\n' || b[i-1] == '\r' || i-6 > MaxEventSize {
		return nil, false
	}
	r.start += i + 2
	return b[6:i], true
}

// readLine returns the next line including its '\n' (valid until the next
// call), reading from the connection only when no whole line is buffered: a
// line found after a read ends in the bytes that read brought, so r.at is
// when it arrived. A last line without a newline is an incomplete event: io.EOF.
func (r *Reader) readLine() ([]byte, error) {
	for {
		if i := bytes.IndexByte(r.buf[r.start:r.end], '\n'); i >= 0 {
			line := r.buf[r.start : r.start+i+1]
			r.start += i + 1
			return line, nil
		}
		if r.err != nil {
			return nil, r.err
		}
		if r.end-r.start > MaxEventSize+2 {
			return nil, ErrTooLarge
		}
		r.fill()
	}
}

// fill makes room after the unread bytes (moving them to the front, growing
// the buffer for a long line) and reads once.
func (r *Reader) fill() {
	if r.buf == nil {
		r.buf = make([]byte, firstBufferSize)
	}
	if r.start > 0 {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	switch {
	case r.filled && len(r.buf) < BufferSize:
		r.buf = append(r.buf, make([]byte, BufferSize-len(r.buf))...)
	case r.end == len(r.buf):
		r.buf = append(r.buf, make([]byte, len(r.buf))...)
	}
	for tries := 0; ; tries++ {
		n, err := r.r.Read(r.buf[r.end:])
		if n > 0 {
			r.at = r.now()
		}
		r.filled = n == len(r.buf)-r.end
		r.end += n
		if err != nil {
			r.err = err
		}
		if n > 0 || err != nil {
			return
		}
		if tries >= 100 {
			r.err = io.ErrNoProgress
			return
		}
	}
}
