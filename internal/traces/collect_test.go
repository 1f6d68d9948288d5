package traces

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseNames(t *testing.T) {
	cases := []struct {
		name  string
		rank  int
		stage string
	}{
		{"1764100000.123-TP-0-EXTEND.trace.json.gz", 0, "extend"},
		{"bs1-in4096-out512-1764100000.123-TP-7-DECODE.trace.json.gz", 7, "decode"},
		{"1764100000.1-TP-3-DP-1-EP-3-DECODE.trace.json.gz", 3, "decode"},
		{"1764100000.1-TP-1-prefill.trace.json.gz", 1, "extend"},
		{"1764100000.1-TP-2.trace.json.gz", 2, ""},
		{"dp0_pp0_tp1_dcp0_ep1_rank1.1764100000123456789.pt.trace.json.gz", 1, ""},
	}
	for _, c := range cases {
		f, ok := Parse(c.name)
		if !ok || f.Rank != c.rank || f.Stage != c.stage {
			t.Fatalf("%s: got %+v ok=%v, want rank %d stage %q", c.name, f, ok, c.rank, c.stage)
		}
	}
	if _, ok := Parse("server.log"); ok {
		t.Fatal("server.log is not a trace")
	}
}

func TestWaitForCompleteFiles(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(bytes.Repeat([]byte(`{"traceEvents":[]}`), 1000))
	zw.Close()
	data := buf.Bytes()
	ext := filepath.Join(dir, "p-1.0-TP-0-EXTEND.trace.json.gz")
	dec := filepath.Join(dir, "p-1.0-TP-0-DECODE.trace.json.gz")
	os.WriteFile(ext, data, 0o644)
	os.WriteFile(dec, data[:len(data)/2], 0o644) // still being written
	go func() {
		time.Sleep(150 * time.Millisecond)
		os.WriteFile(dec, data, 0o644)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	files := Wait(ctx, dir, "p-", 1, []string{"extend", "decode"})
	if len(files) != 2 {
		t.Fatalf("want both files, got %+v", files)
	}
	if time.Since(start) < 100*time.Millisecond {
		t.Fatal("returned before the decode file was complete")
	}
	// Nothing there: returns what it has when the context ends.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if got := Wait(ctx2, dir, "nope-", 1, []string{"extend"}); len(got) != 0 {
		t.Fatalf("got %v", got)
	}
}
