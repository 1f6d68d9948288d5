package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// secretValues are written in the sweep file below; none may appear anywhere
// servesweep writes or prints, though each must reach the server's process.
var secretValues = []string{
	"hf_SweepFileSecret0123456789abcdef", // env: HF_TOKEN (also token-shaped)
	"pw-secret-xyz-77",                   // models.m.env: MY_PASSWORD
	"apikey-secret-4242",                 // extra_args: --api-key VALUE
	"eqkey-secret-5151",                  // extra_args: --hf-token=VALUE
	"adminsecret-111", "adminsecret-222", // server_params: --admin-api-key
}

// TestSecretsNeverWritten runs a sweep whose file holds secrets through an
// SGLang launcher that records what the server received (the sim server,
// which prints its server_args at launch as SGLang does), and greps plan's
// output, run's output and every file of the run directory for them.
func TestSecretsNeverWritten(t *testing.T) {
	tmp := t.TempDir()
	proof := filepath.Join(tmp, "server-saw.txt")
	launcher := filepath.Join(tmp, "launch-sglang.sh")
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$HF_TOKEN\" \"$MY_PASSWORD\" \"$@\" >> %q\nexec %q sim-server --sim-time-scale 0.01 --sim-startup-ms 1 \"$@\"\n", proof, bin())
	if err := os.WriteFile(launcher, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	p := writeSweep(t, fmt.Sprintf(`name: secrets
engine: sglang
engine_command: [%s]
env: {HF_TOKEN: %s}
input_lens: [16]
output_lens: [4]
warmup: false
profile: true
server_params:
  --admin-api-key: [%s, %s]
models:
  m:
    path: org/m
    env: {MY_PASSWORD: %s}
    extra_args: [--api-key, %s, --hf-token=%s]
`, launcher, secretValues[0], secretValues[4], secretValues[5], secretValues[1], secretValues[2], secretValues[3]))
	grep := func(what string, b []byte) {
		t.Helper()
		for _, s := range secretValues {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the secret %q", what, s)
			}
		}
	}
	for _, args := range [][]string{{"plan", p}, {"plan", "--json", p}, {"plan", "--json", "--estimate", p}} {
		out, err := exec.Command(bin(), args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		grep(strings.Join(args[:len(args)-1], " ")+" output", out)
		if args[1] == "--json" && len(args) == 3 && !bytes.Contains(out, []byte(`"HF_TOKEN": "[redacted]"`)) {
			t.Errorf("plan --json must show which secrets are set, masked:\n%s", out)
		}
	}

	dir := filepath.Join(tmp, "run")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin(), "run", p, "--out", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	grep("run's stdout", stdout.Bytes())
	grep("run's stderr", stderr.Bytes())
	rs := readResults(t, dir)
	if len(rs) != 2 || rs[0].Status != "ok" || rs[1].Status != "ok" {
		t.Fatalf("want 2 ok results, got %+v", rs)
	}
	if rs[0].ConfigID == rs[1].ConfigID {
		t.Fatal("the two secret values must be two configurations")
	}
	files := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files++
		rel, _ := filepath.Rel(dir, path)
		grep(rel, b)
		return nil
	})
	log, _ := os.ReadFile(filepath.Join(dir, rs[0].ConfigID, "server.log"))
	if !bytes.Contains(log, []byte(`api_key="[redacted]"`)) {
		t.Errorf("the server log must keep its server_args line, masked:\n%s", log)
	}
	for _, want := range []string{"run.json", "results.jsonl", "servers.jsonl", "report.json", "report.md", "report.html"} {
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			t.Errorf("%s: %v", want, err)
		}
	}
	t.Logf("grepped %d files of the run directory", files)
	saw, _ := os.ReadFile(proof)
	for _, s := range secretValues {
		if !bytes.Contains(saw, []byte(s)) {
			t.Errorf("the server never received %q; it saw:\n%s", s, saw)
		}
	}
	assertNoSurvivors(t, readServers(t, dir))
}
