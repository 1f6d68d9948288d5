package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigIDsStayUniqueAfterSanitising: server_params values that sanitise to
// the same folder name (a/b and a-b, é and è) are four configurations with
// four ids, four server logs and four sets of results, none overwriting another.
func TestConfigIDsStayUniqueAfterSanitising(t *testing.T) {
	p := writeSweep(t, `name: ids
engine: sim
input_lens: [16]
output_lens: [4]
warmup: false
server_params:
  --sim-label: [a/b, a-b, é, è]
models:
  m: {path: org/m, extra_args: [--sim-time-scale, "0.01", --sim-startup-ms, "1"]}
`)
	js, err := exec.Command(bin(), "plan", p, "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var cfgs []struct {
		ID     string            `json:"id"`
		Params map[string]string `json:"server_params"`
	}
	if err := json.Unmarshal(js, &cfgs); err != nil || len(cfgs) != 4 {
		t.Fatalf("plan --json: %v (%d configurations)", err, len(cfgs))
	}
	ids := map[string]string{}
	for _, c := range cfgs {
		if prev, ok := ids[strings.ToLower(c.ID)]; ok {
			t.Fatalf("values %q and %q share the id %s", prev, c.Params["--sim-label"], c.ID)
		}
		ids[strings.ToLower(c.ID)] = c.Params["--sim-label"]
		if strings.ContainsAny(c.ID, "/é è") {
			t.Fatalf("id %q is not a safe folder name", c.ID)
		}
	}
	// The ids are stable: planning again gives the same ones.
	again, _ := exec.Command(bin(), "plan", p, "--json").Output()
	if string(again) != string(js) {
		t.Fatal("configuration ids must not change between plans")
	}

	out := filepath.Join(t.TempDir(), "run")
	if b, err := exec.Command(bin(), "run", p, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	rs := readResults(t, out)
	ss := readServers(t, out)
	if len(rs) != 4 || len(ss) != 4 {
		t.Fatalf("want 4 results and 4 servers, got %d and %d", len(rs), len(ss))
	}
	logs := map[string]bool{}
	for _, s := range ss {
		if _, ok := ids[strings.ToLower(s.ConfigID)]; !ok {
			t.Fatalf("server record for unknown id %s", s.ConfigID)
		}
		if logs[s.LogPath] {
			t.Fatalf("two servers wrote %s", s.LogPath)
		}
		logs[s.LogPath] = true
		if st, err := os.Stat(filepath.Join(out, s.LogPath)); err != nil || st.Size() == 0 {
			t.Fatalf("server log %s: %v", s.LogPath, err)
		}
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.ConfigID] {
			t.Fatalf("two results for %s", r.ConfigID)
		}
		seen[r.ConfigID] = true
		label := r.Command[len(r.Command)-1]
		for i, a := range r.Command {
			if a == "--sim-label" {
				label = r.Command[i+1]
			}
		}
		if ids[strings.ToLower(r.ConfigID)] != label {
			t.Fatalf("result of %s carries the command of %q", r.ConfigID, label)
		}
	}
	assertNoSurvivors(t, ss)

	dup := writeSweep(t, "engine: sim\nserver_params:\n  --flag: [x, x]\n  --on: [true, TRUE]\nmodels:\n  m: {path: org/m}\n")
	b, err := exec.Command(bin(), "plan", dup).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(b), `:3:15: server_params --flag lists "x" twice`) {
		t.Fatalf("a value listed twice must be refused at its position: %v\n%s", err, b)
	}
}
