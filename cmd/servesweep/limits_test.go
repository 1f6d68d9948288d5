package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHugeValuesAreRefusedAtLoad: values that plan used to accept and that
// crashed run with a Go stack trace (and left the server behind) are refused
// when the file is read, with file:line:column, by plan and run alike.
func TestHugeValuesAreRefusedAtLoad(t *testing.T) {
	cases := []struct{ key, line, want string }{
		{"batch_sizes", "batch_sizes: [1, 100000000000]", "batch_sizes item must be at most 65536"},
		{"input_lens", "input_lens: [9223372036854775807]", "input_lens item must be at most 16777216"},
		{"output_lens", "output_lens: [9223372036854775807]", "output_lens item must be at most 16777216"},
		{"launch_timeout", "launch_timeout: 10000000000", "launch_timeout must be at most 720h"},
		{"request_timeout", "request_timeout: 9999h", "request_timeout must be at most 720h"},
		{"case size", "batch_sizes: [65536]\ninput_lens: [65536]", "prompt tokens in one case"},
		{"too large for int", "repeats: 99999999999999999999999", "repeats must be a positive integer, got a number"},
		{"nan", "gpu_hour_price: !!float NaN", "gpu_hour_price must be a finite number"},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			body := "name: huge\nengine: sim\n" + c.line + "\nmodels:\n  m: {path: org/m, extra_args: [--sim-time-scale, \"0.01\"]}\n"
			if !strings.Contains(c.line, "output_lens") {
				body = strings.Replace(body, "engine: sim\n", "engine: sim\noutput_lens: [4]\n", 1)
			}
			p := writeSweep(t, body)
			loc := regexp.MustCompile(regexp.QuoteMeta(p) + `:\d+:\d+: `)
			runDir := filepath.Join(t.TempDir(), "run")
			for _, args := range [][]string{{"plan", p}, {"run", "--dry-run", p, "--out", runDir}} {
				cmd := exec.Command(bin(), args...)
				out, err := cmd.CombinedOutput()
				ee, ok := err.(*exec.ExitError)
				if !ok || ee.ExitCode() != 2 {
					t.Fatalf("%s: want exit 2, got %v\n%s", args[0], err, out)
				}
				s := string(out)
				if strings.Contains(s, "goroutine ") || strings.Contains(s, "panic") {
					t.Fatalf("%s panicked:\n%s", args[0], s)
				}
				if !loc.MatchString(s) || !strings.Contains(s, c.want) {
					t.Fatalf("%s: want file:line:col and %q, got:\n%s", args[0], c.want, s)
				}
				if strings.Count(strings.TrimSpace(s), "\n") != 0 {
					t.Fatalf("%s: want one line, got:\n%s", args[0], s)
				}
			}
			if _, err := os.Stat(runDir); err == nil {
				t.Fatal("a refused sweep must not start a run directory")
			}
		})
	}
}
