package workload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a problem at a position of the file holding the workload section.
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// keys lists the keys of each type; common keys first.
var (
	commonKeys = []string{"type", "seed", "input_len", "output_len", "shared_prefix"}
	typeKeys   = map[string][]string{
		Random:    nil,
		Dataset:   {"path", "format", "min_len", "max_input_len", "max_total_len"},
		MultiTurn: {"conversations", "turns", "path"},
		Trace:     {"path", "speed", "block_size"},
	}
	lengthKeys = []string{"dist", "mean", "std", "min", "max"}
)

type reader struct {
	file, dir string
}

func (r *reader) errAt(n *yaml.Node, format string, args ...any) *Error {
	e := &Error{File: r.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// Parse reads data as a YAML document whose root is a workload section
// (the sweep file's `workload:` value); name names it in errors, dir
// resolves relative paths. A test and fuzzing seam for FromNode.
func Parse(name string, data []byte, dir string) (*Spec, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Msg: "empty workload"}
		}
		return nil, &Error{File: name, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "empty workload"}
	}
	return FromNode(name, doc.Content[0], dir)
}

// FromNode reads a `workload:` mapping node of file (for error positions);
// paths are resolved against dir. Dataset and trace files are read and
// checked now, so a bad file fails at plan time.
func FromNode(file string, n *yaml.Node, dir string) (*Spec, error) {
	r := &reader{file: file, dir: dir}
	if n.Kind != yaml.MappingNode {
		return nil, r.errAt(n, "workload must be a mapping such as {type: dataset, path: prompts.jsonl}, got %s", kindName(n))
	}
	s := &Spec{Type: Random, Seed: DefaultSeed}
	typeNode := n
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Value == "type" {
			t, err := r.str(v, "type")
			if err != nil {
				return nil, err
			}
			if !slices.Contains(Types, t) {
				return nil, r.errAt(v, "workload type %q is not one of %s", t, strings.Join(Types, ", "))
			}
			s.Type, typeNode = t, v
		}
	}
	known := append(append([]string{}, commonKeys...), typeKeys[s.Type]...)
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] != nil {
			return nil, r.errAt(k, "key %q appears twice in workload", k.Value)
		}
		seen[k.Value] = v
		if !slices.Contains(known, k.Value) {
			return nil, r.unknownKey(k, s.Type, known)
		}
		if err := r.key(s, k.Value, v); err != nil {
			return nil, err
		}
	}
	if err := r.finish(s, n, typeNode, seen); err != nil {
		return nil, err
	}
	return s, nil
}

func (r *reader) unknownKey(k *yaml.Node, typ string, known []string) error {
	for t, keys := range typeKeys {
		if slices.Contains(keys, k.Value) {
			return r.errAt(k, "key %q applies to workload type %s, not %s", k.Value, t, typ)
		}
	}
	return r.errAt(k, "unknown key %q in workload (type %s); known keys: %s", k.Value, typ, strings.Join(known, ", "))
}

func (r *reader) key(s *Spec, key string, v *yaml.Node) (err error) {
	switch key {
	case "type":
	case "seed":
		var n int
		n, err = r.int(v, key, 0)
		s.Seed = uint64(n)
	case "input_len":
		s.InputLen, err = r.length(v, key, 1)
	case "output_len":
		s.OutputLen, err = r.length(v, key, 2)
	case "shared_prefix":
		s.SharedPrefix, err = r.int(v, key, 0)
	case "path":
		s.Path, err = r.str(v, key)
	case "format":
		if s.Format, err = r.str(v, key); err == nil && s.Format != ShareGPT && s.Format != Text {
			err = r.errAt(v, "format must be sharegpt (JSON or JSONL conversations) or text (passages separated by blank lines), got %q", s.Format)
		}
	case "min_len":
		s.MinLen, err = r.int(v, key, 1)
	case "max_input_len":
		s.MaxInputLen, err = r.int(v, key, 1)
	case "max_total_len":
		s.MaxTotalLen, err = r.int(v, key, 2)
	case "conversations":
		if s.Conversations, err = r.int(v, key, 1); err == nil && s.Conversations > 1<<20 {
			err = r.errAt(v, "conversations must be at most %d, got %d", 1<<20, s.Conversations)
		}
	case "turns":
		s.Turns, err = r.int(v, key, 1)
	case "speed":
		if s.Speed, err = r.float(v, key); err == nil && !(s.Speed > 0 && s.Speed < 1e6) {
			err = r.errAt(v, "speed must be a positive factor (2: twice the trace's pace), got %v", s.Speed)
		}
	case "block_size":
		s.BlockSize, err = r.int(v, key, 1)
	}
	return err
}

// finish checks what depends on several keys and reads the type's file.
func (r *reader) finish(s *Spec, n, typeNode *yaml.Node, seen map[string]*yaml.Node) error {
	switch s.Type {
	case Dataset:
		if s.Format == "" {
			s.Format = ShareGPT
			if strings.HasSuffix(strings.ToLower(s.Path), ".txt") {
				s.Format = Text
			}
		}
		if s.Format == Text && s.OutputLen == nil {
			return r.errAt(n, "a text dataset has no answers to take output lengths from: add output_len (a number or {dist: ...})")
		}
		if s.InputLen == nil {
			s.MinLen = orDefault(s.MinLen, DefaultMinLen)
			s.MaxInputLen = orDefault(s.MaxInputLen, DefaultMaxInputLen)
			s.MaxTotalLen = orDefault(s.MaxTotalLen, DefaultMaxTotalLen)
		} else if v := firstOf(seen, "min_len", "max_input_len", "max_total_len"); v != nil {
			return r.errAt(v, "min_len, max_input_len and max_total_len filter prompts taken as they are; with input_len every prompt is cut or repeated to its drawn length")
		}
	case MultiTurn:
		s.Conversations = orDefault(s.Conversations, DefaultConvs)
		if s.Path == "" {
			s.Turns = orDefault(s.Turns, DefaultTurns)
		} else if err := s.readFile(r.dir); err != nil {
			return r.errAt(seen["path"], "%v", err)
		}
	case Trace:
		if v := firstOf(seen, "input_len", "output_len"); v != nil {
			return r.errAt(v, "a trace carries each request's input and output lengths; remove this key")
		}
		s.BlockSize = orDefault(s.BlockSize, DefaultBlockSize)
		if s.Speed == 0 {
			s.Speed = 1
		}
	}
	if s.Type == Dataset || s.Type == Trace {
		if s.Path == "" {
			return r.errAt(typeNode, "workload type %s needs path: the %s file (relative to the sweep file)", s.Type, s.Type)
		}
		if err := s.readFile(r.dir); err != nil {
			return r.errAt(seen["path"], "%v", err)
		}
	}
	return nil
}

func firstOf(seen map[string]*yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if v := seen[k]; v != nil {
			return v
		}
	}
	return nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// length reads a fixed length or {dist, mean, std, min, max}; least is the
// smallest length allowed (1 for inputs, 2 for outputs: a decode step).
func (r *reader) length(n *yaml.Node, key string, least int) (*Length, error) {
	if n.Kind == yaml.ScalarNode {
		v, err := r.int(n, key, least)
		return &Length{Dist: Fixed, Mean: float64(v), Min: v, Max: v}, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, r.errAt(n, "%s must be a number or {dist: lognormal|uniform|normal, mean, std, min, max}, got %s", key, kindName(n))
	}
	l := &Length{}
	set := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(lengthKeys, k.Value) {
			return nil, r.errAt(k, "unknown key %q in %s; known keys: %s", k.Value, key, strings.Join(lengthKeys, ", "))
		}
		if set[k.Value] != nil {
			return nil, r.errAt(k, "key %q appears twice in %s", k.Value, key)
		}
		set[k.Value] = v
		var err error
		switch k.Value {
		case "dist":
			l.Dist, err = r.str(v, "dist")
		case "mean":
			l.Mean, err = r.float(v, "mean")
		case "std":
			l.Std, err = r.float(v, "std")
		case "min":
			l.Min, err = r.int(v, "min", least)
		case "max":
			l.Max, err = r.int(v, "max", least)
		}
		if err != nil {
			return nil, err
		}
	}
	return l, r.checkLength(n, key, l, set, least)
}

func (r *reader) checkLength(n *yaml.Node, key string, l *Length, set map[string]*yaml.Node, least int) error {
	need := map[string][]string{LogNormal: {"mean", "std"}, Normal: {"mean", "std"}, Uniform: {"min", "max"}}
	req, ok := need[l.Dist]
	if !ok {
		where := n
		if set["dist"] != nil {
			where = set["dist"]
		}
		return r.errAt(where, "%s.dist must be lognormal, uniform or normal, got %q", key, l.Dist)
	}
	for _, k := range req {
		if set[k] == nil {
			return r.errAt(n, "%s with dist %s needs %s", key, l.Dist, strings.Join(req, " and "))
		}
	}
	if l.Dist == Uniform {
		if v := firstOf(set, "mean", "std"); v != nil {
			return r.errAt(v, "%s: a uniform distribution is given by min and max only", key)
		}
	}
	if l.Min == 0 {
		l.Min = least
	}
	at := func(k string) *yaml.Node {
		if set[k] != nil {
			return set[k]
		}
		return n
	}
	switch {
	case l.Max > 0 && l.Min > l.Max:
		return r.errAt(at("min"), "%s: min %d is above max %d", key, l.Min, l.Max)
	case l.Dist != Uniform && (l.Mean <= 0 || math.IsInf(l.Mean, 0) || l.Mean > MaxLength):
		return r.errAt(at("mean"), "%s.mean must be a positive length, got %v", key, l.Mean)
	case l.Dist != Uniform && (l.Std < 0 || (l.Dist == LogNormal && l.Std == 0) || l.Std > MaxLength):
		return r.errAt(at("std"), "%s.std must be positive (zero allowed for normal), got %v", key, l.Std)
	case l.Dist != Uniform && (l.Mean < float64(l.Min) || l.Max > 0 && l.Mean > float64(l.Max)):
		return r.errAt(at("mean"), "%s.mean %v lies outside [min %d, max %d]", key, l.Mean, l.Min, l.Max)
	}
	if l.Dist == Uniform {
		l.Mean = float64(l.Min+l.Max) / 2
	}
	return nil
}

func (r *reader) str(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", r.errAt(n, "%s must be a string, got %s", key, kindName(n))
	}
	return n.Value, nil
}

// MaxLength bounds every length, prefix and count a workload may ask for.
const MaxLength = 1 << 24

func (r *reader) int(n *yaml.Node, key string, least int) (int, error) {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil {
		return 0, r.errAt(n, "%s must be an integer, got %s", key, kindName(n))
	}
	if v < least || v > MaxLength {
		return 0, r.errAt(n, "%s must be between %d and %d, got %d", key, least, MaxLength, v)
	}
	return v, nil
}

func (r *reader) float(n *yaml.Node, key string) (float64, error) {
	v, err := strconv.ParseFloat(n.Value, 64)
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || err != nil || math.IsNaN(v) {
		return 0, r.errAt(n, "%s must be a number, got %s", key, kindName(n))
	}
	return v, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}
