package ollama

import "regexp"

// VersionCommand implements engine.VersionDetector: `ollama --version`.
func (Engine) VersionCommand(launcher []string) []string {
	exe := "ollama"
	if len(launcher) > 0 {
		exe = launcher[0]
	}
	return []string{exe, "--version"}
}

// "ollama version is 0.17.4" (client and server lines; a warning when no server runs).
var versionRe = regexp.MustCompile(`version is v?(\d+\.\d+(?:\.\d+)?[0-9A-Za-z.+\-]*)`)

// ParseVersion implements engine.VersionDetector.
func (Engine) ParseVersion(out string) (string, bool) {
	m := versionRe.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return "", false
	}
	return m[len(m)-1][1], true
}
