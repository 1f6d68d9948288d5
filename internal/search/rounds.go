package search

import (
	"fmt"
	"math"
	"sort"
)

// halving is successive halving: probe every candidate at a short output
// length and one repeat, keep the best 1/Eta (and any within Noise of the
// cut), double the output length, and so on until Finalists remain; they get
// the full cases and repeats.
func (s *state) halving(hourPrice float64) error {
	alive, err := s.order(hourPrice)
	if err != nil {
		return err
	}
	fullLen := 2
	for _, i := range alive {
		for _, c := range s.cfgs[i].Cases {
			fullLen = max(fullLen, c.OutputLen)
		}
	}
	probeLen := max(2, fullLen/8)
	for round := 1; len(alive) > s.o.Finalists; round++ {
		if s.env.Stopped != nil && s.env.Stopped() {
			return nil
		}
		scores, err := s.probeRound(round, alive, probeLen)
		if err != nil {
			return err
		}
		if alive, err = s.cut(round, alive, scores); err != nil {
			return err
		}
		probeLen = min(fullLen/2, probeLen*2)
	}
	return s.full(len(alive), alive)
}

// probeRound probes each candidate once; failed or unaffordable ones score +Inf.
func (s *state) probeRound(round int, alive []int, probeLen int) (map[int]float64, error) {
	scores := map[int]float64{}
	for _, i := range alive {
		scores[i] = math.Inf(1)
		if s.env.Stopped != nil && s.env.Stopped() {
			continue
		}
		if ok, _ := s.budgetLeft(i); !ok {
			continue
		}
		out := s.env.Probe(i, probeLen)
		s.spend(i, out)
		if out.OK {
			scores[i] = out.Score
		}
		sc := out.Score
		s.log(round, i, "probe", fmt.Sprintf("probe: output length %d, one repeat%s", probeLen, errSuffix(out)), &sc)
	}
	return scores, nil
}

// cut keeps the best ceil(n/Eta) (at least Finalists) and those within
// Noise of the last one kept (at most half), and skips the rest.
func (s *state) cut(round int, alive []int, scores map[int]float64) ([]int, error) {
	ranked := append([]int(nil), alive...)
	sort.SliceStable(ranked, func(a, b int) bool { return scores[ranked[a]] < scores[ranked[b]] })
	keep := max(s.o.Finalists, (len(ranked)+s.o.Eta-1)/s.o.Eta)
	cutScore := scores[ranked[min(keep, len(ranked))-1]]
	for keep < len(ranked) && keep < (len(ranked)+1)/2 && within(scores[ranked[keep]], cutScore, s.o.Noise) {
		keep++
	}
	keep = min(keep, len(ranked))
	for r, i := range ranked {
		sc := scores[i]
		if r < keep {
			s.log(round, i, "keep", fmt.Sprintf("ranked %d of %d", r+1, len(ranked)), &sc)
			continue
		}
		why := fmt.Sprintf("halving round %d dropped it: probe ranked %d of %d (score %.4g, the cut at %.4g)", round, r+1, len(ranked), sc, cutScore)
		if math.IsInf(sc, 1) {
			why = fmt.Sprintf("halving round %d: its probe measured nothing or was not launched (budget)", round)
		}
		if ok, reason := s.budgetLeft(i); !ok && math.IsInf(sc, 1) {
			why = reason
		}
		if err := s.skip(round, i, why); err != nil {
			return nil, err
		}
	}
	return ranked[:keep], nil
}

func within(a, b, noise float64) bool {
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return false
	}
	return math.Abs(a-b) <= noise*math.Abs(b)
}
