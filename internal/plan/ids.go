package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/servesweep/servesweep/internal/redact"
)

// uniqueIDs makes every configuration id unique and safe as a folder name.
// Sanitising maps several strings to one (server_params values a/b and a-b,
// é and è all become a-b or -), so an id whose sanitising lost characters
// gets a short hash of what it stood for: stable from run to run, whatever
// else the sweep holds. Ids still equal without regard to case (one folder on
// a case-insensitive file system) get a hash of the whole configuration.
func uniqueIDs(cfgs []Config) {
	for i := range cfgs {
		raw := cfgs[i].ModelKey + "--" + cfgs[i].Variant
		if cfgs[i].ID != raw {
			cfgs[i].ID += "-" + shortHash(raw)
		}
	}
	groups := map[string][]int{}
	for i, c := range cfgs {
		k := strings.ToLower(c.ID)
		groups[k] = append(groups[k], i)
	}
	for _, idx := range groups {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			cfgs[i].ID += "-" + shortHash(identity(cfgs[i]))
		}
	}
	seen := map[string]int{}
	for i := range cfgs {
		k := strings.ToLower(cfgs[i].ID)
		seen[k]++
		if n := seen[k]; n > 1 { // the same configuration twice: keep both, apart
			cfgs[i].ID += "-" + strconv.Itoa(n)
		}
	}
}

// identity is everything that makes a configuration what it is.
func identity(c Config) string {
	var b strings.Builder
	// Secrets stay out: a short hash of a short secret could be reversed.
	b.WriteString(c.ModelKey + "\x00" + c.Variant + "\x00" + strings.Join(redact.Args(c.Args), "\x00") + "\x00")
	env := redact.Env(c.Env)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		b.WriteString(k + "=" + env[k] + "\x00")
	}
	return b.String()
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:3])
}
