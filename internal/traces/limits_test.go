package traces

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// WriteInflating writes a gzip file that inflates to prefix, then mib MiB of
// fill, then suffix: gzip members, the 1 MiB one compressed once and repeated
// (about 1 KB each), so a 1.5 GB string takes 1.5 MB on disk.
func writeInflating(t testing.TB, path, prefix string, fill byte, mib int, suffix string) {
	member := func(b []byte) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	var out bytes.Buffer
	out.Write(member([]byte(prefix)))
	chunk := member(bytes.Repeat([]byte{fill}, 1<<20))
	for range mib {
		out.Write(chunk)
	}
	out.Write(member([]byte(suffix)))
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHugeTokenStopsWithLittleMemory: a small trace.gz holding one huge
// string or number (the reported case: 1.5 MB inflating to a 1.5 GB string,
// which made the decoder use > 5.8 GB) ends with an error naming the file and
// the token's offset, having allocated a few times MaxTokenBytes at most.
func TestHugeTokenStopsWithLittleMemory(t *testing.T) {
	cases := []struct {
		name, prefix string
		fill         byte
		mib          int
		suffix       string
	}{
		{"kernel name", `{"traceEvents":[{"ph":"X","cat":"kernel","name":"`, 'a', 1500, `","ts":1,"dur":1}]}`},
		{"skipped string", `{"schemaVersion":1,"traceName":"`, 'b', 64, `","traceEvents":[]}`},
		{"number in args", `{"traceEvents":[{"ph":"X","args":{"n":`, '7', 64, `}}]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bomb-TP-0-DECODE.trace.json.gz")
			writeInflating(t, path, c.prefix, c.fill, c.mib, c.suffix)
			st, _ := os.Stat(path)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Analyze([]string{path})
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%.1f MB file inflating to %d MiB: %d MB allocated; %v", float64(st.Size())/1e6, c.mib, alloc>>20, err)
			at := len(c.prefix)
			if c.fill != '7' {
				at-- // the string's opening quote
			}
			want := fmt.Sprintf("%s: a JSON string or number longer than 8 MiB at byte %d (uncompressed)", path, at)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error %v, want %q…", err, want)
			}
			if limit := uint64(4 * MaxTokenBytes); alloc > limit {
				t.Fatalf("allocated %d MB reading a capped token; want < %d MB", alloc>>20, limit>>20)
			}
		})
	}
}

// TestTokenCapBoundary: a token of exactly MaxTokenBytes (a string counted
// with its quotes) reads; one byte more does not.
func TestTokenCapBoundary(t *testing.T) {
	defer func(m int) { MaxTokenBytes = m }(MaxTokenBytes)
	MaxTokenBytes = 1000
	for _, n := range []int{1000, 1001} {
		name := strings.Repeat("n", n-2)
		doc := `{"traceEvents":[{"ph":"X","cat":"kernel","name":"` + name + `","ts":` + strings.Repeat("1", n) + `,"dur":1}]}`
		sc, err := scan(strings.NewReader(doc), "t")
		if n == 1000 && (err != nil || sc.names[0] != name) {
			t.Fatalf("%d-byte tokens: %v", n, err)
		}
		if n == 1001 && (err == nil || !strings.Contains(err.Error(), "longer than 1000 bytes at byte 48 (uncompressed)")) {
			t.Fatalf("%d-byte tokens: %v", n, err)
		}
	}
}

// TestReadErrorsAreReported: a truncated gzip stream is an error naming the
// file, also where the decoder it replaced stopped quietly at a key boundary.
func TestReadErrorsAreReported(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"traceEvents":[{"ph":"X","cat":"kernel","name":"k","ts":1,"dur":2}]`))
	zw.Close()
	path := filepath.Join(t.TempDir(), "cut-TP-0-DECODE.trace.json.gz")
	os.WriteFile(path, buf.Bytes()[:buf.Len()-4], 0o644) // CRC and size trailer cut
	if _, err := Analyze([]string{path}); err == nil || !strings.HasPrefix(err.Error(), path+": ") {
		t.Fatalf("truncated gzip: %v", err)
	}
}
