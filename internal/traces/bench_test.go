package traces

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
)

// benchInputs are the uncompressed and gzip'd bytes of a synthetic trace
// (500 steps × 50 kernels, compact JSON) and of a real SGLang trace
// (testdata/real-h200x2, indented as the PyTorch profiler writes it).
func benchInputs(b *testing.B) map[string][2][]byte {
	path := filepath.Join(b.TempDir(), "b-TP-0-DECODE.trace.json.gz")
	writeSynthetic(b, path, 500)
	out := map[string][2][]byte{}
	for name, p := range map[string]string{
		"synthetic": path,
		"real":      "testdata/real-h200x2/1795715647.821448-TP-0-DECODE.trace.json.gz",
	} {
		gz, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			b.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			b.Fatal(err)
		}
		out[name] = [2][]byte{raw, gz}
	}
	return out
}

// BenchmarkScan is the parse rate on uncompressed bytes: the encoding/json
// decoder that scan replaced against scan.
func BenchmarkScan(b *testing.B) {
	for _, input := range []string{"synthetic", "real"} {
		for _, impl := range []struct {
			name string
			scan func(io.Reader, string) (*fileScan, error)
		}{{"decoder", scanDecoder}, {"scanner", scan}} {
			b.Run(input+"/"+impl.name, func(b *testing.B) {
				raw := benchInputs(b)[input][0]
				b.SetBytes(int64(len(raw)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := impl.scan(bytes.NewReader(raw), "b"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkGunzip is decompression alone, in bytes of output per second:
// the standard library against klauspost/compress.
func BenchmarkGunzip(b *testing.B) {
	for _, input := range []string{"synthetic", "real"} {
		for _, impl := range []struct {
			name string
			open func(io.Reader) (io.Reader, error)
		}{
			{"stdlib", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
			{"klauspost", func(r io.Reader) (io.Reader, error) { return kgzip.NewReader(r) }},
		} {
			b.Run(input+"/"+impl.name, func(b *testing.B) {
				in := benchInputs(b)[input]
				b.SetBytes(int64(len(in[0])))
				for b.Loop() {
					zr, err := impl.open(bytes.NewReader(in[1]))
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.Copy(io.Discard, zr); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
