package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/quality"
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// startSlurm starts a real single-machine Slurm cluster (scripts/slurm-local.sh)
// and stops it, by PID, when the test ends. `make test` installs Slurm and sets SERVESWEEP_SLURM=1.
func startSlurm(t *testing.T) string {
	t.Helper()
	if os.Getenv("SERVESWEEP_SLURM") != "1" {
		t.Skip("SERVESWEEP_SLURM is not 1: run `make test` (it installs Slurm) to include the Slurm executor test")
	}
	base, err := os.MkdirTemp("", "servesweep-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "slurm")
	stop := func() {
		exec.Command("../../scripts/slurm-local.sh", "stop", dir).Run()
		os.RemoveAll(base)
	}
	if b, err := exec.Command("../../scripts/slurm-local.sh", "start", dir).CombinedOutput(); err != nil {
		stop()
		t.Fatalf("slurm: %v\n%s", err, b)
	}
	t.Cleanup(stop)
	return filepath.Join(dir, "slurm.conf")
}

func TestSlurmExecutorMatchesLocal(t *testing.T) {
	conf := startSlurm(t)
	// The mixed TP1/TP2/TP4/TP8 sweep of the packed-schedule test, through
	// Slurm and locally, with telemetry (on by default) and the quality guard:
	// the jobs record both on their node and the coordinator brings them back.
	run := func(executor string) string {
		p := writeSweep(t, strings.Replace(mixedSweep, "engine: sim\n", "engine: sim\nquality: {prompts: 2, max_tokens: 4}\n"+executor+"\n", 1))
		out := filepath.Join(t.TempDir(), "run")
		cmd := exec.Command(bin(), "run", p, "--out", out, "--no-history")
		cmd.Env = append(os.Environ(), "SLURM_CONF="+conf)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", executor, err, b)
		}
		return out
	}
	slurm := run("executor: slurm\nslurm: {partition: debug, time_limit: \"00:10:00\"}")
	local := run("executor: local")
	servers := readServers(t, slurm)
	if len(servers) != 10 {
		t.Fatalf("servers %+v", servers)
	}
	for _, s := range servers {
		if s.SlurmJobID == "" || s.Status != "ok" || len(s.GPUIDs) == 0 {
			t.Fatalf("%s: job %q status %s gpu_ids %v", s.ConfigID, s.SlurmJobID, s.Status, s.GPUIDs)
		}
	}
	shape := func(dir string) string {
		md := readFile(t, filepath.Join(dir, "report.md"))
		var keep, notes []string
		num := regexp.MustCompile(`[0-9]+\.[0-9]+`)
		for _, l := range strings.Split(md, "\n") {
			l = num.ReplaceAllString(regexp.MustCompile(`\(.*?trace.*?\)`).ReplaceAllString(l, "(trace)"), "N")
			switch {
			case strings.HasPrefix(l, "- ") && strings.Contains(l, ": gpu: "):
				notes = append(notes, l) // telemetry notes come in the order the jobs ended
			case strings.HasPrefix(l, "### ") || strings.HasPrefix(l, "| 1 |") || strings.HasPrefix(l, "- "):
				keep = append(keep, l)
			}
		}
		sort.Strings(notes)
		return strings.Join(append(keep, notes...), "\n")
	}
	if a, b := shape(slurm), shape(local); a != b {
		t.Fatalf("report structure differs:\n--- slurm\n%s\n--- local\n%s", a, b)
	}
	if rs := readResults(t, slurm); len(rs) != 10 {
		t.Fatalf("results from the jobs: %+v", rs)
	}
	checkJobRecords(t, slurm, servers)
}

// checkJobRecords: every configuration's job brought back its telemetry
// samples and one quality record with its two outputs.
func checkJobRecords(t *testing.T, dir string, servers []results.Server) {
	t.Helper()
	tel, err := results.ReadLines[telemetry.Sample](filepath.Join(dir, telemetry.File))
	if err != nil {
		t.Fatal(err)
	}
	qs, err := results.ReadLines[quality.Record](filepath.Join(dir, quality.File))
	if err != nil {
		t.Fatal(err)
	}
	samples, quals := map[string]int{}, map[string]int{}
	for _, x := range tel {
		samples[x.ConfigID]++
	}
	for _, q := range qs {
		if len(q.Outputs) != 2 || q.Error != "" || q.MaxTokens != 4 {
			t.Fatalf("%s: quality record %+v", q.ConfigID, q)
		}
		quals[q.ConfigID]++
	}
	for _, s := range servers {
		if samples[s.ConfigID] == 0 || quals[s.ConfigID] != 1 {
			t.Fatalf("%s: %d telemetry samples, %d quality records (want some, and 1)", s.ConfigID, samples[s.ConfigID], quals[s.ConfigID])
		}
	}
}
