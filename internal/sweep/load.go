package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/hardware"
	"go.yaml.in/yaml/v3"
)

// Defaults applied when a sweep file leaves a key out.
const (
	DefaultLaunchTimeout  = 2000 * time.Second
	DefaultRequestTimeout = 1800 * time.Second
	DefaultStopGrace      = 30 * time.Second
	DefaultProfileSteps   = 5
	DefaultGPUHourPrice   = 2.0
)

// Load reads and validates the sweep file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read sweep file: %w", err)
	}
	return Parse(path, data)
}

// Parse validates data as a sweep file; name is used in error messages.
func Parse(name string, data []byte) (*File, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Msg: "the file is empty; see examples/neurips-tp-moe.yaml for a complete sweep file"}
		}
		return nil, &Error{File: name, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	p := &parser{file: name, nodes: map[string]*yaml.Node{}}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "the file is empty; see examples/neurips-tp-moe.yaml"}
	}
	f, err := p.file_(doc.Content[0])
	if err != nil {
		return nil, err
	}
	f.Source = name
	for i, d := range f.ModelConfigs {
		if !filepath.IsAbs(d) {
			f.ModelConfigs[i] = filepath.Join(filepath.Dir(name), d)
		}
	}
	return f, nil
}

type parser struct {
	file  string
	nodes map[string]*yaml.Node // top-level values by key, for errors found later
	// modelsNode is the models: mapping, read after every other key.
	modelsNode *yaml.Node
}

// fields walks a mapping node, rejecting unknown and duplicate keys.
func (p *parser) fields(n *yaml.Node, what string, known []string, fn func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errAt(n, "%s must be a mapping, got %s", what, kindName(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if known != nil && !slices.Contains(known, k.Value) {
			hint := ""
			if s := closest(k.Value, known); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			return p.errAt(k, "unknown key %q in %s%s; known keys: %s", k.Value, what, hint, strings.Join(known, ", "))
		}
		if seen[k.Value] {
			return p.errAt(k, "key %q appears twice in %s", k.Value, what)
		}
		seen[k.Value] = true
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

var modelKeys = []string{"path", "name", "is_moe", "extra_args", "tp_sizes", "moe_backends", "tp_args", "env"}

func (p *parser) file_(root *yaml.Node) (*File, error) {
	f := &File{
		GPUHourPrice: DefaultGPUHourPrice, CPUHourPrice: -1, LaunchTimeout: DefaultLaunchTimeout, RequestTimeout: DefaultRequestTimeout,
		StopGrace: DefaultStopGrace, ProfileSteps: DefaultProfileSteps, Warmup: true, Repeats: 1,
		BatchSizes: []int{1}, InputLens: []int{1024}, OutputLens: []int{16}, TPSizes: []int{1},
	}
	byName := map[string]Key{}
	for _, k := range Keys {
		byName[k.Name] = k
	}
	err := p.fields(root, "the sweep file", keyNames(), func(key string, k, v *yaml.Node) error {
		p.nodes[key] = v
		return byName[key].read(p, f, v)
	})
	if err != nil {
		return nil, err
	}
	if err := p.checkCaseSize(f); err != nil {
		return nil, err
	}
	if err := p.checkWorkload(f); err != nil {
		return nil, err
	}
	if f.Objective == "budget" && f.CostBudget == 0 {
		return nil, p.errAt(root, "objective: budget needs cost_budget (USD per 1M output tokens)")
	}
	if f.Engine == "" {
		return nil, p.errAt(root, "missing key \"engine\": say which engine serves the models (%s)", strings.Join(Engines, ", "))
	}
	if p.modelsNode == nil {
		return nil, p.errAt(root, "missing key \"models\": list at least one model (key: {path: org/name})")
	}
	if f.Models, err = p.models(p.modelsNode, f); err != nil {
		return nil, err
	}
	return f, nil
}

func (p *parser) models(n *yaml.Node, f *File) ([]Model, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil, p.errAt(n, "models must be a non-empty mapping of model key to {path: ..., is_moe: ...}, got %s", kindName(n))
	}
	var out []Model
	err := p.fields(n, "models", nil, func(key string, k, v *yaml.Node) error {
		if !validKey(key) {
			return p.errAt(k, "model key %q may use only letters, digits, '.', '_' and '-'", key)
		}
		m, err := p.model(key, k, v, f)
		if err == nil {
			out = append(out, m)
		}
		return err
	})
	return out, err
}

func (p *parser) model(key string, kn, n *yaml.Node, f *File) (Model, error) {
	m := Model{Key: key}
	where := "model " + key
	var tpArgsNode *yaml.Node
	err := p.fields(n, where, modelKeys, func(k string, kk, v *yaml.Node) error {
		var err error
		switch k {
		case "path":
			m.Path, err = p.str(v, k)
		case "name":
			m.Name, err = p.str(v, k)
		case "is_moe":
			m.IsMoE, err = p.bool(v, k)
		case "extra_args":
			m.ExtraArgs, err = p.strList(v, k)
		case "tp_sizes":
			m.TPSizes, err = p.positiveInts(v, k, false)
		case "moe_backends":
			m.MoEBackends, err = p.strList(v, k)
			m.MoEBackendsSet = true
		case "tp_args":
			tpArgsNode = v
		case "env":
			m.Env, err = p.env(v, k)
		}
		return err
	})
	if err != nil {
		return m, err
	}
	if m.Path == "" {
		return m, p.errAt(kn, "model %s has no path: add path: <Hugging Face id or local directory>", key)
	}
	if tpArgsNode != nil {
		m.TPArgs = map[int][]string{}
		tps := f.EffectiveTPSizes(m)
		err = p.fields(tpArgsNode, where+" tp_args", nil, func(_ string, k, v *yaml.Node) error {
			tp, err := strconv.Atoi(k.Value)
			if err != nil || tp < 1 {
				return p.errAt(k, "tp_args keys must be TP sizes (positive integers), got %q", k.Value)
			}
			if !slices.Contains(tps, tp) {
				return p.errAt(k, "tp_args has TP %d, which is not among this model's tp_sizes %v", tp, tps)
			}
			args, err := p.strList(v, "tp_args")
			m.TPArgs[tp] = args
			return err
		})
	}
	return m, err
}

func (p *parser) serverParams(n *yaml.Node) ([]Param, error) {
	var out []Param
	err := p.fields(n, "server_params", nil, func(key string, k, v *yaml.Node) error {
		if !strings.HasPrefix(key, "-") && !IsEnvParam(key) {
			return p.errAt(k, "server_params keys are engine flags that start with '-' or environment variables in capitals, got %q (did you mean --%s?)", key, key)
		}
		vals, err := p.strList(v, key)
		if err != nil {
			return err
		}
		if len(vals) == 0 {
			return p.errAt(v, "server_params %s has no values; give at least one", key)
		}
		if err := p.distinctValues(v, key, vals); err != nil {
			return err
		}
		out = append(out, Param{Flag: key, Values: vals})
		return nil
	})
	return out, err
}

func (p *parser) hardware(n *yaml.Node) (*Hardware, error) {
	h := &Hardware{}
	keys := []string{"gpu", "gpus", "gpu_memory_gib", "compute_capability", "gpu_name"}
	err := p.fields(n, "hardware", keys, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "gpu":
			if h.GPU, err = p.str(v, key); err == nil {
				if _, lerr := hardware.Lookup(h.GPU); lerr != nil && !hasFigures(n) {
					err = p.errAt(v, "%v", lerr)
				}
			}
		case "gpus":
			h.GPUs, err = p.positiveInt(v, key)
		case "gpu_memory_gib":
			if h.GPUMemoryGiB, err = p.float(v, key); err == nil && (h.GPUMemoryGiB <= 0 || h.GPUMemoryGiB > 4096) {
				err = p.errAt(v, "gpu_memory_gib must be between 0 and 4096, got %v", h.GPUMemoryGiB)
			}
		case "compute_capability":
			if h.ComputeCapability, err = p.str(v, key); err == nil {
				if verr := hardware.ValidCompute(h.ComputeCapability); verr != nil {
					err = p.errAt(v, "%v", verr)
				}
			}
		case "gpu_name":
			h.GPUName, err = p.str(v, key)
		}
		return err
	})
	return h, err
}

// hasFigures reports whether a hardware: mapping describes its GPU by memory
// and compute capability (so an unknown gpu: name is allowed).
func hasFigures(n *yaml.Node) bool {
	found := 0
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; k == "gpu_memory_gib" || k == "compute_capability" {
			found++
		}
	}
	return found == 2
}

func (p *parser) env(n *yaml.Node, what string) (map[string]string, error) {
	out := map[string]string{}
	err := p.fields(n, what, nil, func(key string, k, v *yaml.Node) error {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return p.errAt(v, "%s.%s must be a string, got %s", what, key, kindName(v))
		}
		out[key] = v.Value
		return nil
	})
	return out, err
}

// IsEnvParam reports whether a server_params key names an environment variable
// (capitals, digits and underscores, e.g. OLLAMA_FLASH_ATTENTION) rather than a flag.
func IsEnvParam(key string) bool {
	if key == "" || key[0] < 'A' || key[0] > 'Z' {
		return false
	}
	for _, r := range key {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// Objectives a sweep file may choose for its recommendation.
var Objectives = []string{"itl", "output_throughput", "cost", "budget"}
