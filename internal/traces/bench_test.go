package traces

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
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

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perCPU runs the loop and reports MB per CPU-second next to b's MB/s: on a
// machine shared with other work, wall time counts the waits for a core; CPU
// time (GC included) is the rate one core sustains.
func perCPU(b *testing.B, bytes int64, op func()) {
	b.SetBytes(bytes)
	var cpu time.Duration
	n := 0
	for b.Loop() {
		if n == 0 {
			cpu = cpuTime()
		}
		op()
		n++
	}
	if d := cpuTime() - cpu; d > 0 && n > 0 {
		b.ReportMetric(float64(bytes)*float64(n)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkScan compares the encoding/json decoder that scan replaced with
// scan: "raw" is the parse rate on uncompressed bytes, "gz" the end-to-end
// rate (gzip decompression included), both in uncompressed bytes per second.
func BenchmarkScan(b *testing.B) {
	for _, input := range []string{"synthetic", "real"} {
		for _, form := range []string{"raw", "gz"} {
			for _, impl := range []struct {
				name string
				scan func(io.Reader, string) (*fileScan, error)
			}{{"decoder", scanDecoder}, {"scanner", scan}} {
				b.Run(input+"/"+form+"/"+impl.name, func(b *testing.B) {
					in := benchInputs(b)[input]
					b.ReportAllocs()
					perCPU(b, int64(len(in[0])), func() {
						var r io.Reader = bytes.NewReader(in[0])
						if form == "gz" {
							zr, err := gzip.NewReader(bytes.NewReader(in[1]))
							if err != nil {
								b.Fatal(err)
							}
							r = zr
						}
						if _, err := impl.scan(r, "b"); err != nil {
							b.Fatal(err)
						}
					})
				})
			}
		}
	}
}

// BenchmarkAnalyzeRun analyses eight rank files (4 ranks × extend/decode of
// the real traces) on one worker and on GOMAXPROCS.
func BenchmarkAnalyzeRun(b *testing.B) {
	dir := b.TempDir()
	var raw int64
	src, _ := filepath.Glob("testdata/real-h200x2/*.trace.json.gz")
	for _, f := range src {
		gz, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		for _, dp := range []string{"0", "1"} {
			name := strings.Replace(strings.Replace(filepath.Base(f), "-DECODE", "-DP-"+dp+"-DECODE", 1), "-EXTEND", "-DP-"+dp+"-EXTEND", 1)
			os.WriteFile(filepath.Join(dir, name), gz, 0o644)
			raw += int64(len(gunzipFile(b, f)))
		}
	}
	for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			perCPU(b, raw, func() {
				if _, err := AnalyzeN([]string{dir}, w); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkGunzip is decompression alone (compress/gzip), in uncompressed
// bytes per second: the ceiling of the end-to-end rate. klauspost/compress's
// gzip measured within 0-20% of it here (see docs/notes-tracefast.md), not
// worth a dependency.
func BenchmarkGunzip(b *testing.B) {
	for _, input := range []string{"synthetic", "real"} {
		b.Run(input, func(b *testing.B) {
			in := benchInputs(b)[input]
			perCPU(b, int64(len(in[0])), func() {
				zr, err := gzip.NewReader(bytes.NewReader(in[1]))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, zr); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
