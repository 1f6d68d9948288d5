package sglang

import "testing"

func TestSGLangMemFraction(t *testing.T) {
	// server_args.py _handle_gpu_memory_settings: H200 (143771 MiB), TP8:
	// reserved 512 + 8192×1.5 + 512×2 + 1024 = 14848 MiB → 0.897.
	if f := defaultMemFraction(143771.0/1024, 8); f != 0.897 {
		t.Fatalf("H200 TP8: %v", f)
	}
	// H100 TP1: 512 + 12288 + 512 + 128 = 13440 → (81559−13440)/81559 = 0.835.
	if f := defaultMemFraction(81559.0/1024, 1); f != 0.835 {
		t.Fatalf("H100 TP1: %v", f)
	}
	// A 24 GiB GPU, TP1: 512 + 6144 + 48 + 128 = 6832 → 0.722 (no 10 GiB floor).
	if f := defaultMemFraction(24, 1); f != 0.722 {
		t.Fatalf("24 GiB TP1: %v", f)
	}
}
