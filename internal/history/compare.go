package history

import (
	"fmt"
	"math"
	"sort"

	"github.com/servesweep/servesweep/internal/stats"
)

// Change is one configuration's change in one metric from run A to run B.
type Change struct {
	ConfigID    string     `json:"config_id"`
	Metric      string     `json:"metric"`
	A           float64    `json:"a"`
	B           float64    `json:"b"`
	ChangePct   float64    `json:"change_pct"` // (B − A) / A
	CIPct       [2]float64 `json:"ci_pct"`
	Significant bool       `json:"significant"`
	Regression  bool       `json:"regression"`
	N           [2]int     `json:"n"`
}

// Comparison is the JSON contract of `servesweep compare --json`.
type Comparison struct {
	RunA         string   `json:"run_a"`
	RunB         string   `json:"run_b"`
	ThresholdPct float64  `json:"threshold_pct"`
	Regressions  []Change `json:"regressions"`
	Changes      []Change `json:"changes"`
	OnlyInA      []string `json:"only_in_a"`
	OnlyInB      []string `json:"only_in_b"`
}

// metrics compared, and whether higher is better.
var metrics = []struct {
	name, column string
	higherBetter bool
}{
	{"itl_ms", "itl_ms", false},
	{"output_throughput", "output_throughput", true},
	{"ttft_s", "ttft_s", false},
}

// samples returns per-config per-repeat values of a metric: the geometric mean over cases.
func (d *DB) samples(run, column string) (map[string][]float64, error) {
	rows, err := d.db.Query(`SELECT config_id, repeat, exp(avg(ln(`+column+`))) FROM results
	  WHERE run_id = ? AND status = 'ok' AND `+column+` > 0 GROUP BY config_id, repeat ORDER BY config_id, repeat`, run)
	if err != nil {
		// SQLite without math functions: fall back to computing in Go.
		return d.samplesGo(run, column)
	}
	defer rows.Close()
	out := map[string][]float64{}
	for rows.Next() {
		var id string
		var rep int
		var v float64
		if err := rows.Scan(&id, &rep, &v); err != nil {
			return nil, err
		}
		out[id] = append(out[id], v)
	}
	return out, rows.Err()
}

func (d *DB) samplesGo(run, column string) (map[string][]float64, error) {
	rows, err := d.db.Query(`SELECT config_id, repeat, `+column+` FROM results WHERE run_id = ? AND status = 'ok' AND `+column+` > 0 ORDER BY config_id, repeat`, run)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		id  string
		rep int
	}
	logs := map[key][]float64{}
	var order []key
	for rows.Next() {
		var k key
		var v float64
		if err := rows.Scan(&k.id, &k.rep, &v); err != nil {
			return nil, err
		}
		if _, ok := logs[k]; !ok {
			order = append(order, k)
		}
		logs[k] = append(logs[k], math.Log(v))
	}
	out := map[string][]float64{}
	for _, k := range order {
		s := 0.0
		for _, l := range logs[k] {
			s += l
		}
		out[k.id] = append(out[k.id], math.Exp(s/float64(len(logs[k]))))
	}
	return out, rows.Err()
}

// HasRun reports whether run is recorded.
func (d *DB) HasRun(run string) bool {
	var n int
	d.db.QueryRow(`SELECT count(*) FROM runs WHERE run_id = ?`, run).Scan(&n)
	return n > 0
}

// Compare compares run B against run A. A change is significant when its 95%
// interval excludes zero (two or more repeats each) or, with single runs, when
// it exceeds the threshold; a regression is a significant change for the worse
// larger than the threshold.
func (d *DB) Compare(a, b string, thresholdPct float64) (*Comparison, error) {
	for _, r := range []string{a, b} {
		if !d.HasRun(r) {
			return nil, fmt.Errorf("run %s is not in the history database (servesweep history lists runs)", r)
		}
	}
	c := &Comparison{RunA: a, RunB: b, ThresholdPct: thresholdPct, Regressions: []Change{}, Changes: []Change{}, OnlyInA: []string{}, OnlyInB: []string{}}
	seenA, seenB := map[string]bool{}, map[string]bool{}
	for _, m := range metrics {
		sa, err := d.samples(a, m.column)
		if err != nil {
			return nil, err
		}
		sb, err := d.samples(b, m.column)
		if err != nil {
			return nil, err
		}
		var ids []string
		for id := range sa {
			seenA[id] = true
			if _, ok := sb[id]; ok {
				ids = append(ids, id)
			}
		}
		for id := range sb {
			seenB[id] = true
		}
		sort.Strings(ids)
		for _, id := range ids {
			x, y := stats.Summarize(sa[id]), stats.Summarize(sb[id])
			ch := Change{ConfigID: id, Metric: m.name, A: x.Mean, B: y.Mean, N: [2]int{x.N, y.N}}
			diff, ci, ok := stats.WelchDiff(y, x)
			ch.ChangePct = 100 * diff / x.Mean
			ch.CIPct = [2]float64{100 * ci[0] / x.Mean, 100 * ci[1] / x.Mean}
			if ok {
				ch.Significant = stats.Significant(y, x) // the report's test too (Welch)
			} else {
				ch.Significant = math.Abs(ch.ChangePct) > thresholdPct
			}
			worse := ch.ChangePct > thresholdPct
			if m.higherBetter {
				worse = ch.ChangePct < -thresholdPct
			}
			ch.Regression = ch.Significant && worse
			c.Changes = append(c.Changes, ch)
			if ch.Regression {
				c.Regressions = append(c.Regressions, ch)
			}
		}
	}
	for id := range seenA {
		if !seenB[id] {
			c.OnlyInA = append(c.OnlyInA, id)
		}
	}
	for id := range seenB {
		if !seenA[id] {
			c.OnlyInB = append(c.OnlyInB, id)
		}
	}
	sort.Strings(c.OnlyInA)
	sort.Strings(c.OnlyInB)
	return c, nil
}
