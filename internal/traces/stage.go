package traces

import (
	"sort"
)

// stageAnalysis computes one stage from the intervals inside it.
func stageAnalysis(stage string, ivs []interval, names []string, steps []window) StageAnalysis {
	sa := StageAnalysis{Stage: stage, Categories: map[string]float64{}, Events: len(ivs)}
	for _, c := range Categories {
		sa.Categories[c] = 0
	}
	if len(ivs) == 0 {
		return sa
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].start < ivs[j].start })
	all := union(ivs, func(interval) bool { return true })
	sa.BusyMs = length(all) / 1e6
	commCat := catIndex("communication")
	comm := union(ivs, func(v interval) bool { return v.cat == commCat })
	compute := union(ivs, func(v interval) bool { return v.cat != commCat })
	sa.ExposedCommMs = (length(comm) - length(intersect(comm, compute))) / 1e6
	type agg struct {
		ns    int64
		count int
	}
	byName := map[uint32]*agg{}
	for _, v := range ivs {
		sa.Categories[Categories[v.cat]] += float64(v.end-v.start) / 1e6
		a := byName[v.name]
		if a == nil {
			a = &agg{}
			byName[v.name] = a
		}
		a.ns += v.end - v.start
		a.count++
	}
	for id, a := range byName {
		sa.TopKernels = append(sa.TopKernels, Kernel{Name: names[id], Ms: float64(a.ns) / 1e6, Count: a.count})
	}
	sort.Slice(sa.TopKernels, func(i, j int) bool {
		if sa.TopKernels[i].Ms != sa.TopKernels[j].Ms {
			return sa.TopKernels[i].Ms > sa.TopKernels[j].Ms
		}
		return sa.TopKernels[i].Name < sa.TopKernels[j].Name
	})
	if len(sa.TopKernels) > 10 {
		sa.TopKernels = sa.TopKernels[:10]
	}
	var stepMs []float64
	if len(steps) > 0 {
		sa.StepsFrom = "annotations"
		for _, w := range steps {
			stepMs = append(stepMs, float64(w.end-w.start)/1e6)
		}
	} else {
		// No step ranges: split GPU activity at idle gaps longer than 1 ms
		// (none when every event has a zero or negative duration).
		sa.StepsFrom = "gpu activity"
		stepMs = gapSteps(all)
	}
	sa.Steps = len(stepMs)
	sa.StepMs = median(stepMs)
	return sa
}

func gapSteps(all []span) []float64 {
	if len(all) == 0 {
		return nil
	}
	var stepMs []float64
	segStart, segEnd := all[0].start, all[0].end
	for _, s := range all[1:] {
		if s.start-segEnd > 1e6 {
			stepMs = append(stepMs, float64(segEnd-segStart)/1e6)
			segStart = s.start
		}
		segEnd = s.end
	}
	return append(stepMs, float64(segEnd-segStart)/1e6)
}

func catIndex(c string) uint8 {
	for i, x := range Categories {
		if x == c {
			return uint8(i)
		}
	}
	return uint8(len(Categories) - 1)
}

type span struct{ start, end int64 }

// union merges the intervals (sorted by start) that keep selects.
func union(ivs []interval, keep func(interval) bool) []span {
	var out []span
	for _, v := range ivs {
		if !keep(v) || v.end <= v.start {
			continue
		}
		if n := len(out); n > 0 && v.start <= out[n-1].end {
			if v.end > out[n-1].end {
				out[n-1].end = v.end
			}
			continue
		}
		out = append(out, span{v.start, v.end})
	}
	return out
}

func length(s []span) float64 {
	var t int64
	for _, x := range s {
		t += x.end - x.start
	}
	return float64(t)
}

// intersect returns the overlap of two sorted, disjoint span lists.
func intersect(a, b []span) []span {
	var out []span
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		s, e := max(a[i].start, b[j].start), min(a[i].end, b[j].end)
		if s < e {
			out = append(out, span{s, e})
		}
		if a[i].end < b[j].end {
			i++
		} else {
			j++
		}
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64{}, v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
