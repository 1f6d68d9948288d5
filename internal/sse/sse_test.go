package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func collect(t testing.TB, in string) ([]string, error) {
	r := NewReader(strings.NewReader(in), nil)
	var out []string
	for {
		d, _, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(d))
	}
}

func TestReaderEvents(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"sglang", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []string{`{"a":1}`, "[DONE]"}},
		{"crlf", "data: x\r\n\r\ndata: y\r\n\r\n", []string{"x", "y"}},
		{"multiline", "data: a\ndata: b\n\n", []string{"a\nb"}},
		{"comments and fields", ": ping\nevent: msg\nid: 3\ndata:z\n\n", []string{"z"}},
		{"truncated last event", "data: a\n\ndata: b", []string{"a"}},
		{"unterminated event dropped", "data: a\n\ndata: b\n", []string{"a"}},
		{"leading blank lines", "\n\n\ndata: a\n\n", []string{"a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := collect(t, c.in)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestReaderLongLine(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	got, err := collect(t, "data: "+long+"\n\ndata: end\n\n")
	if err != nil || len(got) != 2 || got[0] != long || got[1] != "end" {
		t.Fatalf("long line: err=%v n=%d", err, len(got))
	}
}

func TestReaderTooLarge(t *testing.T) {
	in := "data: " + strings.Repeat("y", MaxEventSize+10) + "\n\n"
	_, err := collect(t, in)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("want ErrTooLarge, got %v", err)
	}
}

// reference parses a whole stream the simple way: the events the Reader must yield.
func reference(in []byte) [][]byte {
	var out [][]byte
	var data []byte
	have := false
	lines := bytes.Split(in, []byte{'\n'})
	for _, line := range lines[:len(lines)-1] { // the last piece has no newline: incomplete
		line = bytes.TrimSuffix(line, []byte{'\r'})
		switch {
		case len(line) == 0:
			if have {
				out = append(out, data)
			}
			data, have = nil, false
		case bytes.HasPrefix(line, []byte("data:")) || string(line) == "data":
			v := bytes.TrimPrefix(line[4:], []byte(":"))
			v = bytes.TrimPrefix(v, []byte(" "))
			if have {
				data = append(data, '\n')
			}
			data, have = append(data, v...), true
		}
	}
	return out
}

// chunked delivers its input in reads of sizes taken in turn from sizes.
type chunked struct {
	in    []byte
	sizes []byte
	n     int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.in) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), len(c.in), 1+int(c.sizes[c.n%len(c.sizes)])*97)
	c.n++
	k = copy(p, c.in[:k])
	c.in = c.in[k:]
	return k, nil
}

// FuzzReader reads arbitrary bytes, cut into reads of arbitrary sizes, and
// checks the events against the whole-input reference parser.
func FuzzReader(f *testing.F) {
	f.Add([]byte("data: {\"text\":\"hi\"}\n\ndata: [DONE]\n\n"), []byte{0})
	f.Add([]byte("data: a\r\ndata: b\r\n\r\n: c\n"), []byte{1, 0, 3})
	f.Add([]byte("\n\n\ndata"), []byte{200})
	f.Fuzz(func(t *testing.T, in, sizes []byte) {
		if len(sizes) == 0 {
			sizes = []byte{0}
		}
		r := NewReader(&chunked{in: in, sizes: sizes}, nil)
		want := reference(in)
		for i := 0; ; i++ {
			d, _, err := r.Next()
			if err == io.EOF {
				if i != len(want) {
					t.Fatalf("%d events, want %d", i, len(want))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if i >= len(want) || !bytes.Equal(d, want[i]) {
				t.Fatalf("event %d: %q, want %q", i, d, want)
			}
		}
	})
}

func BenchmarkReader(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 1000; i++ {
		buf.WriteString(`data: {"text":"tok","meta_info":{"completion_tokens":12,"finish_reason":null}}` + "\n\n")
	}
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(in), nil)
		for {
			if _, _, err := r.Next(); err != nil {
				break
			}
		}
	}
}

// TestStampPerRead checks that every event is stamped with the time the read
// that brought its last byte returned, and that the clock is read once per
// read, not per event.
func TestStampPerRead(t *testing.T) {
	reads := [][]byte{
		[]byte("data: a\n\ndata: b\n\ndata: c"), // a and b whole, c cut
		[]byte("\n\n"),                          // c ends here
		[]byte("data: d\n\n"),
	}
	clock := 0
	now := func() time.Time { clock++; return time.Unix(int64(clock), 0) }
	r := NewReader(&script{reads: reads}, now)
	want := []struct {
		data string
		at   int64
	}{{"a", 1}, {"b", 1}, {"c", 2}, {"d", 3}}
	for _, w := range want {
		d, at, err := r.Next()
		if err != nil || string(d) != w.data || at.Unix() != w.at {
			t.Fatalf("got %q at %d (%v), want %q at %d", d, at.Unix(), err, w.data, w.at)
		}
	}
	if _, _, err := r.Next(); err != io.EOF || clock != 3 {
		t.Fatalf("end: %v after %d clock readings, want EOF after 3", err, clock)
	}
}

// TestErrorAfterEvents: the events a read brought come before its error.
func TestErrorAfterEvents(t *testing.T) {
	broken := errors.New("connection reset")
	r := NewReader(&script{reads: [][]byte{[]byte("data: a\n\ndata: b")}, err: broken}, nil)
	if d, _, err := r.Next(); err != nil || string(d) != "a" {
		t.Fatalf("%q %v", d, err)
	}
	if _, _, err := r.Next(); err != broken {
		t.Fatalf("want the read's error, got %v", err)
	}
	r = NewReader(&script{}, nil) // a reader that never brings anything
	if _, _, err := r.Next(); err != io.ErrNoProgress {
		t.Fatalf("want io.ErrNoProgress, got %v", err)
	}
}

// TestBufferGrowsForFastStreams: reads that fill the buffer double it up to
// BufferSize; a slow stream keeps the small one.
func TestBufferGrowsForFastStreams(t *testing.T) {
	ev := []byte("data: " + strings.Repeat("x", 100) + "\n\n")
	r := NewReader(bytes.NewReader(bytes.Repeat(ev, 2000)), nil)
	for {
		if _, _, err := r.Next(); err != nil {
			break
		}
	}
	if len(r.buf) != BufferSize {
		t.Fatalf("fast stream: buffer %d, want %d", len(r.buf), BufferSize)
	}
	slow := make([][]byte, 100)
	for i := range slow {
		slow[i] = ev
	}
	r = NewReader(&script{reads: slow, eof: true}, nil)
	for {
		if _, _, err := r.Next(); err != nil {
			break
		}
	}
	if len(r.buf) != firstBufferSize {
		t.Fatalf("slow stream: buffer %d, want %d", len(r.buf), firstBufferSize)
	}
}

// script returns its reads one by one, then err (or io.EOF with eof; else
// 0, nil forever).
type script struct {
	reads [][]byte
	err   error
	eof   bool
}

func (s *script) Read(p []byte) (int, error) {
	if len(s.reads) == 0 {
		if s.eof || s.err == nil && s.reads != nil {
			return 0, io.EOF
		}
		return 0, s.err
	}
	n := copy(p, s.reads[0])
	if s.reads[0] = s.reads[0][n:]; len(s.reads[0]) == 0 {
		s.reads = s.reads[1:]
	}
	return n, nil
}
