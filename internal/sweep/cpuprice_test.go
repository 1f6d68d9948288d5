package sweep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCPUHourPrice(t *testing.T) {
	load := func(body string) (*File, error) {
		p := filepath.Join(t.TempDir(), "s.yaml")
		os.WriteFile(p, []byte("name: x\nengine: ollama\n"+body+"models:\n  m: {path: /m}\n"), 0o644)
		return Load(p)
	}
	f, err := load("gpu_hour_price: 3\n")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := f.CPUPrice(0); p != DefaultCPUHourPrice {
		t.Fatalf("no GPU, no key: the default, got %v", p)
	}
	if p, src := f.CPUPrice(8); p != 24 || !strings.Contains(src, "machine") {
		t.Fatalf("8 GPUs at $3: the machine's $24/h, got %v (%s)", p, src)
	}
	f, err = load("cpu_hour_price: 0.8\n")
	if err != nil {
		t.Fatal(err)
	}
	if p, src := f.CPUPrice(8); p != 0.8 || src != "cpu_hour_price" {
		t.Fatalf("the key wins: got %v (%s)", p, src)
	}
	if _, err := load("cpu_hour_price: -1\n"); err == nil || !strings.Contains(err.Error(), "cpu_hour_price") {
		t.Fatalf("a negative price is refused with the key named: %v", err)
	}
}
