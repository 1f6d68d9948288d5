package engine

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// VersionDetector is implemented by engines that can tell their version
// before a launch (SGLang: import sglang with the launcher's interpreter;
// vLLM: vllm --version; Ollama: ollama --version).
type VersionDetector interface {
	// VersionCommand is the argv that prints the version, given the sweep's
	// launcher (engine_command; nil for the default).
	VersionCommand(launcher []string) []string
	// ParseVersion extracts the version from that command's output.
	ParseVersion(out string) (string, bool)
}

// DetectVersion runs the engine's version command with a bounded time. The
// error says what was run and why it gave no version.
func DetectVersion(ctx context.Context, d VersionDetector, launcher []string, env []string) (string, error) {
	argv := d.VersionCommand(launcher)
	if len(argv) == 0 {
		return "", errNoCommand
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if v, ok := d.ParseVersion(string(out)); ok && err == nil {
		return v, nil
	}
	msg := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	if len(msg) > 160 {
		msg = msg[:160] + "…"
	}
	if err != nil && msg == "" {
		msg = err.Error()
	}
	return "", &VersionError{Command: strings.Join(argv, " "), Msg: msg}
}

// VersionError says why a version could not be detected.
type VersionError struct{ Command, Msg string }

func (e *VersionError) Error() string { return "`" + e.Command + "`: " + e.Msg }

var errNoCommand = &VersionError{Command: "", Msg: "the engine has no version command"}

// Version is a parsed engine version ("0.5.4.post1" → 0.5.4; "v0.17.4" → 0.17.4).
type Version struct {
	Parts [3]int
	Raw   string
}

// ParseVersion reads the leading numeric components of a version string.
func ParseVersion(s string) (Version, bool) {
	v := Version{Raw: s}
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	n := 0
	for n < 3 && s != "" {
		end := 0
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		if end == 0 || end > 6 {
			break
		}
		v.Parts[n], _ = strconv.Atoi(s[:end])
		n++
		s = s[end:]
		if !strings.HasPrefix(s, ".") {
			break
		}
		s = s[1:]
	}
	return v, n >= 2
}

// Less reports whether v < w.
func (v Version) Less(w Version) bool {
	for i := range v.Parts {
		if v.Parts[i] != w.Parts[i] {
			return v.Parts[i] < w.Parts[i]
		}
	}
	return false
}

// AtLeast reports whether v >= the version s ("0.5.4").
func (v Version) AtLeast(s string) bool {
	w, _ := ParseVersion(s)
	return !v.Less(w)
}
