// Package schedule packs server configurations onto a host's GPUs: each
// configuration needs some GPUs; several run at once on disjoint GPU sets,
// longest-expected-first, preferring NVLink-connected sets. The same algorithm
// estimates a sweep's makespan under each schedule.
package schedule

import (
	"sort"
	"strings"
	"sync"
)

// Pool hands out disjoint GPU sets.
type Pool struct {
	mu   sync.Mutex
	busy []bool
	// Topology is the link kind between GPU i and j (nvidia-smi topo -m), or nil.
	Topology [][]string
}

// NewPool returns a pool of n GPUs.
func NewPool(n int, topo [][]string) *Pool { return &Pool{busy: make([]bool, n), Topology: topo} }

// Size is the number of GPUs in the pool.
func (p *Pool) Size() int { return len(p.busy) }

// Acquire takes n free GPUs, or returns false. It prefers an aligned block
// (0–3, 4–7 for n = 4), then the free set whose members are most NVLink-linked.
func (p *Pool) Acquire(n int) ([]int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n <= 0 || n > len(p.busy) {
		return nil, false
	}
	var free []int
	for i, b := range p.busy {
		if !b {
			free = append(free, i)
		}
	}
	if len(free) < n {
		return nil, false
	}
	best := p.choose(free, n)
	for _, g := range best {
		p.busy[g] = true
	}
	return best, true
}

func (p *Pool) choose(free []int, n int) []int {
	type cand struct {
		set     []int
		aligned bool
	}
	var cands []cand
	add := func(set []int) {
		aligned := set[0]%n == 0
		for i := 1; i < len(set) && aligned; i++ {
			aligned = set[i] == set[0]+i
		}
		cands = append(cands, cand{append([]int{}, set...), aligned})
	}
	if len(free) <= 10 {
		// Every combination of n free GPUs (at most C(10,5) = 252).
		var rec func(start int, cur []int)
		rec = func(start int, cur []int) {
			if len(cur) == n {
				add(cur)
				return
			}
			for i := start; i < len(free); i++ {
				rec(i+1, append(cur, free[i]))
			}
		}
		rec(0, nil)
	} else {
		for i := 0; i+n <= len(free); i++ {
			add(free[i : i+n])
		}
	}
	// Most NVLink pairs first, then aligned blocks (0–3, 4–7), then lowest ids.
	sort.SliceStable(cands, func(i, j int) bool {
		si, sj := p.score(cands[i].set), p.score(cands[j].set)
		if si != sj {
			return si > sj
		}
		return cands[i].aligned && !cands[j].aligned
	})
	return cands[0].set
}

// score counts NVLink-connected pairs in a set.
func (p *Pool) score(set []int) int {
	s := 0
	for i := range set {
		for j := i + 1; j < len(set); j++ {
			a, b := set[i], set[j]
			if a < len(p.Topology) && b < len(p.Topology[a]) && strings.HasPrefix(p.Topology[a][b], "NV") {
				s++
			}
		}
	}
	return s
}

// Release returns GPUs to the pool.
func (p *Pool) Release(ids []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range ids {
		p.busy[g] = false
	}
}

// Item is one configuration to place.
type Item struct {
	ID       string
	GPUs     int
	Expected float64 // seconds
}

// Order sorts items longest-expected-first (ties: more GPUs first, then id).
func Order(items []Item) []Item {
	out := append([]Item{}, items...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Expected != out[j].Expected {
			return out[i].Expected > out[j].Expected
		}
		if out[i].GPUs != out[j].GPUs {
			return out[i].GPUs > out[j].GPUs
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Makespan simulates the sweep: exclusive runs items one after another;
// packed starts every waiting item that fits whenever GPUs free up.
func Makespan(items []Item, gpus int, packed bool) float64 {
	if !packed {
		t := 0.0
		for _, it := range items {
			t += it.Expected
		}
		return t
	}
	queue := Order(items)
	type running struct {
		end  float64
		gpus int
	}
	var run []running
	free, now := gpus, 0.0
	for len(queue) > 0 || len(run) > 0 {
		started := false
		for i := 0; i < len(queue); i++ {
			it := queue[i]
			if it.GPUs > gpus {
				queue = append(queue[:i], queue[i+1:]...) // can never run: skipped
				i--
				continue
			}
			if it.GPUs <= free {
				run = append(run, running{now + it.Expected, it.GPUs})
				free -= it.GPUs
				queue = append(queue[:i], queue[i+1:]...)
				i--
				started = true
			}
		}
		if len(run) == 0 {
			break
		}
		if started {
			continue
		}
		// Advance to the next completion.
		k := 0
		for i := range run {
			if run[i].end < run[k].end {
				k = i
			}
		}
		now = run[k].end
		free += run[k].gpus
		run = append(run[:k], run[k+1:]...)
	}
	return now
}
