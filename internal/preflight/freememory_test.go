package preflight

import (
	"strings"
	"testing"
)

// freeModel keeps KV as a share of the memory free after weights and buffers.
type freeModel struct{ frac, reserved float64 }

func (m freeModel) MemFraction(float64, int, []string) (float64, string) { return 0.5, "unused" }
func (m freeModel) FreeFraction(float64, int, []string) (float64, string, float64) {
	return m.frac, "test default", m.reserved
}

// TestFitWithFreeMemoryModel: for an engine whose KV pool is a share of the
// free memory, the pool is frac × (GPU − weights − buffers), not frac × GPU −
// weights, and weights that leave no free memory do not fit.
func TestFitWithFreeMemoryModel(t *testing.T) {
	ds := model(t, "deepseek-ai--DeepSeek-V3")
	c := cfg(8, "")
	f := Fit(c, ds, ds.WeightBytes, 140, freeModel{frac: 0.9, reserved: 4})
	wantPool := 0.9 * (140 - f.WeightsPerGPUGiB - 4)
	if d := f.KVPoolGiB - wantPool; d > 1e-9 || d < -1e-9 || f.Verdict != "fits" || !strings.Contains(f.Detail, "memory free after weights") {
		t.Fatalf("%+v (want pool %.2f)", f, wantPool)
	}
	if f.MemFraction <= 0.9 || f.MemFraction >= 1 {
		t.Fatalf("as a share of the GPU: %v", f.MemFraction)
	}
	if f := Fit(cfg(4, ""), ds, ds.WeightBytes, 140, freeModel{frac: 0.9, reserved: 4}); f.Verdict != "does not fit" {
		t.Fatalf("DeepSeek-V3 on 4×140 GiB: %+v", f)
	}
}
