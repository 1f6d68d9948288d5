package testmodel

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// GGUF value types (ggml/include/gguf.h).
const (
	ggufUint32  = 4
	ggufInt32   = 5
	ggufFloat32 = 6
	ggufBool    = 7
	ggufString  = 8
	ggufArray   = 9
)

// ggml tensor types.
const (
	ggmlF32 = 0
	ggmlF16 = 1
)

const ggufAlignment = 32

type kv struct {
	key string
	val any // uint32, int32, float32, bool, string, []string, []int32
}

// gtensor is a GGUF tensor: dims in ggml order (ne0 fastest), data row-major.
type gtensor struct {
	name string
	dims []uint64
	typ  uint32
	data []float32
	lz   *lazy // random values written as the file is, instead of data
}

func (t gtensor) size() uint64 {
	n := uint64(len(t.data))
	if t.lz != nil {
		n = uint64(t.lz.rows) * uint64(t.lz.cols)
	}
	return n * uint64(bytesOf(int(t.typ)))
}

func writeGGUFString(w io.Writer, s string) {
	binary.Write(w, binary.LittleEndian, uint64(len(s)))
	io.WriteString(w, s)
}

func writeKV(w io.Writer, k kv) error {
	writeGGUFString(w, k.key)
	le := binary.LittleEndian
	switch v := k.val.(type) {
	case uint32:
		binary.Write(w, le, uint32(ggufUint32))
		binary.Write(w, le, v)
	case int32:
		binary.Write(w, le, uint32(ggufInt32))
		binary.Write(w, le, v)
	case float32:
		binary.Write(w, le, uint32(ggufFloat32))
		binary.Write(w, le, v)
	case bool:
		binary.Write(w, le, uint32(ggufBool))
		b := uint8(0)
		if v {
			b = 1
		}
		binary.Write(w, le, b)
	case string:
		binary.Write(w, le, uint32(ggufString))
		writeGGUFString(w, v)
	case []string:
		binary.Write(w, le, uint32(ggufArray))
		binary.Write(w, le, uint32(ggufString))
		binary.Write(w, le, uint64(len(v)))
		for _, s := range v {
			writeGGUFString(w, s)
		}
	case []int32:
		binary.Write(w, le, uint32(ggufArray))
		binary.Write(w, le, uint32(ggufInt32))
		binary.Write(w, le, uint64(len(v)))
		binary.Write(w, le, v)
	default:
		return fmt.Errorf("gguf: unsupported value type %T for %s", v, k.key)
	}
	return nil
}

// writeGGUF writes a GGUF v3 file.
func writeGGUF(path string, kvs []kv, ts []gtensor) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cw := &countWriter{w: bufio.NewWriter(f)}
	le := binary.LittleEndian
	io.WriteString(cw, "GGUF")
	binary.Write(cw, le, uint32(3))
	binary.Write(cw, le, uint64(len(ts)))
	binary.Write(cw, le, uint64(len(kvs)))
	for _, k := range kvs {
		if err := writeKV(cw, k); err != nil {
			return err
		}
	}
	var off uint64
	for _, t := range ts {
		writeGGUFString(cw, t.name)
		binary.Write(cw, le, uint32(len(t.dims)))
		for _, d := range t.dims {
			binary.Write(cw, le, d)
		}
		binary.Write(cw, le, t.typ)
		binary.Write(cw, le, off)
		off += align(t.size())
	}
	pad(cw)
	for _, t := range ts {
		if t.lz != nil {
			if err := t.lz.write(cw, int(t.typ)); err != nil {
				return err
			}
		}
		for _, v := range t.data {
			if t.typ == ggmlF16 {
				binary.Write(cw, le, f32ToF16(v))
			} else {
				binary.Write(cw, le, v)
			}
		}
		pad(cw)
	}
	if err := cw.w.(*bufio.Writer).Flush(); err != nil {
		return err
	}
	return f.Close()
}

func align(n uint64) uint64 { return (n + ggufAlignment - 1) / ggufAlignment * ggufAlignment }

func pad(cw *countWriter) {
	for cw.n%ggufAlignment != 0 {
		cw.Write([]byte{0})
	}
}

type countWriter struct {
	w io.Writer
	n uint64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += uint64(n)
	return n, err
}
