package testmodel

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestGreedyNeverEmitsEOSOrRepeats checks the construction: for every printable
// current token, the output row of Next(token) has the largest logit, EOS's logit
// is below it, and Next never returns the same token.
func TestGreedyNeverEmitsEOSOrRepeats(t *testing.T) {
	h := 128
	w := lmHead(h)
	for c := PrintableFirst; c <= PrintableLast; c++ {
		best, bestLogit := -1, float32(-1e9)
		for id := 0; id < Vocab; id++ {
			if l := w[id][c-PrintableFirst]; l > bestLogit {
				best, bestLogit = id, l
			}
		}
		if best != Next(c) || bestLogit <= 0 || w[EOSID][c-PrintableFirst] >= bestLogit {
			t.Fatalf("token %d: argmax %d (logit %v), want %d", c, best, bestLogit, Next(c))
		}
		if Next(c) == c {
			t.Fatalf("token %d repeats", c)
		}
	}
	seen := map[int]bool{}
	c := PrintableFirst + 1
	for i := 0; i < 94; i++ {
		if seen[c] {
			t.Fatalf("cycle shorter than 94: repeats %d after %d steps", c, i)
		}
		seen[c] = true
		c = Next(c)
	}
}

func TestFilesAreWellFormed(t *testing.T) {
	dir := t.TempDir()
	p, err := Write("deepseek-v3", "tiny", filepath.Join(dir, "ds"), 1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(p, "model.safetensors"))
	n := binary.LittleEndian.Uint64(b[:8])
	var header map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		t.Fatalf("safetensors header: %v", err)
	}
	var emb struct {
		Dtype       string
		Shape       []int
		DataOffsets []int `json:"data_offsets"`
	}
	json.Unmarshal(header["model.embed_tokens.weight"], &emb)
	if emb.Dtype != "BF16" || emb.Shape[0] != Vocab || emb.Shape[1] != 128 || emb.DataOffsets[1]-emb.DataOffsets[0] != Vocab*128*2 {
		t.Fatalf("embed_tokens %+v", emb)
	}
	var cfg map[string]any
	cb, _ := os.ReadFile(filepath.Join(p, "config.json"))
	json.Unmarshal(cb, &cfg)
	if cfg["architectures"].([]any)[0] != "DeepseekV3ForCausalLM" || cfg["rope_scaling"] == nil || cfg["q_lora_rank"].(float64) <= 0 {
		t.Fatalf("config %v", cfg)
	}
	g, err := Write("qwen3-moe", "tiny", filepath.Join(dir, "qw"), 1)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := os.ReadFile(g)
	if string(gb[:4]) != "GGUF" || binary.LittleEndian.Uint32(gb[4:8]) != 3 || binary.LittleEndian.Uint64(gb[8:16]) != 3+2*12 {
		t.Fatalf("gguf header % x", gb[:24])
	}
	if _, err := Write("gpt5", "tiny", dir, 1); err == nil {
		t.Fatal("unknown arch must fail")
	}
}

func TestHalfPrecision(t *testing.T) {
	cases := map[float32]uint16{0: 0, 1: 0x3C00, -2: 0xC000, 0.5: 0x3800, 65504: 0x7BFF, 1e-8: 0}
	for f, want := range cases {
		if got := f32ToF16(f); got != want {
			t.Fatalf("f16(%v) = %#x, want %#x", f, got, want)
		}
	}
	if f32ToBF16(1) != 0x3F80 || f32ToBF16(-2) != 0xC000 {
		t.Fatal("bf16")
	}
}
