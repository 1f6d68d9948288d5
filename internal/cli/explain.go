package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/servesweep/servesweep/internal/plan"
)

// explain prints every pre-flight rule checked for one configuration.
func explain(env Env, cfgs []plan.Config, id string, asJSON bool) error {
	var cfg *plan.Config
	var ids []string
	for i := range cfgs {
		ids = append(ids, cfgs[i].ID)
		if cfgs[i].ID == id {
			cfg = &cfgs[i]
		}
	}
	if cfg == nil {
		return usagef("no configuration %q in this sweep: %s", id, closeIDs(id, ids))
	}
	if asJSON {
		return printJSON(env, cfg)
	}
	w := env.Stdout
	fmt.Fprintf(w, "%s  [%s]\n", cfg.ID, cfg.Verdict)
	fmt.Fprintf(w, "command: %s\n", strings.Join(cfg.Command, " "))
	if len(cfg.Checks) > 0 {
		fmt.Fprintf(w, "applied to: %s\n", cfg.Checks[0].AppliedTo)
	}
	if len(cfg.Checks) == 0 {
		fmt.Fprintln(w, "no pre-flight rules were checked (--no-preflight)")
	}
	for _, c := range cfg.Checks {
		fmt.Fprintf(w, "\n%-4s  %s\n", strings.ToUpper(c.Outcome), c.Rule)
		if c.Detail != "" {
			fmt.Fprintf(w, "      %s\n", c.Detail)
		}
		fmt.Fprintf(w, "      holds for: engine versions %s; architectures %s\n", c.Versions, c.Arch)
		fmt.Fprintf(w, "      source: %s\n", c.Source)
	}
	for k, v := range cfg.ExpectEffective {
		fmt.Fprintf(w, "\nexpected to run as: %s=%s (asked %s)\n", k, v, cfg.MoEBackend)
	}
	return nil
}

// closeIDs lists the ids sharing the longest prefix with id (all when none do).
func closeIDs(id string, ids []string) string {
	best, bestLen := []string{}, 0
	for _, c := range ids {
		n := 0
		for n < len(c) && n < len(id) && c[n] == id[n] {
			n++
		}
		switch {
		case n > bestLen:
			best, bestLen = []string{c}, n
		case n == bestLen:
			best = append(best, c)
		}
	}
	sort.Strings(best)
	if len(best) > 6 {
		best = append(best[:6], "…")
	}
	return "did you mean " + strings.Join(best, ", ") + "? (`servesweep plan FILE` lists them)"
}
