package testmodel

import (
	"math"
	"math/rand/v2"
)

// PrintableFirst and PrintableLast bound the printable ASCII ids prompts use.
const (
	PrintableFirst = 32
	PrintableLast  = 126
	printableCount = PrintableLast - PrintableFirst + 1
)

// ResidualScale shrinks residual-branch output projections so the final hidden
// state stays close to the current token's embedding.
const ResidualScale = 0.05

// outputCycle is the order greedy decoding walks: printable ids except space.
func outputCycle() []int {
	var c []int
	for id := PrintableFirst + 1; id <= PrintableLast; id++ {
		c = append(c, id)
	}
	return c
}

// Next is the token greedy decoding emits after token id (printable ids only).
func Next(id int) int {
	c := outputCycle()
	if id == PrintableFirst {
		return c[0]
	}
	return c[(id-PrintableFirst)%len(c)]
}

// embedding returns [Vocab][hidden]: printable ids one-hot (orthogonal),
// everything else small random values.
func embedding(hidden int, rng *rand.Rand) [][]float32 {
	e := make([][]float32, Vocab)
	for id := range e {
		e[id] = make([]float32, hidden)
		if id >= PrintableFirst && id <= PrintableLast {
			e[id][id-PrintableFirst] = 1
			continue
		}
		for j := range e[id] {
			e[id][j] = float32(rng.NormFloat64() * 0.01)
		}
	}
	return e
}

// lmHead returns [Vocab][hidden] output rows in ± pairs: for current token c
// (hidden ≈ its one-hot), the logit of Next(c) is +1, its partner's −1 and every
// other row's 0 — EOS's row is zero, so EOS never wins.
func lmHead(hidden int) [][]float32 {
	w := make([][]float32, Vocab)
	for i := range w {
		w[i] = make([]float32, hidden)
	}
	cycle := outputCycle()
	pairOf := map[int]int{} // target id -> index of its pair's "positive" member
	for j := 0; j+1 < len(cycle); j += 2 {
		pairOf[cycle[j]] = cycle[j]
		pairOf[cycle[j+1]] = cycle[j]
	}
	for c := PrintableFirst; c <= PrintableLast; c++ {
		t := Next(c)
		pos := pairOf[t]
		sign := float32(1)
		if t != pos {
			sign = -1
		}
		w[pos][c-PrintableFirst] += sign
	}
	for j := 0; j+1 < len(cycle); j += 2 {
		for k := range w[cycle[j]] {
			w[cycle[j+1]][k] = -w[cycle[j]][k]
		}
	}
	return w
}

func ones(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

func flatten(m [][]float32) []float32 {
	var out []float32
	for _, r := range m {
		out = append(out, r...)
	}
	return out
}

// f32ToBF16 rounds to nearest even.
func f32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	return uint16((b + 0x7FFF + (b>>16)&1) >> 16)
}

// f32ToF16 converts to IEEE half precision (round to nearest, no NaN inputs).
func f32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int((b>>23)&0xFF) - 127 + 15
	mant := b & 0x7FFFFF
	switch {
	case exp >= 31:
		return sign | 0x7C00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		h := uint16(mant >> shift)
		if (mant>>(shift-1))&1 == 1 {
			h++
		}
		return sign | h
	}
	h := sign | uint16(exp)<<10 | uint16(mant>>13)
	if mant&0x1000 != 0 {
		h++
	}
	return h
}
