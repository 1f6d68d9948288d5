package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/servesweep/servesweep/internal/plan"
)

// addSpeculative compares every speculative configuration with its twin, per
// length pair, over batch sizes and over serving-load concurrency.
func (r *Report) addSpeculative() {
	byID := map[string]ConfigReport{}
	pcs := make([]plan.Config, len(r.Configs))
	for i, c := range r.Configs {
		byID[c.ID], pcs[i] = c, c.Config
	}
	twins, algos := SpecTwins(pcs)
	r.Speculative = nil
	load := r.loadPoints()
	for _, spec := range r.Configs { // in the report's order
		tid, ok := twins[spec.ID]
		if !ok {
			continue
		}
		twin := byID[tid]
		base := SpecComparison{ConfigID: spec.ID, Twin: tid, Algorithm: algos[spec.ID], AcceptLength: meanAcc(spec)}
		sb, tb := batchPoints(spec), batchPoints(twin)
		for _, shape := range sortedShapes(sb) {
			r.addComparison(base, "batch size", shape, sb[shape], tb[shape], spec)
		}
		for _, shape := range sortedShapes(load[spec.ID]) {
			r.addComparison(base, "concurrency", shape, load[spec.ID][shape], load[tid][shape], spec)
		}
	}
}

func (r *Report) addComparison(base SpecComparison, level string, shape [2]int, spec, twin []LoadPoint, c ConfigReport) {
	if len(twin) == 0 {
		return
	}
	cmp := base
	cmp.Level, cmp.InputLen, cmp.OutputLen = level, shape[0], shape[1]
	cmp.SpecCrossover = Crossover(spec, twin)
	if len(cmp.Levels) == 0 {
		return
	}
	if cap, err := strconv.Atoi(c.ExpectEffective["max_running_requests"]); err == nil && cmp.Levels[len(cmp.Levels)-1].Concurrency > cap {
		cmp.Note = fmt.Sprintf("the server runs at most %d requests at once with speculation (pre-flight: max_running_requests %d); higher levels queue", cap, cap)
	}
	r.Speculative = append(r.Speculative, cmp)
}

// loadPoints are the serving-load results as points per configuration and
// length pair (closed-loop concurrency levels).
func (r *Report) loadPoints() map[string]map[[2]int][]LoadPoint {
	out := map[string]map[[2]int][]LoadPoint{}
	for _, l := range r.Load {
		if l.Profile.Concurrency <= 0 || l.OutputThroughput <= 0 {
			continue
		}
		if out[l.ConfigID] == nil {
			out[l.ConfigID] = map[[2]int][]LoadPoint{}
		}
		k := [2]int{l.InputLen, l.OutputLen}
		out[l.ConfigID][k] = append(out[l.ConfigID][k], LoadPoint{ConfigID: l.ConfigID, Concurrency: l.Profile.Concurrency, OutputTokS: l.OutputThroughput, TPOTMs: l.TPOTMs.P50})
	}
	return out
}

func sortedShapes(m map[[2]int][]LoadPoint) [][2]int {
	var out [][2]int
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] || out[i][0] == out[j][0] && out[i][1] < out[j][1] })
	return out
}

// meanAcc is the mean accept length of c's passed cases (nil: none reported).
func meanAcc(c ConfigReport) *float64 {
	s, n := 0.0, 0
	for _, x := range c.Rows {
		if x.AccLength != nil && *x.AccLength > 0 {
			s += *x.AccLength
			n++
		}
	}
	if n == 0 {
		return nil
	}
	m := s / float64(n)
	return &m
}

// speculativeMarkdown is the report's "Speculative decoding" section.
func (r *Report) speculativeMarkdown(b *strings.Builder) {
	if len(r.Speculative) == 0 {
		return
	}
	b.WriteString("### Speculative decoding: does it still pay?\n\n")
	b.WriteString("Each speculative configuration against its twin without speculation (every other flag equal), output throughput at each load level; it loses past the crossover.\n\n")
	for _, s := range r.Speculative {
		acc := "no accept length reported"
		if s.AcceptLength != nil {
			acc = fmt.Sprintf("accept length %.2f", *s.AcceptLength)
		}
		fmt.Fprintf(b, "**%s** (%s, %s) vs **%s** — by %s, input %d / output %d\n\n", r.display(s.ConfigID), s.Algorithm, acc, r.display(s.Twin), s.Level, s.InputLen, s.OutputLen)
		fmt.Fprintf(b, "| %s | output tok/s | twin output tok/s | speedup | TPOT ms (spec / twin) | pays |\n| --- | --- | --- | --- | --- | --- |\n", s.Level)
		for _, l := range s.Levels {
			pays := "no"
			if l.Pays {
				pays = "yes"
			}
			fmt.Fprintf(b, "| %d | %.2f | %.2f | %.2f× | %.2f / %.2f | %s |\n", l.Concurrency, l.Spec, l.Twin, l.Speedup, l.SpecTPOTMs, l.TwinTPOTMs, pays)
		}
		fmt.Fprintf(b, "\nSpeculation %s.", s.Verdict)
		if s.Note != "" {
			b.WriteString(" Note: " + s.Note + ".")
		}
		b.WriteString("\n\n")
	}
}
