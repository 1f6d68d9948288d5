package bench

import "testing"

func TestHourlyPriceNeverChargesAPhantomGPU(t *testing.T) {
	s := Settings{GPUHourPrice: 2, CPUHourPrice: 0.5}
	if s.Hourly(0) != 0.5 || s.Hourly(1) != 2 || s.Hourly(4) != 8 {
		t.Fatalf("hourly: 0 GPUs %v, 1 %v, 4 %v", s.Hourly(0), s.Hourly(1), s.Hourly(4))
	}
	m := Metrics{OutputThroughput: 100, InputThroughput: 1000}
	if c := CostAt(m, s.Hourly(0)); c.OutputPer1M != 1e6/100/3600*0.5 {
		t.Fatalf("CPU-only output cost %v", c.OutputPer1M)
	}
}
