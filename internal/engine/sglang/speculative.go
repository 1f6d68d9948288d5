package sglang

import (
	"strconv"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
)

// The spellings of SGLang's speculative flags: the ServerArgs field names with
// dashes, their aliases (arg_groups/fields/spec.py: --speculative-draft-model)
// and the argparse prefixes that older releases' parsers accepted and
// published launch lines use (--speculative-algo, --speculative-draft).
var (
	flagSpecAlgo   = []string{"--speculative-algorithm", "--speculative-algo"}
	flagSpecDraft  = []string{"--speculative-draft-model-path", "--speculative-draft-model", "--speculative-draft"}
	flagSpecSteps  = []string{"--speculative-num-steps"}
	flagSpecTopK   = []string{"--speculative-eagle-topk"}
	flagSpecNDraft = []string{"--speculative-num-draft-tokens"}
)

// NoSpeculation is servesweep's spelling of "no speculative algorithm" in a
// sweep file (`--speculative-algorithm: [none, EAGLE]`): the launch leaves the
// flag out, since SGLang releases with argparse choices refuse "none".
const NoSpeculation = "none"

// specArgs are the speculative-decoding flags of one SGLang launch.
type specArgs struct {
	algo      string // upper case, NEXTN kept; "" when none
	raw       string // as written ("" when absent)
	steps     int    // 0 when unset
	topk      int
	ndraft    int
	draftPath string
	adaptive  bool
}

func firstValue(args []string, flags []string) (string, bool) {
	for _, f := range flags {
		if v, ok := engine.FlagValue(args, f); ok {
			return v, true
		}
	}
	return "", false
}

func intValue(args []string, flags []string) int {
	v, ok := firstValue(args, flags)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1 // set but not a count: the rules say so
	}
	return n
}

// parseSpec reads the speculative flags of args.
func parseSpec(args []string) specArgs {
	var s specArgs
	if v, ok := firstValue(args, flagSpecAlgo); ok {
		s.raw = v
		if !strings.EqualFold(v, NoSpeculation) {
			s.algo = strings.ToUpper(v)
		}
	}
	s.draftPath, _ = firstValue(args, flagSpecDraft)
	s.steps, s.topk, s.ndraft = intValue(args, flagSpecSteps), intValue(args, flagSpecTopK), intValue(args, flagSpecNDraft)
	s.adaptive = engine.HasFlag(args, "--speculative-adaptive")
	return s
}

// eagleFamily: the algorithms SGLang's EAGLE path handles (NEXTN is EAGLE).
func (s specArgs) eagleFamily() bool {
	switch s.algo {
	case "EAGLE", "EAGLE3", "NEXTN", "STANDALONE":
		return true
	}
	return false
}

// tuned reports whether any of steps, topk or draft tokens is set.
func (s specArgs) tuned() bool { return s.steps != 0 || s.topk != 0 || s.ndraft != 0 }

// Speculation implements engine.Speculator: the --speculative-algorithm
// value (NEXTN as written), "" without one or with `none`.
func (Engine) Speculation(args []string) string { return parseSpec(args).algo }

// SpeculativeFlag implements engine.Speculator: every --speculative-* flag.
func (Engine) SpeculativeFlag(flag string) bool {
	return strings.HasPrefix(flag, "--speculative-") || strings.HasPrefix(flag, "speculative-")
}

// stripNoSpeculation leaves `--speculative-algorithm none` out of args.
func stripNoSpeculation(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		for _, f := range flagSpecAlgo {
			if a == f && i+1 < len(args) && strings.EqualFold(args[i+1], NoSpeculation) {
				a, i = "", i+1
				break
			}
			if strings.EqualFold(a, f+"="+NoSpeculation) {
				a = ""
				break
			}
		}
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}
