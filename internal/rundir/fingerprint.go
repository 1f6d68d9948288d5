package rundir

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"sort"

	"github.com/servesweep/servesweep/internal/plan"
)

// launch is what makes two plans of a configuration the same measurement:
// its launch command, environment and launch files, and its cases. The launcher's directory
// is left out (the same servesweep or python from another path launches the same).
type launch struct {
	ID      string            `json:"id"`
	Command []string          `json:"command"`
	Env     map[string]string `json:"env,omitempty"`
	Files   map[string]string `json:"files,omitempty"`
	Cases   []plan.Case       `json:"cases"`
}

func launchOf(c plan.Config) launch {
	cmd := append([]string{}, c.Command...)
	if len(cmd) > 0 {
		cmd[0] = filepath.Base(cmd[0])
	}
	return launch{ID: c.ID, Command: cmd, Env: c.Env, Files: c.Files, Cases: c.Cases}
}

// Fingerprint identifies a sweep by what it measures: every configuration's
// launch and cases (in id order) and settings, the sweep-wide knobs that
// change the numbers (repeats, warmup, profiling, load profiles), marshalled
// as JSON. Renaming the sweep file or editing comments keeps it.
func Fingerprint(cfgs []plan.Config, settings any) string {
	ls := make([]launch, len(cfgs))
	for i, c := range cfgs {
		ls[i] = launchOf(c)
	}
	sort.Slice(ls, func(a, b int) bool { return ls[a].ID < ls[b].ID })
	h := sha256.New()
	enc := json.NewEncoder(h) // map keys are sorted
	for _, l := range ls {
		enc.Encode(l)
	}
	enc.Encode(settings)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
}

// SameLaunch reports whether two plans of a configuration launch the same
// command and measure the same cases.
func SameLaunch(a, b plan.Config) bool {
	ja, _ := json.Marshal(launchOf(a))
	jb, _ := json.Marshal(launchOf(b))
	return string(ja) == string(jb)
}
