package executor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine/sglang"
	"github.com/servesweep/servesweep/internal/engine/vllm"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

const fp8Line = "Fp8MoEMethod has no FLASHINFER_CUTLASS path; using triton for its fp8 experts."

type readerFunc func(context.Context) (map[string]any, error)

func (f readerFunc) Effective(ctx context.Context) (map[string]any, error) { return f(ctx) }

func appendLog(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(s)
	f.Close()
}

func TestLogScanWaitsForWholeLines(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "server.log")
	w := newEffectiveWatch(sglang.Engine{}, plan.Config{TP: 8, MoEBackend: "flashinfer_cutlass"}, logPath)
	w.scan(false) // no log yet: nothing, no error
	appendLog(t, logPath, "[2026-01-02 10:00:00 TP0] "+fp8Line+"\n[2026-01-02 10:00:00 TP1] Fp8MoEMethod has no FLASHINFER_CUTLASS path; using tri")
	w.scan(false)
	if w.fromLog["moe_runner_backend"] != "triton" || len(w.logWarn) != 1 {
		t.Fatalf("first line: %v %q", w.fromLog, w.logWarn)
	}
	appendLog(t, logPath, "ton for its fp8 experts.\n"+strings.Repeat("x", 200<<10)+"\n[2026-01-02 10:00:05 TP0] DeepGEMM missing, falling back to triton")
	w.scan(false)
	if len(w.logWarn) != 1 {
		t.Fatalf("rank 1 repeats the same line; the last line is not finished yet: %q", w.logWarn)
	}
	w.scan(true)
	want := []string{`server log: "` + fp8Line + `"`, `server log: "DeepGEMM missing, falling back to triton"`}
	if !reflect.DeepEqual(w.logWarn, want) {
		t.Fatalf("%q", w.logWarn)
	}
}

func TestLogLinesThatShowADifferenceAreWarnings(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "server.log")
	appendLog(t, logPath, strings.Join([]string{
		"INFO 01-02 10:00:01 [cuda.py:403] Using FLASH_ATTN attention backend out of potential backends: ['FLASH_ATTN'].",
		"INFO 01-02 10:00:02 [fp8.py:181] Using TRITON Fp8 MoE backend out of potential backends: ['TRITON'].",
		"INFO 01-02 10:00:03 [x.py:1] The engine chose plan B for its experts (details).",
		"INFO 01-02 10:00:04 [x.py:1] an unrelated line",
	}, "\n")+"\n")
	cfg := plan.Config{TP: 8, MoEBackend: "flashinfer_cutlass", ExpectLog: []string{"The engine chose plan B for its experts."}}
	w := newEffectiveWatch(vllm.Engine{}, cfg, logPath)
	w.scan(false)
	want := []string{`server log: "Using TRITON Fp8 MoE backend out of potential backends: ['TRITON']."`,
		`server log: "The engine chose plan B for its experts (details)."`}
	if !reflect.DeepEqual(w.logWarn, want) || w.fromLog["attention_backend"] != "FLASH_ATTN" || w.fromLog["moe_backend"] != "triton" {
		t.Fatalf("the attention line only informs; the MoE line contradicts the launch; pre-flight's line was predicted:\n%q\n%v", w.logWarn, w.fromLog)
	}
}

func TestLineEnd(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	body := "a\n" + strings.Repeat("b", 150<<10) + "\nc"
	os.WriteFile(p, []byte(body), 0o644)
	f, _ := os.Open(p)
	defer f.Close()
	n := int64(len(body))
	if got := lineEnd(f, 0, n); got != n-1 {
		t.Fatalf("after the last newline: %d, want %d", got, n-1)
	}
	if got := lineEnd(f, 2, n-2); got != 2 {
		t.Fatalf("no newline in the range: %d", got)
	}
}

func TestRecordOrdersWarnings(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "server.log")
	appendLog(t, logPath, "[x TP0] "+fp8Line+"\n")
	w := newEffectiveWatch(sglang.Engine{}, plan.Config{TP: 8, MoEBackend: "flashinfer_cutlass"}, logPath)
	calls := 0
	w.reader = readerFunc(func(context.Context) (map[string]any, error) {
		calls++
		if calls == 2 {
			return nil, errors.New("connection refused")
		}
		return map[string]any{"moe_runner_backend": "flashinfer_cutlass", "tp_size": 8.0}, nil
	})
	w.read(context.Background())
	w.read(context.Background()) // a later failure keeps what was read
	w.scan(true)
	var rec results.Server
	w.record(&rec)
	want := []string{"moe_runner_backend: asked flashinfer_cutlass, ran triton", `server log: "` + fp8Line + `"`}
	if rec.Effective["moe_runner_backend"] != "triton" || rec.Effective["tp_size"] != 8.0 || !reflect.DeepEqual(rec.EffectiveWarnings, want) {
		t.Fatalf("the log wins over the server's arguments: %v %q", rec.Effective, rec.EffectiveWarnings)
	}

	w = newEffectiveWatch(sglang.Engine{}, plan.Config{TP: 8}, filepath.Join(t.TempDir(), "none.log"))
	w.reader = readerFunc(func(context.Context) (map[string]any, error) { return nil, errors.New("GET /server_info answered 404") })
	w.read(context.Background())
	w.scan(true)
	rec = results.Server{}
	w.record(&rec)
	if rec.Effective != nil || len(rec.EffectiveWarnings) != 1 || !strings.Contains(rec.EffectiveWarnings[0], "could not read the effective configuration: GET /server_info answered 404") {
		t.Fatalf("%v %q", rec.Effective, rec.EffectiveWarnings)
	}
}

func TestRehearsalArgs(t *testing.T) {
	got := rehearsal(plan.Config{ExpectEffective: map[string]string{"moe_runner_backend": "triton", "attention_backend": "fa3"},
		ExpectLog: []string{fp8Line, "two\r\nlines\n"}})
	want := []string{"--sim-effective", "attention_backend=fa3", "--sim-effective", "moe_runner_backend=triton",
		"--sim-log-line", fp8Line, "--sim-log-line", "two", "--sim-log-line", "lines"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q", got)
	}
	if rehearsal(plan.Config{}) != nil {
		t.Fatal("nothing expected, nothing rehearsed")
	}
}
