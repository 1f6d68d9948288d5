package traces

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sameAsDecoder checks scan against the encoding/json reader it replaced:
// the same fileScan, or an error from both.
func sameAsDecoder(t *testing.T, data []byte) *fileScan {
	t.Helper()
	want, werr := scanDecoder(bytes.NewReader(data), "f")
	got, gerr := scan(bytes.NewReader(data), "f")
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%.200q: decoder error %v, scanner error %v", data, werr, gerr)
	}
	if werr == nil && !reflect.DeepEqual(want, got) {
		t.Fatalf("%.200q:\ndecoder %+v\nscanner %+v", data, want, got)
	}
	return got
}

func gunzipFile(t testing.TB, path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestScanMatchesDecoderOnTraces(t *testing.T) {
	files, _ := filepath.Glob("testdata/real-h200x2/*.trace.json.gz")
	syn := filepath.Join(t.TempDir(), "s-TP-0-DECODE.trace.json.gz")
	writeSynthetic(t, syn, 50)
	for _, f := range append(files, syn) {
		sc := sameAsDecoder(t, gunzipFile(t, f))
		if len(sc.intervals) == 0 || len(sc.names) == 0 {
			t.Fatalf("%s: no GPU events: %+v", f, sc)
		}
	}
}

// TestScanEdgeCasesMatchDecoder covers what the decoder accepts that a
// hand-written scanner easily gets wrong: case-folded and escaped keys,
// quoted numbers, nulls, duplicates, escapes and invalid UTF-8 in names, the
// decoder's loose end of document, and what it rejects.
func TestScanEdgeCasesMatchDecoder(t *testing.T) {
	for _, c := range edgeCases {
		sameAsDecoder(t, []byte(c))
	}
}

func ev(s string) string { return `{"traceEvents":[` + s + `]}` }

// edgeCases are also in the seed corpus, testdata/fuzz/FuzzScan/edge-*.
var edgeCases = []string{
	ev(`{"PH":"X","Cat":"kernel","NAME":"a","TS":1,"DUR":2}`),
	ev(`{"ph":"X","cat":"kernel","name":"a","tſ":1,"dur":2,"nameK":3}`), // ſ folds to s
	ev(`{"p\u0068":"X","cat":"ker\u006eel","name":"a\u0062","ts":"1.5","dur":"2e0"}`),
	ev(`{"ph":"X","cat":"kernel","name":"ab","ts":1,"dur":2},{"ph":"X","cat":"kernel","name":"a\u0062","ts":5,"dur":2}`),
	ev(`{"ph":"X","cat":"kernel","name":"x` + "\xff\xfe" + `\u00e9\ud800","ts":1,"dur":2}`), // invalid UTF-8 and a lone surrogate
	ev(`{"ph":"X","cat":"kernel","name":"é` + "\xc3" + `","ts":1,"dur":2},{"ph":"X","cat":"kernel","name":"é\ufffd","ts":1,"dur":2}`),
	ev(`{"ph":"X","cat":"kernel","name":"a","ts":1,"dur":2,"ts":null,"name":null,"cat":null}`),
	ev(`{"ph":"X","cat":"kernel","name":"a","ts":1e400,"dur":-0.0005}`),
	ev(`null,{},{"ph":"X"},{"ph":"X","cat":"gpu_memcpy"}`),
	ev(`{"ph":"X","cat":"gpu_user_annotation","name":"step[DECODE bs=1]","ts":1,"dur":9}`),
	ev(`{"ph":"X","cat":"gpu_user_annotation","name":"st\u0065p[EXTEND]","ts":1,"dur":9}`),
	ev(`{"ph":"X","cat":"kernel","name":"a","ts":1,"dur":2,"args":{"a":[1,{"b":[true,false,null,"\"]"]}],"c":-0.5E+3}}`),
	`{"distributedInfo":{"rank":3,"Rank":2},"traceEvents":[]}`,
	`{"distributedInfo":{"rank":3},"distributedInfo":{"rank":null}}`,
	`{"distributedInfo":null,"x":[],"traceEvents":[]}`,
	`{"trace\u0045vents":[{"ph":"X","cat":"kernel","name":"a","ts":1,"dur":2}]}`,
	`{"traceEvents":[]} trailing garbage`, `{"traceEvents":[]]`, `{"a":1`, `{}`, `{`, ` {"a":1} `,
	// rejected
	`{"distributedInfo":{"rank":1.0}}`, `{"distributedInfo":{"rank":"1"}}`, `{"distributedInfo":[]}`,
	`{"distributedInfo":{"rank":99999999999999999999}}`,
	ev(`{"ph":1}`), ev(`{"ts":"abc"}`), ev(`{"ts":""}`), ev(`{"ts":true}`), ev(`{"name":["a"]}`), ev(`1`), ev(`"x"`),
	ev(`{"ph":"X",}`), ev(`{},`), ev(`{} {}`), ev(`{"a":01}`), ev(`{"a":1.}`), ev(`{"a":-}`), ev(`{"a":tru}`),
	ev(`{"a":"\x01"}`), ev(`{"a":"\q"}`), ev(`{"a":"\u12G4"}`), `{"traceEvents":[}`, `{"traceEvents":{}}`,
	`{"traceEvents":[{"ph":"X"}`, `{"a":1,}`, `{"a" 1}`, `{"a":1 "b":2}`, `{1:2}`, `[]`, ``, `-1`, `{"a":[1,]}`,
}

// TestScanNestingLimitMatchesDecoder: encoding/json allows 10000 levels
// counted from the value it decodes, and no more.
func TestScanNestingLimitMatchesDecoder(t *testing.T) {
	for _, depth := range []int{9999, 10000, 10001} {
		deep := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		sameAsDecoder(t, []byte(`{"x":`+deep+`,"traceEvents":[]}`))
		sameAsDecoder(t, []byte(`{"traceEvents":[{"args":`+deep[1:len(deep)-1]+`}]}`))
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte(`{"traceEvents":[{"ph":"X","cat":"kernel","name":"k","ts":1,"dur":2}]}`))
	f.Add([]byte(`{"distributedInfo":{"rank":1},"traceEvents":[]}`))
	f.Add([]byte(`{"traceEvents":[{"ph":"X","cat":"gpu_user_annotation","name":"step[DECODE]","ts":"1.5","dur":2,"args":{"a":[1,true,null]}}]}`))
	f.Add([]byte(`{"traceEvents":[{"Ph":"X","cat":"kernel","n\u0061me":"\u00e9\"","ts":1e3,"dur":-2.5E-1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if sc := sameAsDecoder(t, data); sc != nil {
			stageAnalysis("decode", sc.intervals, sc.names, sc.steps)
		}
	})
}
