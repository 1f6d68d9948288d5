package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

type rec struct {
	ConfigID string `json:"config_id"`
	N        int    `json:"n"`
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "results.jsonl")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAppenderMovesATornLastLineAside(t *testing.T) {
	p := writeFile(t, `{"config_id":"a","n":1}`+"\n"+`{"config_id":"b","n`)
	a, err := OpenAppender(p)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if !strings.Contains(a.Repaired, "torn record (19 bytes") || !strings.Contains(a.Repaired, p+".torn") {
		t.Errorf("Repaired: %q", a.Repaired)
	}
	if err := a.Append(rec{"c", 3}); err != nil {
		t.Fatal(err)
	}
	if got, want := read(t, p), `{"config_id":"a","n":1}`+"\n"+`{"config_id":"c","n":3}`+"\n"; got != want {
		t.Errorf("file:\n%s\nwant:\n%s", got, want)
	}
	if got := read(t, p+".torn"); got != `{"config_id":"b","n`+"\n" {
		t.Errorf("fragment kept as %q", got)
	}
}

func TestAppenderTerminatesACompleteLastLine(t *testing.T) {
	p := writeFile(t, `{"config_id":"a","n":1}`)
	a, err := OpenAppender(p)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if !strings.Contains(a.Repaired, "terminated the line") {
		t.Errorf("Repaired: %q", a.Repaired)
	}
	a.Append(rec{"b", 2})
	rs, err := ReadLines[rec](p)
	if err != nil || len(rs) != 2 || rs[0].ConfigID != "a" || rs[1].ConfigID != "b" {
		t.Errorf("records %+v, %v", rs, err)
	}
}

func TestAppenderLeavesACleanFileAlone(t *testing.T) {
	p := writeFile(t, `{"config_id":"a","n":1}`+"\n")
	a, err := OpenAppender(p)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if a.Repaired != "" || read(t, p) != `{"config_id":"a","n":1}`+"\n" {
		t.Errorf("clean file changed: %q %q", a.Repaired, read(t, p))
	}
}

// A write the kernel cuts short (here RLIMIT_FSIZE, EFBIG after a partial
// write: the same path as ENOSPC on a full disk) leaves no fragment behind.
func TestFailedAppendLeavesNoFragment(t *testing.T) {
	p := filepath.Join(t.TempDir(), "results.jsonl")
	a, err := OpenAppender(p)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Append(rec{"a", 1}); err != nil {
		t.Fatal(err)
	}
	before := read(t, p)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	lim := syscall.Rlimit{Cur: uint64(len(before) + 10), Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	err = a.Append(rec{strings.Repeat("x", 100), 2})
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
	if !errors.Is(err, syscall.EFBIG) || !strings.Contains(err.Error(), "cannot write "+p) {
		t.Fatalf("want EFBIG naming the file, got %v", err)
	}
	if got := read(t, p); got != before {
		t.Fatalf("a failed append left %q", got[len(before):])
	}
	if err := a.Append(rec{"b", 3}); err != nil {
		t.Fatal(err)
	}
	if rs, err := ReadLines[rec](p); err != nil || len(rs) != 2 {
		t.Fatalf("after the failure: %+v %v", rs, err)
	}
}

func TestReadPastTornAndGluedLines(t *testing.T) {
	content := `{"config_id":"a","n":1}` + "\n" +
		`{"config_id":"b","n` + `{"config_id":"c","n":3}` + "\n" + // a resume glued c onto b's fragment
		`garbage` + "\n" +
		`{"config_id":"d","n":4}` + "\n" +
		`{"config_id":"e"`
	var warns []string
	rs, err := DecodeLinesWarn[rec](strings.NewReader(content), "results.jsonl", func(w string) { warns = append(warns, w) })
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ConfigID)
	}
	if strings.Join(ids, ",") != "a,c,d" {
		t.Errorf("records %v", ids)
	}
	want := []string{"results.jsonl:2: torn record (19 bytes) with a complete record glued on", "results.jsonl:3: not a valid record (7 bytes), skipped",
		"results.jsonl:5: incomplete last line (16 bytes"}
	if len(warns) != len(want) {
		t.Fatalf("warnings %q", warns)
	}
	for i, w := range want {
		if !strings.HasPrefix(warns[i], w) {
			t.Errorf("warning %d: %q, want %q...", i, warns[i], w)
		}
	}
	if _, err := DecodeLines[rec](strings.NewReader(content), "results.jsonl"); err == nil || !strings.Contains(err.Error(), "results.jsonl:2: not a valid record") {
		t.Errorf("strict decoding: %v", err)
	}
}

// FuzzDecodeLinesWarn: reading with warnings never fails on content, keeps
// every valid terminated line, and warns once per line it drops.
func FuzzDecodeLinesWarn(f *testing.F) {
	f.Add([]byte(`{"config_id":"a","n":1}` + "\n" + `{"config_id":"b"`))
	f.Add([]byte(`{"config_id":"b","n{"config_id":"c","n":3}` + "\n\n"))
	f.Add([]byte("{{{{\n}\n{\"n\":\"x\"}\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, in []byte) {
		var warns []string
		rs, err := DecodeLinesWarn[rec](bytes.NewReader(in), "f", func(w string) { warns = append(warns, w) })
		if err != nil {
			t.Fatalf("tolerant decoding failed: %v", err)
		}
		valid := 0
		lines := bytes.Split(in, []byte("\n"))
		for _, l := range lines {
			l = bytes.TrimSpace(l)
			var v rec
			if len(l) > 0 && json.Unmarshal(l, &v) == nil {
				valid++
			}
		}
		if len(rs) < valid {
			t.Fatalf("%d records, %d valid lines", len(rs), valid)
		}
		strict, serr := DecodeLines[rec](bytes.NewReader(in), "f")
		if serr == nil && len(strict) > len(rs) {
			t.Fatalf("strict found more records (%d) than tolerant (%d)", len(strict), len(rs))
		}
	})
}

// FuzzOpenAppender: whatever a crash left, opening makes the file end on a
// line boundary and keeps every complete line before the last newline.
func FuzzOpenAppender(f *testing.F) {
	f.Add([]byte(`{"config_id":"a"}` + "\n" + `{"con`))
	f.Add([]byte(`{"config_id":"a"}`))
	f.Add([]byte("\n\n  "))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, in []byte) {
		p := filepath.Join(t.TempDir(), "f.jsonl")
		if err := os.WriteFile(p, in, 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := OpenAppender(p)
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		got, _ := os.ReadFile(p)
		if len(got) > 0 && got[len(got)-1] != '\n' {
			t.Fatalf("file ends mid-line: %q", got)
		}
		keep := in[:bytes.LastIndexByte(in, '\n')+1]
		if !bytes.HasPrefix(got, keep) {
			t.Fatalf("complete lines changed: %q → %q", in, got)
		}
	})
}
