package testmodel

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
)

// tensor is a named tensor in row-major order with PyTorch shape.
type tensor struct {
	name  string
	shape []int
	data  []float32
	lz    *lazy // random values written as the file is, instead of data
}

func (t tensor) elems() int {
	if t.lz != nil {
		return t.lz.rows * t.lz.cols
	}
	return len(t.data)
}

// writeSafetensors writes BF16 tensors: an 8-byte little-endian header length,
// the JSON header (dtype, shape, data_offsets relative to the data start) padded
// to 8 bytes, then the raw data.
func writeSafetensors(path string, ts []tensor) error {
	sort.Slice(ts, func(i, j int) bool { return ts[i].name < ts[j].name })
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	off := 0
	for _, t := range ts {
		n := t.elems() * 2
		header[t.name] = map[string]any{"dtype": "BF16", "shape": t.shape, "data_offsets": []int{off, off + n}}
		off += n
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(hb)%8 != 0 {
		hb = append(hb, ' ')
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	binary.Write(w, binary.LittleEndian, uint64(len(hb)))
	w.Write(hb)
	buf := make([]byte, 2)
	for _, t := range ts {
		if t.lz != nil {
			if err := t.lz.write(w, bf16); err != nil {
				return err
			}
		}
		for _, v := range t.data {
			binary.LittleEndian.PutUint16(buf, f32ToBF16(v))
			w.Write(buf)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func mat(name string, m [][]float32) tensor {
	return tensor{name: name, shape: []int{len(m), len(m[0])}, data: flatten(m)}
}

// rmat is a random rows×cols matrix written lazily.
func rmat(name string, l *lazy) tensor {
	return tensor{name: name, shape: []int{l.rows, l.cols}, lz: l}
}

func vec(name string, v []float32) tensor {
	return tensor{name: name, shape: []int{len(v)}, data: v}
}

// startHFModel writes config.json and the tokenizer of a Hugging Face directory
// and returns the tensors every architecture shares: the embedding, the final
// norm and the output head built so that EOS is unreachable.
func startHFModel(dir string, cfg map[string]any, s Shape, rng *rand.Rand) ([]tensor, error) {
	hidden := s.Hidden
	if err := writeJSON(filepath.Join(dir, "config.json"), cfg); err != nil {
		return nil, err
	}
	if err := writeTokenizer(dir); err != nil {
		return nil, err
	}
	return []tensor{mat("model.embed_tokens.weight", embedding(hidden, rng)), vec("model.norm.weight", ones(hidden)),
		mat("lm_head.weight", headFor(s))}, nil
}
