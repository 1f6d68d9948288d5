package trtllm

import (
	"path/filepath"
	"regexp"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
)

// versionScript prints the installed tensorrt_llm distribution's version
// without importing the package (an import loads torch and CUDA and prints a
// banner first).
const versionScript = `import importlib.metadata as m; print(m.version("tensorrt_llm"))`

// VersionCommand implements engine.VersionDetector with the launcher's
// interpreter: the python of `python3 -m ...` launchers, else the python3
// next to a trtllm-serve given by path (a virtual environment's bin), else
// python3 on PATH. trtllm-serve itself has no --version.
func (Engine) VersionCommand(launcher []string) []string {
	py := "python3"
	for _, a := range launcher {
		if strings.HasPrefix(filepath.Base(a), "python") {
			return []string{a, "-c", versionScript}
		}
	}
	if len(launcher) > 0 && strings.HasPrefix(filepath.Base(launcher[0]), "trtllm-serve") && strings.ContainsRune(launcher[0], '/') {
		py = filepath.Join(filepath.Dir(launcher[0]), "python3")
	}
	return []string{py, "-c", versionScript}
}

var versionLine = regexp.MustCompile(`(?m)^v?(\d+\.\d+(?:\.\d+)?(?:[.+\-]?[0-9A-Za-z.+\-]*)?)\s*$`)

// ParseVersion implements engine.VersionDetector: the last version-looking
// line ("1.1.0", "1.2.0rc2"), after any import banner.
func (Engine) ParseVersion(out string) (string, bool) {
	m := versionLine.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return "", false
	}
	return m[len(m)-1][1], true
}

var _ engine.VersionDetector = Engine{}
