package sweep

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEListsEveryKey: the README's key table is the Keys table's.
func TestREADMEListsEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "| `") {
			rows = append(rows, l)
		}
	}
	table := strings.Join(rows, "\n")
	for _, k := range Keys {
		if !strings.Contains(table, "`"+k.Name+"`") && !strings.Contains(table, "`"+k.Name+".") {
			t.Errorf("README's sweep-file table lacks `%s` (%s)", k.Name, k.Doc)
		}
		if k.Doc == "" || k.read == nil {
			t.Errorf("key %s has no doc or reader", k.Name)
		}
	}
}

func TestTelemetryAndPowerPriceKeys(t *testing.T) {
	base := "engine: sim\nmodels:\n  m: {path: a}\n"
	f, err := Parse("s.yaml", []byte(base))
	if err != nil || f.Telemetry.SamplePeriod() != DefaultTelemetryPeriod || f.PowerPrice != 0 {
		t.Fatalf("defaults: %+v %v", f, err)
	}
	f, err = Parse("s.yaml", []byte(base+"telemetry: {period: 250ms}\npower_price: 0.12\n"))
	if err != nil || f.Telemetry.SamplePeriod().Milliseconds() != 250 || f.PowerPrice != 0.12 {
		t.Fatalf("%+v %v", f, err)
	}
	f, err = Parse("s.yaml", []byte(base+"telemetry: false\n"))
	if err != nil || f.Telemetry.SamplePeriod() != 0 {
		t.Fatalf("off: %+v %v", f.Telemetry, err)
	}
	for in, want := range map[string]string{
		"telemetry: {period: 10ms}\n": "s.yaml:4:21: telemetry period must be at least 50ms",
		"telemetry: {every: 1s}\n":    "s.yaml:4:13: unknown key \"every\" in telemetry",
		"power_price: -0.1\n":         "s.yaml:4:14: power_price must be between 0 and 1000",
		"telemetry: yes please\n":     "s.yaml:4:12: telemetry must be a mapping",
	} {
		if _, err := Parse("s.yaml", []byte(base+in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}
