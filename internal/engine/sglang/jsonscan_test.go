package sglang

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"
)

var scannerSeeds = []string{
	`{"a":[1,-0.5e+3,true,false,null,"x\u00e9\n\"",{}],"b":{}}`,
	`  [ ]  `, `01`, `-`, `1.`, `1e`, `.5`, `"\x"`, `"\u12g4"`, "\"a\x01\"", `{"a" 1}`, `{"a":1,}`, `[1,]`,
	`nul`, `truex`, `{"a":1}}`, "\"\xff\xfe\"", `1 2`, `{,}`, `[`, `"`, `""`,
}

// FuzzScanner: the one-pass scanner accepts exactly what json.Valid accepts
// (with encoding/json's nesting limit).
func FuzzScanner(f *testing.F) {
	for _, s := range append(scannerSeeds, fastPathSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := valid(b, 10000), json.Valid(b); got != want {
			t.Fatalf("scanner says %v, json.Valid %v: %q", got, want, b)
		}
	})
}

func TestScannerDepth(t *testing.T) {
	for _, n := range []int{64, 65, 10000, 10001} {
		b := []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
		if got, want := valid(b, 10000), json.Valid(b); got != want {
			t.Fatalf("%d deep: scanner %v, json.Valid %v", n, got, want)
		}
		if got := valid(b, fastMaxDepth); got != (n <= fastMaxDepth) {
			t.Fatalf("%d deep: the fast path's own limit is 64, got %v", n, got)
		}
	}
}

// TestSpecialBytes: every byte value at every position of a word of plain
// bytes, and a special byte beside non-ASCII ones.
func TestSpecialBytes(t *testing.T) {
	for _, fill := range []byte{'a', 0xff, 0x80, ' '} {
		for pos := 0; pos < 8; pos++ {
			for c := 0; c < 256; c++ {
				var x uint64
				for j := 0; j < 8; j++ {
					b := uint64(fill)
					if j == pos {
						b = uint64(c)
					}
					x |= b << (8 * j)
				}
				want := c == '"' || c == '\\' || c < 0x20
				if got := special(x) != 0; got != want {
					t.Fatalf("byte %#x at %d among %#x: special %v, want %v", c, pos, fill, got, want)
				}
			}
		}
	}
}

func TestStrPlain(t *testing.T) {
	for in, plain := range map[string]bool{
		`"completion_tokens"`: true, `"abcdefghijklmnopq"`: true, `"caf` + "\xc3\xa9" + `"`: false,
		`"abcdefgh` + "\xc3\xa9" + `ijklmnop"`: false, `"prompt_\u0074okens"`: false, `""`: true,
	} {
		end, p := str([]byte(in), 0)
		if p != plain || end != len(in) {
			t.Fatalf("%s: end %d plain %v", in, end, p)
		}
	}
}

// BenchmarkFastEvent reads one update as the emitter writes it and one as
// SGLang writes it (Python's separators, 1 KiB of cumulative text).
func BenchmarkFastEvent(b *testing.B) {
	for name, ev := range map[string]string{
		"emitter": `{"text":"x","index":0,"meta_info":{"id":"e","finish_reason":null,"prompt_tokens":4,"completion_tokens":1234,"sent_ns":123456789012}}`,
		"sglang": `{"text": "` + strings.Repeat("The quick brown fox jumps over the lazy dog. ", 23) + `", "output_ids": [1234], "meta_info": {"id": "5f3c2a", ` +
			`"finish_reason": null, "prompt_tokens": 4096, "weight_version": "default", "completion_tokens": 230, "cached_tokens": 0, "e2e_latency": 1.2345}, "index": 0}`,
	} {
		b.Run(name, func(b *testing.B) {
			data := []byte(ev)
			if _, ok := fastEvent(data); !ok {
				b.Fatal("not on the fast path")
			}
			b.SetBytes(int64(len(data)))
			cpu0 := cpuTime()
			for b.Loop() {
				fastEvent(data)
			}
			reportCPU(b, cpu0)
		})
	}
}

// cpuTime is the process's CPU time: on a shared machine a benchmark's wall
// time per operation says more about the neighbours than about the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since cpu0 as cpu-ns/op.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}
