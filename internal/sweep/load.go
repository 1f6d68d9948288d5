package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/hardware"
	"gopkg.in/yaml.v3"
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

var fileKeys = []string{"name", "engine", "engine_command", "gpu_label", "gpu_hour_price", "cpu_hour_price", "tp_sizes", "moe_backends",
	"batch_sizes", "input_lens", "output_lens", "profile", "profile_steps", "launch_timeout", "request_timeout",
	"stop_grace", "warmup", "server_params", "env", "models", "hardware", "model_configs", "repeats", "objective", "cost_budget", "schedule", "load", "slo", "executor", "slurm", "prompts"}

var modelKeys = []string{"path", "name", "is_moe", "extra_args", "tp_sizes", "moe_backends", "tp_args", "env"}

func (p *parser) file_(root *yaml.Node) (*File, error) {
	f := &File{
		GPUHourPrice: DefaultGPUHourPrice, CPUHourPrice: -1, LaunchTimeout: DefaultLaunchTimeout, RequestTimeout: DefaultRequestTimeout,
		StopGrace: DefaultStopGrace, ProfileSteps: DefaultProfileSteps, Warmup: true, Repeats: 1,
		BatchSizes: []int{1}, InputLens: []int{1024}, OutputLens: []int{16}, TPSizes: []int{1},
	}
	var modelsNode *yaml.Node
	err := p.fields(root, "the sweep file", fileKeys, func(key string, k, v *yaml.Node) error {
		var err error
		p.nodes[key] = v
		switch key {
		case "name":
			f.Name, err = p.str(v, key)
		case "engine":
			if f.Engine, err = p.str(v, key); err == nil && !slices.Contains(Engines, f.Engine) {
				err = p.errAt(v, "engine %q is not supported; use one of %s", f.Engine, strings.Join(Engines, ", "))
			}
		case "engine_command":
			if f.EngineCommand, err = p.strList(v, key); err == nil && len(f.EngineCommand) == 0 {
				err = p.errAt(v, "engine_command must not be empty (leave it out for the engine's default launcher)")
			}
		case "gpu_label":
			f.GPULabel, err = p.str(v, key)
		case "gpu_hour_price":
			if f.GPUHourPrice, err = p.float(v, key); err == nil && f.GPUHourPrice < 0 {
				err = p.errAt(v, "gpu_hour_price must be zero or more (USD per GPU-hour), got %v", f.GPUHourPrice)
			}
		case "cpu_hour_price":
			if f.CPUHourPrice, err = p.float(v, key); err == nil && f.CPUHourPrice < 0 {
				err = p.errAt(v, "cpu_hour_price must be zero or more (USD per hour of a configuration that uses no GPU), got %v", f.CPUHourPrice)
			}
		case "tp_sizes":
			f.TPSizes, err = p.positiveInts(v, key, false)
		case "moe_backends":
			f.MoEBackends, err = p.strList(v, key)
		case "batch_sizes":
			f.BatchSizes, err = p.positiveInts(v, key, false)
		case "input_lens":
			f.InputLens, err = p.positiveInts(v, key, false)
		case "output_lens":
			if f.OutputLens, err = p.positiveInts(v, key, false); err == nil {
				for i, o := range f.OutputLens {
					if o < 2 {
						err = p.errAt(v.Content[i], "output_lens values must be at least 2 (output throughput needs a decode step), got %d", o)
					}
				}
			}
		case "profile":
			f.Profile, err = p.bool(v, key)
		case "warmup":
			f.Warmup, err = p.bool(v, key)
		case "prompts":
			if f.Prompts, err = p.str(v, key); err == nil && f.Prompts != "text" && f.Prompts != "random-ids" {
				err = p.errAt(v, "prompts must be text (the model's own tokenizer over real text) or random-ids, got %q", f.Prompts)
			}
		case "profile_steps":
			f.ProfileSteps, err = p.positiveInt(v, key)
		case "launch_timeout":
			f.LaunchTimeout, err = p.duration(v, key)
		case "request_timeout":
			f.RequestTimeout, err = p.duration(v, key)
		case "stop_grace":
			f.StopGrace, err = p.duration(v, key)
		case "server_params":
			f.ServerParams, err = p.serverParams(v)
		case "env":
			f.Env, err = p.env(v, key)
		case "hardware":
			f.Hardware, err = p.hardware(v)
		case "executor":
			if f.Executor, err = p.str(v, key); err == nil && f.Executor != "local" && f.Executor != "slurm" {
				err = p.errAt(v, "executor must be local or slurm, got %q", f.Executor)
			}
		case "slurm":
			f.Slurm, err = p.slurm(v)
		case "load":
			f.Load, err = p.load(v)
		case "slo":
			f.SLO, err = p.slo(v)
		case "schedule":
			if f.Schedule, err = p.str(v, key); err == nil && f.Schedule != "exclusive" && f.Schedule != "packed" {
				err = p.errAt(v, "schedule must be exclusive (one configuration at a time) or packed (several at once on disjoint GPUs), got %q", f.Schedule)
			}
		case "repeats":
			f.Repeats, err = p.positiveInt(v, key)
		case "objective":
			if f.Objective, err = p.str(v, key); err == nil && !slices.Contains(Objectives, f.Objective) {
				err = p.errAt(v, "objective %q is not one of %s", f.Objective, strings.Join(Objectives, ", "))
			}
		case "cost_budget":
			if f.CostBudget, err = p.float(v, key); err == nil && f.CostBudget <= 0 {
				err = p.errAt(v, "cost_budget must be a positive USD amount per 1M output tokens")
			}
		case "model_configs":
			if v.Kind == yaml.ScalarNode {
				var d string
				d, err = p.str(v, key)
				f.ModelConfigs = []string{d}
			} else {
				f.ModelConfigs, err = p.strList(v, key)
			}
		case "models":
			modelsNode = v
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := p.checkCaseSize(f); err != nil {
		return nil, err
	}
	if f.Objective == "budget" && f.CostBudget == 0 {
		return nil, p.errAt(root, "objective: budget needs cost_budget (USD per 1M output tokens)")
	}
	if f.Engine == "" {
		return nil, p.errAt(root, "missing key \"engine\": say which engine serves the models (%s)", strings.Join(Engines, ", "))
	}
	if modelsNode == nil {
		return nil, p.errAt(root, "missing key \"models\": list at least one model (key: {path: org/name})")
	}
	if f.Models, err = p.models(modelsNode, f); err != nil {
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

func (p *parser) str(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errAt(n, "%s must be a string, got %s", key, kindName(n))
	}
	return n.Value, nil
}

func (p *parser) strList(n *yaml.Node, key string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errAt(n, "%s must be a list of strings, e.g. [a, b], got %s", key, kindName(n))
	}
	out := []string{}
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
			return nil, p.errAt(c, "%s must be a list of strings, got an item that is %s", key, kindName(c))
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func (p *parser) bool(n *yaml.Node, key string) (bool, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return false, p.errAt(n, "%s must be true or false, got %s", key, kindName(n))
	}
	return n.Value == "true" || n.Value == "True" || n.Value == "TRUE", nil
}

func (p *parser) float(n *yaml.Node, key string) (float64, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return v, p.checkFloat(n, key, v)
		}
	}
	return 0, p.errAt(n, "%s must be a number, got %s", key, kindName(n))
}

func (p *parser) positiveInt(n *yaml.Node, key string) (int, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.Atoi(n.Value); err == nil {
			if v < 1 {
				return 0, p.errAt(n, "%s must be at least 1, got %d", key, v)
			}
			return v, p.checkInt(n, key, v)
		} else if errors.Is(err, strconv.ErrRange) {
			return 0, p.errAt(n, "%s is far too large (%s)", key, n.Value)
		}
	}
	return 0, p.errAt(n, "%s must be a positive integer, got %s", key, kindName(n))
}

func (p *parser) positiveInts(n *yaml.Node, key string, allowEmpty bool) ([]int, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errAt(n, "%s must be a list of positive integers, e.g. [4, 8], got %s", key, kindName(n))
	}
	if len(n.Content) == 0 && !allowEmpty {
		return nil, p.errAt(n, "%s must not be empty", key)
	}
	var out []int
	for _, c := range n.Content {
		v, err := p.positiveInt(c, key+" item")
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, v) {
			return nil, p.errAt(c, "%s lists %d twice", key, v)
		}
		out = append(out, v)
	}
	return out, nil
}

func (p *parser) duration(n *yaml.Node, key string) (time.Duration, error) {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!int" {
			if v, err := strconv.Atoi(n.Value); err == nil && v > 0 {
				return p.secondsDuration(n, key, v)
			} else if errors.Is(err, strconv.ErrRange) {
				return 0, p.errAt(n, "%s is far too long (%s seconds)", key, n.Value)
			}
		}
		if d, err := time.ParseDuration(n.Value); err == nil && d > 0 {
			return d, p.checkDuration(n, key, d)
		}
	}
	return 0, p.errAt(n, "%s must be a positive duration such as 90s, 30m or 2h, got %s", key, kindName(n))
}

func validKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// closest returns the known key nearest to s by edit distance, if it is close.
func closest(s string, known []string) string {
	type cand struct {
		k string
		d int
	}
	var cs []cand
	for _, k := range known {
		cs = append(cs, cand{k, editDistance(s, k)})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	if len(cs) > 0 && cs[0].d <= max(2, len(s)/3) {
		return cs[0].k
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
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

func (p *parser) load(n *yaml.Node) ([]LoadProfile, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.errAt(n, "load must be a list of profiles such as {concurrency: 8, requests: 64} or {rate: 4, arrival: poisson, duration: 30s}")
	}
	var out []LoadProfile
	for _, item := range n.Content {
		var lp LoadProfile
		err := p.fields(item, "load profile", []string{"concurrency", "rate", "arrival", "requests", "duration"}, func(key string, k, v *yaml.Node) error {
			var err error
			switch key {
			case "concurrency":
				lp.Concurrency, err = p.positiveInt(v, key)
			case "rate":
				if lp.Rate, err = p.float(v, key); err == nil && lp.Rate <= 0 {
					err = p.errAt(v, "rate must be positive (requests per second)")
				}
			case "arrival":
				if lp.Arrival, err = p.str(v, key); err == nil && lp.Arrival != "poisson" && lp.Arrival != "constant" {
					err = p.errAt(v, "arrival must be poisson or constant, got %q", lp.Arrival)
				}
			case "requests":
				lp.Requests, err = p.positiveInt(v, key)
			case "duration":
				lp.Duration, err = p.duration(v, key)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if (lp.Concurrency > 0) == (lp.Rate > 0) {
			return nil, p.errAt(item, "a load profile needs exactly one of concurrency (closed loop) or rate (open loop)")
		}
		if lp.Arrival != "" && lp.Rate == 0 {
			return nil, p.errAt(item, "arrival applies to rate profiles only")
		}
		if lp.Rate > 0 && lp.Arrival == "" {
			lp.Arrival = "poisson"
		}
		if lp.Requests == 0 && lp.Duration == 0 {
			if lp.Concurrency > 0 {
				lp.Requests = 4 * lp.Concurrency
			} else {
				lp.Duration = 10 * time.Second
			}
		}
		out = append(out, lp)
	}
	return out, nil
}

func (p *parser) slo(n *yaml.Node) (*SLO, error) {
	s := &SLO{}
	err := p.fields(n, "slo", []string{"ttft_ms", "itl_ms"}, func(key string, k, v *yaml.Node) error {
		var err error
		var f float64
		if f, err = p.float(v, key); err == nil && f <= 0 {
			err = p.errAt(v, "%s must be positive", key)
		}
		if key == "ttft_ms" {
			s.TTFTMs = f
		} else {
			s.ITLMs = f
		}
		return err
	})
	return s, err
}

func (p *parser) slurm(n *yaml.Node) (*SlurmOptions, error) {
	o := &SlurmOptions{GRES: true, MaxJobs: 64}
	err := p.fields(n, "slurm", []string{"partition", "account", "time_limit", "gres", "max_jobs", "servesweep"}, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "partition":
			o.Partition, err = p.str(v, key)
		case "account":
			o.Account, err = p.str(v, key)
		case "time_limit":
			o.TimeLimit, err = p.str(v, key)
		case "gres":
			o.GRES, err = p.bool(v, key)
		case "max_jobs":
			o.MaxJobs, err = p.positiveInt(v, key)
		case "servesweep":
			o.Self, err = p.str(v, key)
		}
		return err
	})
	return o, err
}
