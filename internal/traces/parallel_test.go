package traces

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// runDir copies the real 2-rank traces as four ranks of two DP replicas.
func runDir(t *testing.T) string {
	dir := t.TempDir()
	src, _ := filepath.Glob("testdata/real-h200x2/*.trace.json.gz")
	for _, f := range src {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(f)
		for _, dp := range []string{"0", "1"} {
			name := strings.Replace(base, "-DECODE", "-DP-"+dp+"-DECODE", 1)
			name = strings.Replace(name, "-EXTEND", "-DP-"+dp+"-EXTEND", 1)
			os.WriteFile(filepath.Join(dir, name), b, 0o644)
		}
	}
	return dir
}

func TestParallelAnalysisIsDeterministic(t *testing.T) {
	dir := runDir(t)
	serial, err := AnalyzeN([]string{dir}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(serial.Ranks) != 4 || serial.Ranks[0].Label != "TP-0-DP-0" || serial.Ranks[3].Label != "TP-1-DP-1" {
		t.Fatalf("ranks %+v", serial.Ranks)
	}
	for range 2 {
		par, err := AnalyzeN([]string{dir}, 4)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(serial, par) {
			t.Fatalf("4 workers differ from 1:\n%+v\n%+v", par, serial)
		}
	}
}

// TestParallelErrorIsTheFirstFile: with several bad files, the error names
// the first in file order whatever the timing.
func TestParallelErrorIsTheFirstFile(t *testing.T) {
	dir := runDir(t)
	for _, n := range []string{"a-TP-5-DECODE.trace.json", "z-TP-6-DECODE.trace.json"} {
		os.WriteFile(filepath.Join(dir, n), []byte(`{"traceEvents":[{"ph":`), 0o644)
	}
	for _, workers := range []int{1, 8, 8} {
		_, err := AnalyzeN([]string{dir}, workers)
		if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, "a-TP-5-DECODE.trace.json")+": trace ends early") {
			t.Fatalf("%d workers: %v", workers, err)
		}
	}
}
