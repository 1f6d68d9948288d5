package testmodel

import "fmt"

// Margins are the logit-margin variants Write takes: wide (the default: the
// greedy cycle's token wins by a whole logit unit times √hidden, so every
// quantization keeps it) and small (a runner-up token sits just below it, so
// quantization noise flips some greedy choices: the quality guard's test model).
var Margins = []string{"wide", "small"}

// SmallMargin is the step of the small-margin variant's runner-up deficits
// (see deficit): 2⁻⁷ of the winner's output weight, two bfloat16 steps below
// 1, so the reference's own bfloat16/float16 weights keep every order they
// are given. A quarter of the tokens get no deficit at all: a tie that the
// residual stream's small noise decides, and that quantization noise (the
// 8-bit output head a q8_0 or q4_K_M model gets, 4- to 8-bit layers) moves.
// Measured with Ollama v0.17.4 on tiny models (6 prompts × 32 tokens, see
// the README's quality guard section): f16 repeats itself across thread
// counts and context sizes; q8_0 and q4_K_M diverge from it within a few tokens.
const SmallMargin = 1.0 / 128

// MarginOf returns the margin of a named variant.
func MarginOf(name string) (float64, error) {
	switch name {
	case "", "wide":
		return 0, nil
	case "small":
		return SmallMargin, nil
	}
	return 0, fmt.Errorf("margin %q is not one of wide, small", name)
}

// WriteMargin is Write with a logit-margin variant (see Margins).
func WriteMargin(arch, size, margin, out string, seed uint64) (string, error) {
	s, err := ShapeOf(arch, size)
	if err != nil {
		return "", err
	}
	if s.Margin, err = MarginOf(margin); err != nil {
		return "", err
	}
	return write(arch, s, out, seed)
}

// Alt is the runner-up of the small-margin variant after token id: three
// steps ahead in the output cycle, so never id itself, never Next(id), and
// never the ± partner of Next(id)'s output row.
func Alt(id int) int {
	c := outputCycle()
	i := id - PrintableFirst - 1 // id's index in the cycle; -1 for space
	return c[(i+3+len(c))%len(c)]
}

// deficit is how far below the winner's weight the runner-up of token c is:
// Margin times 0…3 (c mod 4), so some choices are ties and others are not.
func (s Shape) deficit(c int) float64 {
	return s.Margin * float64(c%4)
}

// headFor is the output head of shape s: lmHead, plus, for the small-margin
// variant, the runner-up Alt(c) of every printable token c at weight
// 1 − deficit(c) (its ± partner row at the negative).
func headFor(s Shape) [][]float32 {
	w := lmHead(s.Hidden)
	if s.Margin <= 0 {
		return w
	}
	cycle := outputCycle()
	positive, partner := map[int]int{}, map[int]int{}
	for j := 0; j+1 < len(cycle); j += 2 {
		positive[cycle[j]], positive[cycle[j+1]] = cycle[j], cycle[j]
		partner[cycle[j]] = cycle[j+1]
	}
	for c := PrintableFirst; c <= PrintableLast; c++ {
		a := Alt(c)
		pos := positive[a]
		v := float32(1 - s.deficit(c))
		if a != pos {
			v = -v
		}
		w[pos][c-PrintableFirst] += v
		w[partner[pos]][c-PrintableFirst] -= v
	}
	return w
}
