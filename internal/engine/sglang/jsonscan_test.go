package sglang

import (
	"encoding/json"
	"strings"
	"testing"
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
		if got := valid(b, 0); got != (n <= 64) {
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
		s := scanner{b: []byte(in)}
		body, p, ok := s.str()
		if !ok || p != plain || string(body) != in[1:len(in)-1] || s.i != len(in) {
			t.Fatalf("%s: body %q plain %v ok %v", in, body, p, ok)
		}
	}
}
