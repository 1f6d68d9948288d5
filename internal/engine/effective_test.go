package engine

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCompareListsOnlyRealDifferences(t *testing.T) {
	asked := map[string]string{"moe_runner_backend": "flashinfer_cutlass", "tp_size": "8", "attention_backend": "auto",
		"kv_cache_dtype": "fp8_e4m3", "mem_fraction_static": "0.8", "quantization": "FP8", "page_size": ""}
	eff := map[string]any{"moe_runner_backend": "triton", "tp_size": float64(8), "attention_backend": "fa3",
		"mem_fraction_static": 0.80, "quantization": "fp8", "page_size": float64(64)}
	got := Compare(asked, eff)
	if len(got) != 1 || got[0] != (Mismatch{Key: "moe_runner_backend", Asked: "flashinfer_cutlass", Ran: "triton"}) {
		t.Fatalf("got %+v", got)
	}
	if w := got[0].Warning(); w != "moe_runner_backend: asked flashinfer_cutlass, ran triton" {
		t.Fatal(w)
	}
	eff["tp_size"] = float64(4)
	if got := Compare(asked, eff); len(got) != 2 || got[0].Key != "moe_runner_backend" || got[1].Key != "tp_size" || got[1].Ran != "4" {
		t.Fatalf("sorted by key, numbers as integers: %+v", got)
	}
}

func TestValueString(t *testing.T) {
	for v, want := range map[any]string{nil: "", "x": "x", 8.0: "8", 0.85: "0.85", true: "true", 3: "3"} {
		if got := ValueString(v); got != want {
			t.Fatalf("%v: %q", v, got)
		}
	}
	if got := ValueString([]any{"completion", 2.0}); got != "completion,2" {
		t.Fatal(got)
	}
}

func TestAskedFlags(t *testing.T) {
	args := []string{"--trust-remote-code", "--kv-cache-dtype", "fp8_e4m3", "--enable-dp-attention", "--dp-size=8", "--disable-cuda-graph"}
	got := AskedFlags(args, []string{"kv_cache_dtype", "enable_dp_attention", "dp_size", "disable_cuda_graph", "ep_size"})
	want := map[string]string{"kv_cache_dtype": "fp8_e4m3", "enable_dp_attention": "true", "dp_size": "8", "disable_cuda_graph": "true"}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: %q (all %v)", k, got[k], got)
		}
	}
}

var testPatterns = []LogPattern{
	{Re: regexp.MustCompile(`(?i)\bFp8MoEMethod has no (?P<asked>\w+) path; using (?P<ran>\w+) for its fp8 experts\.?`), Key: "moe_runner_backend", Warn: true},
	{Re: regexp.MustCompile(`Using (?P<ran>[A-Z_]+) attention backend`), Key: "attention_backend"},
	{Re: regexp.MustCompile(`(?P<msg>offloaded (?P<n>\d+)/(?P<m>\d+) layers to GPU)`),
		Extract: func(s map[string]string) (map[string]any, bool) {
			return map[string]any{"gpu_layers": s["n"] + "/" + s["m"]}, s["n"] != s["m"]
		}},
}

func TestScanLogDeduplicatesAndExtracts(t *testing.T) {
	log := strings.Join([]string{
		"[2026-01-02 10:00:00 TP0] Load weight begin.",
		"[2026-01-02 10:00:01 TP0] Fp8MoEMethod has no FLASHINFER_CUTLASS path; using triton for its fp8 experts.",
		"[2026-01-02 10:00:01 TP1] Fp8MoEMethod has no FLASHINFER_CUTLASS path; using triton for its fp8 experts.",
		"INFO 01-02 10:00:02 [cuda.py:1] Using FLASH_ATTN attention backend out of potential backends: ['FLASH_ATTN']",
		`time=2026-01-02T10:00:03 level=INFO source=ggml.go:1 msg="offloaded 12/29 layers to GPU"`,
		"no newline at the end: Fp8MoEMethod has no X path; using triton for its fp8 experts",
	}, "\r\n")
	seen := map[string]bool{}
	got := ScanLog(strings.NewReader(log), testPatterns, seen)
	if len(got) != 4 {
		t.Fatalf("%d findings: %+v", len(got), got)
	}
	if got[0].Text != "Fp8MoEMethod has no FLASHINFER_CUTLASS path; using triton for its fp8 experts." || !got[0].Warn ||
		got[0].Settings["moe_runner_backend"] != "triton" {
		t.Fatalf("fallback: %+v", got[0])
	}
	if got[1].Warn || got[1].Settings["attention_backend"] != "FLASH_ATTN" {
		t.Fatalf("information is not a warning: %+v", got[1])
	}
	if got[2].Text != "offloaded 12/29 layers to GPU" || !got[2].Warn || got[2].Settings["gpu_layers"] != "12/29" {
		t.Fatalf("extract: %+v", got[2])
	}
	if again := ScanLog(strings.NewReader(log), testPatterns, seen); len(again) != 0 {
		t.Fatalf("a second scan with the same seen set must find nothing new: %+v", again)
	}
}

func TestScanLogBounds(t *testing.T) {
	long := "x " + strings.Repeat("é", MaxLineBytes) + " Fp8MoEMethod has no A path; using triton for its fp8 experts"
	if got := ScanLog(strings.NewReader(long+"\nFp8MoEMethod has no B path; using triton for its fp8 experts "+strings.Repeat("ü", 400)), testPatterns, nil); len(got) != 1 ||
		!strings.Contains(got[0].Text, "no B path") || len(got[0].Text) > MaxFindingText+len("…") || !utf8.ValidString(got[0].Text) {
		t.Fatalf("a line is cut at MaxLineBytes and a text at MaxFindingText on a rune boundary: %+v", got)
	}
	var b strings.Builder
	for i := 0; i < 3*MaxFindings; i++ {
		b.WriteString("Fp8MoEMethod has no B" + strings.Repeat("x", i) + " path; using triton for its fp8 experts\n")
	}
	if got := ScanLog(strings.NewReader(b.String()), testPatterns, nil); len(got) != MaxFindings {
		t.Fatalf("%d findings, want the cap %d", len(got), MaxFindings)
	}
}

func FuzzScanLog(f *testing.F) {
	f.Add([]byte("[2026-01-02 10:00:01 TP0] Fp8MoEMethod has no FLASHINFER_CUTLASS path; using triton for its fp8 experts.\n"))
	f.Add([]byte(`msg="offloaded 3/3 layers to GPU"` + "\r\nUsing FLASH_ATTN attention backend"))
	f.Fuzz(func(t *testing.T, b []byte) {
		seen := map[string]bool{}
		got := ScanLog(strings.NewReader(string(b)), testPatterns, seen)
		if len(got) > MaxFindings || len(seen) != len(got) {
			t.Fatalf("%d findings, %d seen", len(got), len(seen))
		}
		for _, f := range got {
			if f.Text == "" || len(f.Text) > MaxFindingText+len("…") || strings.ContainsAny(f.Text, "\n") {
				t.Fatalf("bad text %q", f.Text)
			}
			if !f.Warn && len(f.Settings) == 0 {
				t.Fatalf("a finding says something: %+v", f)
			}
		}
	})
}
