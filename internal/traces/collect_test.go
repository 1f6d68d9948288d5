package traces

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
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

func TestParseParallelRanks(t *testing.T) {
	cases := []struct {
		name, label string
		dp, pp, ep  int
	}{
		{"p-1764.1-TP-1-DP-0-PP-1-EXTEND.trace.json.gz", "TP-1-DP-0-PP-1", 0, 1, -1},
		{"1764.1-TP-3-PP-0-EP-3-DECODE.trace.json.gz", "TP-3-PP-0", -1, 0, 3},
		{"1764.1-TP-2-DECODE.trace.json.gz", "TP-2", -1, -1, -1},
		{"dp1_pp0_tp1_dcp0_ep3_rank3.1764100000123456789.pt.trace.json.gz", "TP-1-DP-1-PP-0", 1, 0, 3},
		{"merged-1764.1.trace.json.gz", "", -1, -1, -1},
	}
	for _, c := range cases {
		f, ok := Parse(c.name)
		if !ok || f.Label() != c.label || f.DP != c.dp || f.PP != c.pp || f.EP != c.ep {
			t.Errorf("%s: got %+v label %q", c.name, f, f.Label())
		}
	}
}

// TestAnalyzeKeepsDPReplicasApart: two DP replicas' TP-0 files (each its own
// torch world, both distributedInfo rank 0) are two ranks, not one.
func TestAnalyzeKeepsDPReplicasApart(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"1.0-TP-0-DP-0-DECODE", "1.0-TP-0-DP-1-DECODE", "1.0-TP-1-DP-0-DECODE"} {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(`{"distributedInfo":{"rank":0},"traceEvents":[{"ph":"X","cat":"kernel","name":"k","ts":1,"dur":2}]}`))
		zw.Close()
		os.WriteFile(filepath.Join(dir, n+".trace.json.gz"), buf.Bytes(), 0o644)
	}
	a, err := Analyze([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, r := range a.Ranks {
		labels = append(labels, r.Label)
	}
	if got := strings.Join(labels, " "); got != "TP-0-DP-0 TP-1-DP-0 TP-0-DP-1" {
		t.Fatalf("ranks %q", got)
	}
}
