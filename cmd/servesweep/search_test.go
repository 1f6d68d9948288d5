package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/results"
)

// TestSearchHalvingWithSim: successive halving over six sim configurations
// whose decode step time is fixed by a flag measures only the finalists
// fully, records the others as skipped with a search: reason, logs every
// decision, and picks the fastest.
func TestSearchHalvingWithSim(t *testing.T) {
	dir := t.TempDir()
	if d := os.Getenv("SEARCH_TEST_DIR"); d != "" {
		dir = d
	}
	sweepFile := filepath.Join(dir, "s.yaml")
	os.WriteFile(sweepFile, []byte(`name: search
engine: sim
input_lens: [64]
output_lens: [32]
repeats: 2
warmup: false
launch_timeout: 5s
stop_grace: 1s
search: {strategy: halving}
server_params:
  --sim-itl-ms: ["60", "20", "50", "30", "70", "40"]
models:
  m: {path: m/m, extra_args: [--sim-time-scale, "0.1"]}
`), 0o644)
	out := filepath.Join(dir, "run")
	if b, err := exec.Command(bin(), "run", sweepFile, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, b)
	}
	full, skipped := map[string]bool{}, map[string]bool{}
	var fastest string
	for _, r := range readResults(t, out) {
		switch r.Status {
		case results.StatusOK:
			full[r.ConfigID] = true
			if i := slices.Index(r.Command, "--sim-itl-ms"); i >= 0 && r.Command[i+1] == "20" {
				fastest = r.ConfigID
			}
		case results.StatusSkipped:
			skipped[r.ConfigID] = true
			if !strings.HasPrefix(r.Error, "search: ") || r.FailureKind != results.KindSearch {
				t.Errorf("skipped %s: reason %q kind %q", r.ConfigID, r.Error, r.FailureKind)
			}
		}
	}
	if len(full) != 2 || len(skipped) != 4 || fastest == "" {
		t.Fatalf("full %v, skipped %v, fastest %q", full, skipped, fastest)
	}
	kinds, winner := map[string]int{}, ""
	f, err := os.Open(filepath.Join(out, "search.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var rec struct{ Kind, Action, Winner string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		kinds[rec.Kind+"/"+rec.Action]++
		if rec.Kind == "summary" {
			winner = rec.Winner
		}
	}
	if winner != fastest {
		t.Errorf("winner %q, want the 20 ms configuration %q", winner, fastest)
	}
	rep, err := exec.Command(bin(), "report", out).CombinedOutput()
	_, section, _ := strings.Cut(string(rep), "### Search")
	section, _, _ = strings.Cut(section, "### ")
	if err != nil || strings.Count(section, "| search: halving round 1 dropped it") != 4 || !strings.Contains(section, "against the grid's estimated") {
		t.Errorf("report: %v\n%s", err, rep)
	}
	if kinds["probe/"] < 6 || kinds["decision/probe"] < 6 || kinds["decision/skip"] != 4 || kinds["decision/full"] != 2 {
		t.Errorf("search log: %v", kinds)
	}
}
