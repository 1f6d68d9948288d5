package executor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteLaunchFiles: an engine's launch files land in the work directory;
// a name that is not a plain file name is refused before anything is written.
func TestWriteLaunchFiles(t *testing.T) {
	dir := t.TempDir()
	if err := writeLaunchFiles(dir, map[string]string{"extra.yaml": "moe_config:\n  backend: TRTLLM\n"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "extra.yaml"))
	if err != nil || !strings.Contains(string(b), "TRTLLM") {
		t.Fatalf("%s %v", b, err)
	}
	for _, bad := range []string{"../escape.yaml", "sub/x.yaml", "", ".."} {
		if err := writeLaunchFiles(dir, map[string]string{bad: "x"}); err == nil || !strings.Contains(err.Error(), "plain file name") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	if err := writeLaunchFiles(filepath.Join(dir, "missing"), map[string]string{"a.yaml": "x"}); err == nil {
		t.Fatal("an unwritable directory must fail the launch")
	}
}
