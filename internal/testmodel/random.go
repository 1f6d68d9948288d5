package testmodel

import (
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
)

// poolSize is the number of N(0,1) draws every random matrix is cut from.
const poolSize = 1 << 20

// gen writes random matrices without holding them: each row is a window of a
// pool of normal draws at a random offset, encoded once per dtype and scale,
// so a model of billions of parameters streams to disk at disk speed and in
// a few MB of memory. Speed depends on shapes, not values (see the package
// comment); the windows are as good as fresh draws for what the values do
// here (noise that stays far from the EOS margin, see eos.go).
type gen struct {
	rng  *rand.Rand
	pool []float64
	enc  map[encKey][]byte
}

type encKey struct {
	dtype int // ggmlF32, ggmlF16 or bf16
	std   float64
}

// bf16 is the safetensors dtype (not a GGUF type number).
const bf16 = -1

func newGen(rng *rand.Rand) *gen {
	g := &gen{rng: rng, pool: make([]float64, poolSize), enc: map[encKey][]byte{}}
	for i := range g.pool {
		g.pool[i] = rng.NormFloat64()
	}
	return g
}

// lazy is a rows×cols N(0, std²) matrix, written row by row when the file is.
type lazy struct {
	g          *gen
	rows, cols int
	std        float64
}

func (g *gen) mat(rows, cols int, std float64) *lazy {
	return &lazy{g: g, rows: rows, cols: cols, std: std}
}

func bytesOf(dtype int) int {
	if dtype == ggmlF32 {
		return 4
	}
	return 2
}

// encoded is the pool scaled by std in dtype's little-endian bytes.
func (g *gen) encoded(dtype int, std float64) []byte {
	k := encKey{dtype, std}
	if b, ok := g.enc[k]; ok {
		return b
	}
	bs := bytesOf(dtype)
	b := make([]byte, len(g.pool)*bs)
	for i, v := range g.pool {
		f := float32(v * std)
		switch dtype {
		case ggmlF32:
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
		case ggmlF16:
			binary.LittleEndian.PutUint16(b[2*i:], f32ToF16(f))
		default:
			binary.LittleEndian.PutUint16(b[2*i:], f32ToBF16(f))
		}
	}
	g.enc[k] = b
	return b
}

// write streams the matrix in dtype.
func (l *lazy) write(w io.Writer, dtype int) error {
	enc, bs := l.g.encoded(dtype, l.std), bytesOf(dtype)
	for r := 0; r < l.rows; r++ {
		for left := l.cols; left > 0; {
			n := min(left, poolSize)
			off := l.g.rng.IntN(poolSize - n + 1)
			if _, err := w.Write(enc[off*bs : (off+n)*bs]); err != nil {
				return err
			}
			left -= n
		}
	}
	return nil
}

// residual is the scale of a residual branch's output projection with fanIn
// inputs. Tiny and small models keep ResidualScale; wider and deeper models
// shrink it so that the noise all branches add to the residual stream stays
// as small as a tiny model's (it grows with √fanIn, with √hidden through the
// normalised activations, and with √layers), and greedy decoding still
// follows the output cycle.
func (s Shape) residual(fanIn int) float64 {
	if s.Hidden <= 256 {
		return ResidualScale
	}
	return ResidualScale * math.Sqrt(128/float64(fanIn)) * math.Sqrt(128/float64(s.Hidden)) / math.Sqrt(float64(s.Layers)/2)
}
