package vllm

import "regexp"

// VersionCommand implements engine.VersionDetector: `vllm --version` (the
// launcher's first word when engine_command replaces `vllm serve`).
func (Engine) VersionCommand(launcher []string) []string {
	exe := "vllm"
	if len(launcher) > 0 {
		exe = launcher[0]
	}
	return []string{exe, "--version"}
}

var versionRe = regexp.MustCompile(`(?m)^\s*v?(\d+\.\d+(?:\.\d+)?[0-9A-Za-z.+\-]*)\s*$`)

// ParseVersion implements engine.VersionDetector: `vllm --version` prints the bare version.
func (Engine) ParseVersion(out string) (string, bool) {
	m := versionRe.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return "", false
	}
	return m[len(m)-1][1], true
}
