package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
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

func FuzzReader(f *testing.F) {
	f.Add([]byte("data: {\"text\":\"hi\"}\n\ndata: [DONE]\n\n"))
	f.Add([]byte("data: a\r\ndata: b\r\n\r\n: c\n"))
	f.Add([]byte("\n\n\ndata"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in), nil)
		total := 0
		for i := 0; ; i++ {
			d, _, err := r.Next()
			if err != nil {
				break
			}
			total += len(d)
			if total > len(in) {
				t.Fatalf("events carry %d bytes from a %d-byte input", total, len(in))
			}
			if i > len(in) {
				t.Fatal("more events than input bytes")
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
