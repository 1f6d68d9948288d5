package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

const workflowPath = "../../.github/workflows/stress-test.yml"

// lintWorkflow runs actionlint (with shellcheck on the run: scripts when it is
// installed) and servesweep's own rule: no ${{ }} expression inside a run:
// script, where a crafted input would become shell code (GitHub's hardening
// guide: pass it through env: and quote it).
func lintWorkflow(t *testing.T, path string, src []byte) []string {
	t.Helper()
	opts := &actionlint.LinterOptions{ConfigFile: "../../.github/actionlint.yaml"}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(path, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	wf, _ := actionlint.Parse(src)
	if wf == nil {
		return out
	}
	for id, job := range wf.Jobs {
		for _, st := range job.Steps {
			if run, ok := st.Exec.(*actionlint.ExecRun); ok && run.Run != nil && strings.Contains(run.Run.Value, "${{") {
				out = append(out, fmt.Sprintf("%s:%d:%d: job %s: a run: script interpolates ${{ }}; pass the value through env: and quote it", path, run.RunPos.Line, run.RunPos.Col, id))
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestWorkflowLints keeps the GitHub workflow free of lint errors and of
// expressions inside run: scripts; the two broken copies show the check fails.
func TestWorkflowLints(t *testing.T) {
	src, err := os.ReadFile(workflowPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Log("shellcheck is not installed: run: scripts are not shellchecked")
	}
	if errs := lintWorkflow(t, workflowPath, src); len(errs) > 0 {
		t.Fatalf("%s:\n%s", workflowPath, strings.Join(errs, "\n"))
	}
	if !strings.Contains(string(src), "servesweep publish") {
		t.Fatal("the workflow must publish the traces its summary links to")
	}
	injected := strings.Replace(string(src), `bin/servesweep plan "$SWEEP_FILE"`, `bin/servesweep plan "${{ inputs.sweep_file }}"`, 1)
	if errs := lintWorkflow(t, "injected.yml", []byte(injected)); len(errs) == 0 {
		t.Fatal("an input interpolated into a run: script must fail the lint")
	}
	broken := strings.Replace(string(src), "timeout-minutes: 720", "timeout-minutes: 720\n    runs-onn: x", 1)
	if errs := lintWorkflow(t, "broken.yml", []byte(broken)); len(errs) == 0 {
		t.Fatal("an unknown key must fail the lint")
	}
}
