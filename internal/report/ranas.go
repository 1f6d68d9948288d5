package report

import (
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/registry"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

// RanAs is how a configuration really ran, where that differs from what its
// variant asked: the effective settings the server reported (or its log
// revealed) that differ from the launch, and the log line that says so.
type RanAs struct {
	Differences []engine.Mismatch `json:"differences"`
	// Evidence is the first fallback line of the server log, quoted.
	Evidence string `json:"evidence,omitempty"`
	// Label is the short form used after the configuration's name: "triton MoE".
	Label string `json:"label"`
	// Line is the sentence printed under the configuration's table.
	Line string `json:"line"`
}

// ranAs compares a configuration's launch with its server's effective
// configuration, by the rules of the configuration's engine; nil when they agree.
func ranAs(c plan.Config, s *results.Server) *RanAs {
	if s == nil || len(s.Effective) == 0 {
		return nil
	}
	eng, err := registry.Get(c.Engine)
	if err != nil {
		return nil
	}
	a, ok := eng.(engine.Asker)
	if !ok {
		return nil
	}
	diffs := engine.Compare(a.Asked(engine.LaunchSpec{ModelPath: c.Model, TP: c.TP, MoEBackend: c.MoEBackend, Args: c.Args}), s.Effective)
	if len(diffs) == 0 {
		return nil
	}
	r := &RanAs{Differences: diffs}
	for _, w := range s.EffectiveWarnings {
		if e, ok := strings.CutPrefix(w, engine.LogWarningPrefix); ok {
			r.Evidence = e
			break
		}
	}
	var parts, labels []string
	for _, d := range diffs {
		parts = append(parts, d.Key+"="+d.Ran+" (asked "+d.Asked+")")
		labels = append(labels, shortLabel(d))
	}
	r.Label = strings.Join(labels, ", ")
	r.Line = "ran as: " + strings.Join(parts, ", ")
	if r.Evidence != "" {
		r.Line += " — server log: " + r.Evidence
	}
	return r
}

// moeBackend is the MoE backend that ran instead of the asked one, if any.
func (r *RanAs) moeBackend() (string, bool) {
	if r == nil {
		return "", false
	}
	for _, d := range r.Differences {
		if isMoEKey(d.Key) {
			return d.Ran, true
		}
	}
	return "", false
}

func isMoEKey(k string) bool { return strings.HasPrefix(k, "moe_") && strings.HasSuffix(k, "backend") }

// shortLabel names a difference the way a configuration name would: "triton MoE".
func shortLabel(d engine.Mismatch) string {
	switch {
	case isMoEKey(d.Key):
		return d.Ran + " MoE"
	case strings.HasSuffix(d.Key, "attention_backend"):
		return d.Ran + " attention"
	case d.Key == "tp_size" || d.Key == "tensor_parallel_size":
		return "TP" + d.Ran
	}
	return d.Key + "=" + d.Ran
}
