package sglang

import (
	"regexp"
	"strings"
)

// VersionCommand implements engine.VersionDetector: the interpreter of the
// launcher (python3 of `python3 -m sglang.launch_server`, or the sweep's
// engine_command) imports sglang and prints sglang.__version__.
func (Engine) VersionCommand(launcher []string) []string {
	if len(launcher) == 0 {
		launcher = DefaultLauncher
	}
	py := "python3"
	for _, a := range launcher {
		base := a[strings.LastIndexByte(a, '/')+1:]
		if strings.HasPrefix(base, "python") {
			py = a
			break
		}
	}
	return []string{py, "-c", "import sglang; print(sglang.__version__)"}
}

var versionLine = regexp.MustCompile(`(?m)^v?(\d+\.\d+(?:\.\d+)?(?:[.+\-]?[0-9A-Za-z.+\-]*)?)\s*$`)

// ParseVersion implements engine.VersionDetector: the last version-looking line.
func (Engine) ParseVersion(out string) (string, bool) {
	m := versionLine.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return "", false
	}
	return m[len(m)-1][1], true
}
