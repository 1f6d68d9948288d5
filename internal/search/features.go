package search

import (
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/servesweep/servesweep/internal/plan"
)

// space is the candidates' coordinates for the Gaussian process: one column
// per numeric dimension (TP and every server parameter whose values are all
// numbers, scaled to [0, 1], on a log scale when they are positive and span
// at least 4×) and a one-hot block per categorical dimension (model, MoE
// backend, the other server parameters), scaled so that two different
// categories are as far apart as the ends of a numeric range. Dimensions with
// one value among the candidates are left out.
type space struct {
	x      [][]float64 // candidate → coordinates
	groups [][]int     // columns of each dimension (a length scale each)
	names  []string    // each dimension's name
}

// dimension is one candidate attribute: its name and each candidate's value.
type dimension struct {
	name   string
	values []string
}

func dimensions(cfgs []plan.Config, idx []int) []dimension {
	get := func(name string, f func(c plan.Config) string) dimension {
		d := dimension{name: name}
		for _, i := range idx {
			d.values = append(d.values, f(cfgs[i]))
		}
		return d
	}
	dims := []dimension{
		get("tp", func(c plan.Config) string { return strconv.Itoa(c.TP) }),
		get("model", func(c plan.Config) string { return c.ModelKey }),
		get("moe_backend", func(c plan.Config) string { return c.MoEBackend }),
	}
	var keys []string
	for _, i := range idx {
		for k := range cfgs[i].Params {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		dims = append(dims, get(k, func(c plan.Config) string { return c.Params[k] }))
	}
	return dims
}

// newSpace encodes the candidates idx of cfgs.
func newSpace(cfgs []plan.Config, idx []int) *space {
	sp := &space{x: make([][]float64, len(idx))}
	for _, d := range dimensions(cfgs, idx) {
		distinct := slices.Compact(slices.Sorted(slices.Values(d.values)))
		if len(distinct) < 2 {
			continue
		}
		col := len(sp.x[0])
		if nums, ok := numbers(d.values); ok {
			sp.numeric(nums)
			sp.groups = append(sp.groups, []int{col})
		} else {
			sp.oneHot(d.values, distinct)
			g := make([]int, len(distinct))
			for j := range g {
				g[j] = col + j
			}
			sp.groups = append(sp.groups, g)
		}
		sp.names = append(sp.names, d.name)
	}
	return sp
}

// numbers parses every value as a number.
func numbers(vs []string) ([]float64, bool) {
	out := make([]float64, len(vs))
	for j, v := range vs {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		out[j] = f
	}
	return out, true
}

func (sp *space) numeric(v []float64) {
	lo, hi := slices.Min(v), slices.Max(v)
	if lo > 0 && hi/lo >= 4 {
		for j := range v {
			v[j] = math.Log(v[j])
		}
		lo, hi = math.Log(lo), math.Log(hi)
	}
	for j := range sp.x {
		sp.x[j] = append(sp.x[j], (v[j]-lo)/(hi-lo))
	}
}

func (sp *space) oneHot(vs, distinct []string) {
	for j := range sp.x {
		for _, c := range distinct {
			x := 0.0
			if vs[j] == c {
				x = math.Sqrt2 / 2 // two categories differ by 1 in distance
			}
			sp.x[j] = append(sp.x[j], x)
		}
	}
}
