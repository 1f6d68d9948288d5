package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestTraceAnalyzeHugeStringBoundedRSS is the reported case: a 1.5 MB
// trace.gz holding one 1.5 GB string (which took > 5.8 GB) now ends with one
// line naming the file and the offset, in a process that stays small.
func TestTraceAnalyzeHugeStringBoundedRSS(t *testing.T) {
	member := func(b []byte) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	prefix := `{"traceEvents":[{"ph":"X","cat":"kernel","name":"`
	var gz bytes.Buffer
	gz.Write(member([]byte(prefix)))
	chunk := member(bytes.Repeat([]byte("a"), 1<<20))
	for range 1500 { // gzip members of 1 MiB each: 1.5 GB inflated
		gz.Write(chunk)
	}
	gz.Write(member([]byte(`","ts":1,"dur":1}]}`)))
	path := filepath.Join(t.TempDir(), "bomb-TP-0-DECODE.trace.json.gz")
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin(), "trace", "analyze", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		t.Fatal("trace analyze read a 1.5 GB string")
	}
	msg := strings.TrimSpace(stderr.String())
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	t.Logf("%.1f MB file, max RSS %d MiB: %s", float64(gz.Len())/1e6, rss>>10, msg)
	if !strings.Contains(msg, path+": a JSON string or number longer than 8 MiB at byte 48 (uncompressed)") || strings.Count(msg, "\n") > 0 {
		t.Fatalf("stderr %q", msg)
	}
	if rss > 150<<10 {
		t.Fatalf("max RSS %d MiB", rss>>10)
	}
}

// TestTraceAnalyzeJobsSameOutput: the output does not depend on --jobs.
func TestTraceAnalyzeJobsSameOutput(t *testing.T) {
	dir := filepath.Join("..", "..", "internal", "traces", "testdata", "real-h200x2")
	var outs []string
	for _, j := range []string{"1", "4"} {
		b, err := exec.Command(bin(), "trace", "analyze", "--jobs", j, dir).Output()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	if outs[0] != outs[1] || !strings.Contains(outs[0], "rank 1 (TP-1)") {
		t.Fatalf("--jobs 1:\n%s\n--jobs 4:\n%s", outs[0], outs[1])
	}
	if b, err := exec.Command(bin(), "trace", "analyze", "--jobs", "-1", dir).CombinedOutput(); err == nil || !strings.Contains(string(b), "--jobs must be") {
		t.Fatalf("--jobs -1: %v %s", err, b)
	}
}
