package hardware

import (
	"strings"
	"testing"
)

func TestLookupNamesAndAliases(t *testing.T) {
	for in, want := range map[string]string{
		"H200": "H200", "h200": "H200", "H200-SXM": "H200", "NVIDIA H200": "H200", "nvidia h200 sxm": "H200",
		"NVIDIA H100 80GB HBM3": "H100", "H100-SXM5-80GB": "H100", "h100": "H100",
		"NVIDIA A100-SXM4-80GB": "A100-80GB", "a100": "A100-80GB",
		"NVIDIA L40S": "L40S", "NVIDIA B200": "B200", "b300": "B300",
		"AMD Instinct MI300X": "MI300X", "mi325x": "MI325X", "MI355X": "MI355X",
	} {
		g, err := Lookup(in)
		if err != nil || g.Name != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", in, g.Name, err, want)
		}
	}
	_, err := Lookup("RTX 9090")
	if err == nil || !strings.Contains(err.Error(), "H200") || !strings.Contains(err.Error(), "MI355X") {
		t.Fatalf("unknown GPU error should list the known ones: %v", err)
	}
}

func TestCatalogFigures(t *testing.T) {
	// gpus.md figures a rule or a bound depends on.
	want := map[string]struct {
		compute string
		fam     Family
		hbm     float64
		bf16    float64
	}{
		"A100-80GB": {"8.0", FamilyAmpere, 2.039, 312}, "L40S": {"8.9", FamilyAda, 0.864, 362},
		"H100": {"9.0", FamilyHopper, 3.35, 989}, "H200": {"9.0", FamilyHopper, 4.8, 989},
		"B200": {"10.0", FamilyBlackwell, 8, 2250}, "B300": {"10.3", FamilyBlackwell, 8, 2250},
		"MI300X": {"gfx942", FamilyAMD, 5.3, 1307}, "MI325X": {"gfx942", FamilyAMD, 6, 1307}, "MI355X": {"gfx950", FamilyAMD, 8, 2300},
	}
	if len(Catalog()) != len(want) {
		t.Fatalf("catalog has %d entries, test knows %d", len(Catalog()), len(want))
	}
	for _, g := range Catalog() {
		w := want[g.Name]
		if g.Compute != w.compute || FamilyOf(g.Compute) != w.fam || g.HBMTBps != w.hbm || g.BF16TFLOPS != w.bf16 || g.Source == "" || g.MemoryGiB <= 0 {
			t.Errorf("%s: %+v", g.Name, g)
		}
	}
	h200, _ := Lookup("H200")
	if h200.MemoryGiB < 140.3 || h200.MemoryGiB > 140.5 {
		t.Fatalf("H200 memory as nvidia-smi reports it is 140.4 GiB, got %.2f", h200.MemoryGiB)
	}
}

func TestFromLabel(t *testing.T) {
	for in, want := range map[string]Spec{
		"8-gpu-h200": {GPU: "H200", GPUs: 8}, "8xH100": {GPU: "H100", GPUs: 8}, "h200x2": {GPU: "H200", GPUs: 2},
		"B200": {GPU: "B200"}, "4 GPUs MI300X": {GPU: "MI300X", GPUs: 4}, "8×B300": {GPU: "B300", GPUs: 8},
	} {
		s, ok := FromLabel(in)
		if !ok || s.GPU != want.GPU || s.GPUs != want.GPUs {
			t.Errorf("FromLabel(%q) = %+v, %v; want %+v", in, s, ok, want)
		}
	}
	if _, ok := FromLabel("my-cluster"); ok {
		t.Fatal("a label without a GPU name must not resolve")
	}
}

func TestResolveOrder(t *testing.T) {
	label, _ := FromLabel("8-gpu-h200")
	// The label is the last resort.
	tg, err := Resolve(Spec{Source: "--gpu flag"}, Spec{Source: "sweep file hardware:"}, label)
	if err != nil || tg.Name != "H200" || tg.GPUs != 8 || tg.Family() != FamilyHopper || !strings.Contains(tg.Source, "gpu_label") {
		t.Fatalf("%+v %v", tg, err)
	}
	// Flags win over the file and the label; the count comes from the first source giving one.
	tg, err = Resolve(Spec{Source: "--gpu flag", GPU: "B200"}, Spec{Source: "sweep file hardware:", GPU: "H200", GPUs: 8}, label)
	if err != nil || tg.Name != "B200" || tg.GPUs != 8 || tg.Compute != "10.0" || tg.Family() != FamilyBlackwell {
		t.Fatalf("%+v %v", tg, err)
	}
	if tg.Source != "--gpu flag, GPU count from sweep file hardware:" {
		t.Fatalf("source %q", tg.Source)
	}
	// A GPU outside the catalog, described by its figures.
	tg, err = Resolve(Spec{Source: "sweep file hardware:", GPU: "Mystery-1", MemoryGiB: 96, Compute: "9.0", GPUs: 4})
	if err != nil || tg.Catalog != nil || tg.GPUMemoryGiB != 96 || tg.Family() != FamilyHopper {
		t.Fatalf("%+v %v", tg, err)
	}
	if _, err := Resolve(Spec{Source: "--gpu flag", GPU: "Mystery-1"}); err == nil || !strings.Contains(err.Error(), "--gpu flag: unknown GPU") {
		t.Fatalf("unknown name without figures: %v", err)
	}
	if tg, err := Resolve(Spec{}, Spec{}); tg != nil || err != nil {
		t.Fatalf("nothing known: %v %v", tg, err)
	}
}

func TestFamilyOf(t *testing.T) {
	for in, want := range map[string]Family{"8.0": FamilyAmpere, "8.6": FamilyAmpere, "8.9": FamilyAda, "9.0": FamilyHopper,
		"10.0": FamilyBlackwell, "10.3": FamilyBlackwell, "12.0": FamilyBlackwell, "gfx942": FamilyAMD, "": FamilyUnknown, "x": FamilyUnknown} {
		if got := FamilyOf(in); got != want {
			t.Errorf("FamilyOf(%q) = %q, want %q", in, got, want)
		}
	}
	for _, ok := range []string{"9.0", "10.0", "gfx942"} {
		if ValidCompute(ok) != nil {
			t.Errorf("%s should be valid", ok)
		}
	}
	for _, bad := range []string{"9", "nine", "9.0.1", ""} {
		if ValidCompute(bad) == nil {
			t.Errorf("%q should be invalid", bad)
		}
	}
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{"H200", "8-gpu-h200", "NVIDIA A100-SXM4-80GB", "", "×"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if g, err := Lookup(s); err == nil && g.Name == "" {
			t.Fatal("found an entry without a name")
		}
		if sp, ok := FromLabel(s); ok && sp.GPU == "" {
			t.Fatal("label resolved without a GPU")
		}
	})
}
