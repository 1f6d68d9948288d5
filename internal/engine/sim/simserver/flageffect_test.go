package simserver

import (
	"math"
	"strings"
	"testing"
)

func TestFlagEffectShapesSpeed(t *testing.T) {
	env := func(string) string { return "" }
	step := func(args ...string) float64 {
		t.Helper()
		o, err := ParseArgs(append([]string{"--model-path", "m"}, args...), env)
		if err != nil {
			t.Fatal(err)
		}
		return SpeedOf(o).DecodeStepMs
	}
	bowl := []string{"--sim-flag-effect", "cuda-graph-max-bs~64*0.1", "--sim-flag-effect", "--attention-backend=triton*1.2"}
	base := step()
	at := func(bs, be string) float64 {
		return step(append(append([]string{}, bowl...), "--cuda-graph-max-bs", bs, "--attention-backend", be)...) / base
	}
	if r := at("64", "fa3"); math.Abs(r-1) > 1e-12 {
		t.Errorf("at the centre with another backend: ×%v, want ×1", r)
	}
	if r, want := at("16", "fa3"), 1+0.1*math.Pow(math.Log(0.25), 2); math.Abs(r-want) > 1e-12 {
		t.Errorf("cuda-graph-max-bs 16: ×%v, want ×%v", r, want)
	}
	if r, want := at("128", "triton"), 1.2*(1+0.1*math.Pow(math.Log(2), 2)); math.Abs(r-want) > 1e-12 {
		t.Errorf("128 with triton: ×%v, want ×%v", r, want)
	}
	if r := step(bowl...) / base; r != 1 {
		t.Errorf("flags absent: ×%v, want ×1", r)
	}
	// The flag may come before the effect that names it.
	if r := step("--cuda-graph-max-bs=16", "--sim-flag-effect", "cuda-graph-max-bs~16*5") / base; r != 1 {
		t.Errorf("order: ×%v", r)
	}
	if _, err := ParseArgs([]string{"--model-path", "m", "--sim-flag-effect", "x~8*1", "--x", "auto"}, env); err == nil || !strings.Contains(err.Error(), "not a positive number") {
		t.Errorf("non-numeric bowl value: %v", err)
	}
}

func TestParseFlagEffectErrors(t *testing.T) {
	for spec, want := range map[string]string{
		"x=1":       "no *",
		"x*2":       "no = or ~",
		"x~0*1":     "centre",
		"x~8*-1":    "K must be",
		"x=a*0":     "FACTOR must be",
		"=a*2":      "no flag name",
		"x=a*abc":   "not a number",
		"x~abc*0.1": "centre",
	} {
		_, err := ParseFlagEffect(spec)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want one line containing %q", spec, err, want)
		}
	}
}

func FuzzParseFlagEffect(f *testing.F) {
	for _, s := range []string{"cuda-graph-max-bs~64*0.1", "attention-backend=triton*1.2", "x=*1", "~1*1", "a~1e308*1e308"} {
		f.Add(s, "64")
	}
	f.Fuzz(func(t *testing.T, spec, value string) {
		e, err := ParseFlagEffect(spec)
		if err != nil {
			return
		}
		m, err := e.Multiplier(map[string]string{e.Flag: value})
		if err == nil && (math.IsNaN(m) || math.IsInf(m, 0) || m <= 0) {
			t.Fatalf("%q with %q: multiplier %v", spec, value, m)
		}
	})
}
