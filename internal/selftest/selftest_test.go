package selftest

import (
	"context"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/emitter"
)

// TestPrecisionAgainstEmitter checks looser bounds than the targets (0.2 ms ITL,
// 1 ms TTFT) so a busy CI machine does not flake; `servesweep selftest` reports
// the real figures.
func TestPrecisionAgainstEmitter(t *testing.T) {
	e, err := emitter.Start(200*time.Millisecond, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p, err := MeasurePrecision(context.Background(), e.URL, 3, 32)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ITL error median %.3f ms, TTFT error median %.3f ms", p.ITLAbsErrMsMedian, p.TTFTAbsErrMsMedian)
	if p.Tokens != 3*31 || p.ITLAbsErrMsMedian > 1 || p.TTFTAbsErrMsMedian > 5 {
		t.Fatalf("%+v", p)
	}
}

func TestThousandConcurrentStreams(t *testing.T) {
	e, err := emitter.Start(5*time.Millisecond, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	l := MeasureLevel(context.Background(), e.URL, 1000, 20, 2)
	t.Logf("%s", l)
	if l.Failed != 0 || l.TokensPerS < 1000*20/5.0 {
		t.Fatalf("1000 streams: %s", l)
	}
	s := Summarize(Precision{}, []Level{l}, 2)
	if s.TokensPerS != l.TokensPerS {
		t.Fatal("summary")
	}
}

// BenchmarkClientCapacity drives the emitter (in this process) at rising
// concurrency and reports tokens/s and the ITL error.
func BenchmarkClientCapacity(b *testing.B) {
	e, err := emitter.Start(5*time.Millisecond, 10*time.Millisecond)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for _, n := range []int{1, 64, 1000} {
		b.Run(itoa(n), func(b *testing.B) {
			for b.Loop() {
				l := MeasureLevel(context.Background(), e.URL, n, 50, 2)
				b.ReportMetric(l.TokensPerS, "tok/s")
				b.ReportMetric(l.ITLAbsErrMsMedian, "itl_err_ms")
				b.ReportMetric(l.ClientCPUPct, "cpu_pct")
			}
		})
	}
}

func itoa(n int) string {
	return map[int]string{1: "streams=1", 64: "streams=64", 1000: "streams=1000"}[n]
}
