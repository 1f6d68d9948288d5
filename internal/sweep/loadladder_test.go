package sweep

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func parseLoad(t *testing.T, load string) (*File, error) {
	t.Helper()
	return Parse("s.yaml", []byte("engine: sim\n"+load+"\nmodels:\n  m: {path: a}\n"))
}

// TestLoadLadders: the contract's mapping form, rate ladders, the list form
// mixing ladders and single profiles, and the defaults of each rung.
func TestLoadLadders(t *testing.T) {
	f, err := parseLoad(t, "load: {concurrency: [1, 2, 4, 256]}")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Load) != 4 {
		t.Fatalf("want 4 rungs, got %+v", f.Load)
	}
	for i, c := range []int{1, 2, 4, 256} {
		lp := f.Load[i]
		if lp.Concurrency != c || lp.Requests != 4*c || lp.Ladder != 1 || lp.KeepClimbing || lp.Rate != 0 {
			t.Errorf("rung %d: %+v", i, lp)
		}
	}
	f, err = parseLoad(t, "load:\n  - {concurrency: 8, requests: 16}\n  - {rate: [0.5, 2], arrival: constant, duration: 5s, stop_at_saturation: false}\n  - {concurrency: [1, 2]}")
	if err != nil {
		t.Fatal(err)
	}
	want := []LoadProfile{
		{Concurrency: 8, Requests: 16},
		{Rate: 0.5, Arrival: "constant", Duration: 5 * time.Second, Ladder: 2, KeepClimbing: true},
		{Rate: 2, Arrival: "constant", Duration: 5 * time.Second, Ladder: 2, KeepClimbing: true},
		{Concurrency: 1, Requests: 4, Ladder: 3},
		{Concurrency: 2, Requests: 8, Ladder: 3},
	}
	if len(f.Load) != len(want) {
		t.Fatalf("got %+v", f.Load)
	}
	for i := range want {
		if f.Load[i] != want[i] {
			t.Errorf("profile %d: %+v, want %+v", i, f.Load[i], want[i])
		}
	}
	f, err = parseLoad(t, "load: {rate: 3}")
	if err != nil || len(f.Load) != 1 || f.Load[0] != (LoadProfile{Rate: 3, Arrival: "poisson", Duration: 10 * time.Second}) {
		t.Fatalf("a single profile as a mapping: %+v, %v", f.Load, err)
	}
}

// TestLoadLadderErrors: each bad ladder is one line at its position.
func TestLoadLadderErrors(t *testing.T) {
	for src, want := range map[string]string{
		"load: {concurrency: [1, 4, 2]}":                    "s.yaml:2:28: a concurrency ladder climbs: each value must be larger than the one before (2 after 4)",
		"load: {concurrency: []}":                           "s.yaml:2:21: the concurrency ladder is empty",
		"load: {rate: [1, -2]}":                             "s.yaml:2:18: rate must be positive",
		"load: {rate: [2, 2]}":                              "s.yaml:2:18: a rate ladder climbs",
		"load: {concurrency: [1, 2], rate: [1]}":            "s.yaml:2:7: a load profile needs exactly one of concurrency",
		"load: {concurrency: 4, stop_at_saturation: no}":    "s.yaml:2:44: stop_at_saturation must be true or false",
		"load: {concurrency: 4, stop_at_saturation: false}": "s.yaml:2:44: stop_at_saturation applies to ladders only",
		"load: {concurrency: [1, 2], arrival: poisson}":     "s.yaml:2:7: arrival applies to rate profiles only",
		"load: {concurrency: [1, 100000]}":                  "s.yaml:2:25: concurrency must be at most 65536",
		"load: 4":                                           "s.yaml:2:7: load must be a ladder such as {concurrency: [1, 2, 4, 8]}",
		"load: {concurency: [1]}":                           `s.yaml:2:8: unknown key "concurency" in load profile (did you mean "concurrency"?)`,
		"frontier: {target_tokens_per_s_per_user: 0}":       "s.yaml:2:42: target_tokens_per_s_per_user must be a positive number",
		"frontier: {target: 5}":                             `s.yaml:2:12: unknown key "target" in frontier`,
	} {
		_, err := parseLoad(t, src)
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s:\n got  %v\n want %s", src, err, want)
		}
	}
	long := "load: {concurrency: [" + strings.Repeat("1, ", MaxLadderRungs) + "1]}"
	if _, err := parseLoad(t, long); err == nil || !strings.Contains(err.Error(), "rungs, more than") {
		t.Errorf("a ladder of %d rungs: %v", MaxLadderRungs+1, err)
	}
}

func TestFrontierTarget(t *testing.T) {
	f, err := parseLoad(t, "frontier: {target_tokens_per_s_per_user: 12.5}")
	if err != nil || f.Frontier == nil || f.Frontier.TargetTokensPerSPerUser != 12.5 {
		t.Fatalf("%+v, %v", f.Frontier, err)
	}
}

// FuzzLoad fuzzes the load: and frontier: sections: any accepted ladder has
// rungs of one kind that climb, and every rung has a stopping rule.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{"{concurrency: [1, 2, 4]}", "[{rate: [0.5, 1], duration: 2s}, {concurrency: 3}]",
		"{rate: 1, arrival: constant}", "{concurrency: [1, 2], stop_at_saturation: false, requests: 3}"} {
		f.Add(s, 10.0)
	}
	f.Fuzz(func(t *testing.T, load string, target float64) {
		src := "engine: sim\nload: " + load + "\nfrontier: {target_tokens_per_s_per_user: " + strings.TrimSpace(strings.ReplaceAll(fmtFloat(target), "\n", "")) + "}\nmodels:\n  m: {path: a}\n"
		sf, err := Parse("f.yaml", []byte(src))
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(err.Error(), "not valid YAML") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if sf.Frontier == nil || !(sf.Frontier.TargetTokensPerSPerUser > 0) {
			t.Fatalf("accepted target %v", target)
		}
		for i, lp := range sf.Load {
			if (lp.Concurrency > 0) == (lp.Rate > 0) || (lp.Requests == 0 && lp.Duration == 0) {
				t.Fatalf("profile %d: %+v", i, lp)
			}
			if i > 0 && lp.Ladder != 0 && lp.Ladder == sf.Load[i-1].Ladder {
				prev := sf.Load[i-1]
				if lp.Concurrency <= prev.Concurrency && lp.Rate <= prev.Rate {
					t.Fatalf("ladder does not climb: %+v after %+v", lp, prev)
				}
			}
		}
	})
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
