package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes this test binary the servesweep command for the scripts
// (testscript runs each `exec servesweep ...` in-process through Main, so
// `go test -cover ./internal/cli` measures the CLI).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"servesweep": func() {
			self, err := exec.LookPath(os.Args[0])
			if err != nil {
				self = os.Args[0]
			}
			os.Exit(Main(os.Args[1:], Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Self: self}))
		},
	})
}

// TestScripts runs one txtar script per command (testdata/script): its help,
// its main use, its --json contract and its error exit codes.
func TestScripts(t *testing.T) {
	wd, _ := os.Getwd()
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLES", filepath.Join(wd, "..", "..", "examples"))
			env.Setenv("HF_HUB_OFFLINE", "1")
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, "data"))
			return nil
		},
	})
}
