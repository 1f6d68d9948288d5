package testmodel

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// ggufElements reads a GGUF v3 file's tensor infos and sums their elements.
func ggufElements(t *testing.T, path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	le := binary.LittleEndian
	var hdr struct {
		Magic   [4]byte
		Version uint32
		NT, NKV uint64
	}
	binary.Read(f, le, &hdr)
	str := func() string {
		var n uint64
		binary.Read(f, le, &n)
		b := make([]byte, n)
		io.ReadFull(f, b)
		return string(b)
	}
	skip := func(typ uint32) {
		switch typ {
		case ggufUint32, ggufInt32, ggufFloat32:
			f.Seek(4, io.SeekCurrent)
		case ggufBool:
			f.Seek(1, io.SeekCurrent)
		case ggufString:
			str()
		default:
			t.Fatalf("unexpected kv type %d", typ)
		}
	}
	for i := uint64(0); i < hdr.NKV; i++ {
		str()
		var typ uint32
		binary.Read(f, le, &typ)
		if typ != ggufArray {
			skip(typ)
			continue
		}
		var et uint32
		var n uint64
		binary.Read(f, le, &et)
		binary.Read(f, le, &n)
		for j := uint64(0); j < n; j++ {
			skip(et)
		}
	}
	var total int64
	for i := uint64(0); i < hdr.NT; i++ {
		str()
		var nd uint32
		binary.Read(f, le, &nd)
		el := int64(1)
		for d := uint32(0); d < nd; d++ {
			var x uint64
			binary.Read(f, le, &x)
			el *= int64(x)
		}
		var typ uint32
		var off uint64
		binary.Read(f, le, &typ)
		binary.Read(f, le, &off)
		total += el
	}
	return total
}

func safetensorsElements(t *testing.T, path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b[:8])
	var header map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	var total int64
	for k, v := range header {
		if k == "__metadata__" {
			continue
		}
		var ti struct {
			Shape       []int64
			DataOffsets []int64 `json:"data_offsets"`
		}
		json.Unmarshal(v, &ti)
		el := int64(1)
		for _, d := range ti.Shape {
			el *= d
		}
		if ti.DataOffsets[1]-ti.DataOffsets[0] != 2*el {
			t.Fatalf("%s: %d bytes for %d elements", k, ti.DataOffsets[1]-ti.DataOffsets[0], el)
		}
		total += el
	}
	if int64(len(b)) != 8+int64(n)+2*total {
		t.Fatalf("file is %d bytes, header and data say %d", len(b), 8+int64(n)+2*total)
	}
	return total
}

// TestParamsCountWhatIsWritten: Params counts exactly the weights the writers
// write (the tiny and small files), so the GPU sizes' counts can be trusted.
func TestParamsCountWhatIsWritten(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []string{"tiny", "small"} {
		for _, arch := range Archs {
			p, err := Write(arch, size, filepath.Join(dir, arch+size), 7)
			if err != nil {
				t.Fatal(err)
			}
			var got int64
			if arch == "qwen3-moe" {
				got = ggufElements(t, p)
			} else {
				got = safetensorsElements(t, filepath.Join(p, "model.safetensors"))
			}
			s, _ := ShapeOf(arch, size)
			if total, active := s.Params(arch); total != got || active <= 0 || active > total {
				t.Fatalf("%s %s: Params %d (active %d), file holds %d", arch, size, total, active, got)
			}
		}
	}
}

// TestGPUSizes: medium ≈ 0.5 B and large 3–8 B parameters as MoE models, with
// head dimensions ggml-cuda's flash attention takes, and a residual scale
// that keeps the stream's noise no larger than a tiny model's.
func TestGPUSizes(t *testing.T) {
	for size, want := range map[string][2]float64{"medium": {0.4e9, 0.7e9}, "large": {3e9, 8e9}} {
		for _, arch := range []string{"qwen3-moe", "deepseek-v3"} {
			s, err := ShapeOf(arch, size)
			if err != nil {
				t.Fatal(err)
			}
			total, active := s.Params(arch)
			if float64(total) < want[0] || float64(total) > want[1] || active >= total/2 {
				t.Fatalf("%s %s: %d parameters, %d active", arch, size, total, active)
			}
			if arch == "qwen3-moe" && s.HeadDim != 64 && s.HeadDim != 128 {
				t.Fatalf("%s: head dim %d has no ggml-cuda flash-attention kernel", size, s.HeadDim)
			}
		}
	}
	tiny, _ := ShapeOf("qwen3-moe", "tiny")
	large, _ := ShapeOf("qwen3-moe", "large")
	noise := func(s Shape, fanIn int) float64 { // per-coordinate noise of all branches, up to a constant
		r := s.residual(fanIn)
		return r * r * float64(fanIn) * float64(s.Hidden) * float64(2*s.Layers)
	}
	if n, n0 := noise(large, large.Heads*large.HeadDim), noise(tiny, tiny.Heads*tiny.HeadDim); n > 1.01*n0 {
		t.Fatalf("large's residual noise %g exceeds tiny's %g", n, n0)
	}
}
