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
