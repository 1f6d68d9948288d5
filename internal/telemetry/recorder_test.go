package telemetry_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/gpu"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// fakeSampler answers like NVML for two GPUs: constant power, and an energy
// counter that grows at that power, or fails when broken.
type fakeSampler struct {
	mu      sync.Mutex
	start   time.Time
	powerW  float64
	counter bool
	broken  error
	closed  bool
}

func (f *fakeSampler) Sample(ctx context.Context, idx []int) ([]gpu.Reading, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.broken != nil {
		return nil, f.broken
	}
	var out []gpu.Reading
	for _, i := range idx {
		p, u, mem := f.powerW, 87.0, 40000.0
		r := gpu.Reading{Index: i, PowerW: &p, UtilPct: &u, MemUsedMiB: &mem}
		if f.counter {
			e := 1e6 + f.powerW*time.Since(f.start).Seconds()
			r.EnergyJ = &e
		}
		out = append(out, r)
	}
	return out, nil
}

func (f *fakeSampler) Close() error { f.closed = true; return nil }

type sink struct {
	mu sync.Mutex
	ss []telemetry.Sample
}

func (s *sink) emit(x telemetry.Sample) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ss = append(s.ss, x)
	return nil
}

func (s *sink) all() []telemetry.Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]telemetry.Sample{}, s.ss...)
}

func TestRecorderGPUEnergyWithFakeSampler(t *testing.T) {
	for _, counter := range []bool{true, false} {
		f := &fakeSampler{start: time.Now(), powerW: 300, counter: counter}
		var out sink
		ctx := context.Background()
		r := telemetry.Start(ctx, "c1", telemetry.Options{Settings: telemetry.Settings{Period: 20 * time.Millisecond, Emit: out.emit},
			Sampler: f, GPUs: []int{2, 3}, NoServer: "engine serves no Prometheus metrics"})
		r.Begin(ctx, telemetry.Segment{Case: telemetry.CaseLabel(1, 128, 16)})
		time.Sleep(150 * time.Millisecond)
		r.End(ctx)
		r.Close()
		if !f.closed {
			t.Fatal("sampler not closed")
		}
		ss := out.all()
		if ps := telemetry.Problems(ss); len(ps) != 1 || ps[0].Source != telemetry.SourceServer || ps[0].Error == "" {
			t.Fatalf("the missing endpoint is said once: %+v", ps)
		}
		sums := telemetry.Summarize(ss)
		if len(sums) != 1 || sums[0].GPU == nil {
			t.Fatalf("%+v", sums)
		}
		g := sums[0].GPU
		want := 2 * 300 * sums[0].DurationS // two GPUs at 300 W
		if g.GPUs != 2 || g.EnergyJ < 0.9*want || g.EnergyJ > 1.1*want {
			t.Fatalf("counter=%v: energy %.2f J over %.3fs, want about %.2f (%+v)", counter, g.EnergyJ, sums[0].DurationS, want, g)
		}
		wantSrc := map[bool]string{true: "counter", false: "power"}[counter]
		if g.EnergySource != wantSrc || g.PowerW.Mean != 600 || g.UtilPct.Mean != 87 {
			t.Fatalf("%+v", g)
		}
		if n := len(sums[0].Samples); n < 8 { // 2 GPUs × (2 edges + periodic ticks)
			t.Fatalf("only %d samples in 150ms at a 20ms period", n)
		}
	}
}

func TestRecorderNoGPUAndBrokenSampler(t *testing.T) {
	var out sink
	ctx := context.Background()
	r := telemetry.Start(ctx, "c2", telemetry.Options{Settings: telemetry.Settings{Period: 10 * time.Millisecond, Emit: out.emit},
		NoGPU: "no GPU: NVML: driver not loaded", NoServer: "none"})
	r.Begin(ctx, telemetry.Segment{Case: "x"})
	r.End(ctx)
	r.Close()
	for _, s := range out.all() {
		if s.Error == "" {
			t.Fatalf("without sources only the lines saying why are written: %+v", s)
		}
	}
	f := &fakeSampler{broken: errors.New("NVML: GPU is lost")}
	var notes []string
	out = sink{}
	r = telemetry.Start(ctx, "c3", telemetry.Options{Settings: telemetry.Settings{Period: 5 * time.Millisecond, Emit: out.emit},
		Sampler: f, GPUs: []int{0}, Notef: func(f string, a ...any) { notes = append(notes, f) }})
	r.Begin(ctx, telemetry.Segment{Case: "x"})
	time.Sleep(60 * time.Millisecond)
	r.End(ctx)
	r.Close()
	errs := 0
	for _, s := range out.all() {
		if s.Source == telemetry.SourceGPU && s.Error != "" {
			errs++
		}
	}
	if errs != 1 || len(notes) != 1 {
		t.Fatalf("a failing GPU is said once and given up: %d error lines, notes %v", errs, notes)
	}
	var nilRec *telemetry.Recorder // telemetry off: hooks do nothing
	nilRec.Begin(ctx, telemetry.Segment{})
	nilRec.End(ctx)
	nilRec.Close()
}

func TestTolerance(t *testing.T) {
	q := telemetry.Quantiles{P50: 12.5, P50Lo: 10, P50Hi: 15}
	for _, c := range []struct {
		client, scale float64
		want          bool
	}{{12, 0, true}, {17.9, 0, true}, {20, 0, false}, {4, 0, false}, {20, 0.2, true}} {
		if got := telemetry.ITLTolerance.Agrees(q, c.client, c.scale); got != c.want {
			t.Errorf("client %v ms (scale %v) against (10, 15]: agrees %v, want %v", c.client, c.scale, got, c.want)
		}
	}
}
