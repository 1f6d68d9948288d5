package gpu

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestNVMLSampler reads every GPU twice through NVML where there is one (the
// GPU machine); elsewhere OpenSampler must fail cleanly with ErrNoSampler.
func TestNVMLSampler(t *testing.T) {
	s, err := OpenSampler()
	if err != nil {
		if !errors.Is(err, ErrNoSampler) {
			t.Fatalf("not ErrNoSampler: %v", err)
		}
		t.Skipf("no GPU here: %v", err)
	}
	defer s.Close()
	snap, err := NVML{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var idx []int
	for _, g := range snap.GPUs {
		idx = append(idx, g.Index)
	}
	first, err := s.Sample(context.Background(), idx)
	if err != nil || len(first) != len(idx) {
		t.Fatalf("%v %v", first, err)
	}
	time.Sleep(500 * time.Millisecond)
	second, _ := s.Sample(context.Background(), idx)
	for i, r := range second {
		if r.PowerW == nil || *r.PowerW <= 0 || r.MemUsedMiB == nil || r.SMClockMHz == nil || r.UtilPct == nil {
			t.Fatalf("GPU %d: %+v", r.Index, r.Values())
		}
		e := "no energy counter"
		if r.EnergyJ != nil && first[i].EnergyJ != nil {
			d := *r.EnergyJ - *first[i].EnergyJ
			if d < 0 {
				t.Fatalf("GPU %d: energy counter went down", r.Index)
			}
			e = fmt.Sprintf("energy counter +%.2f J in 0.5 s", d)
		}
		t.Logf("GPU %d: %v; %s", r.Index, r.Values(), e)
	}
	if _, err := s.Sample(context.Background(), []int{1 << 20}); err == nil {
		t.Fatal("a GPU index the host lacks must be an error")
	}
}
