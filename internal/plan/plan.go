// Package plan expands a sweep file into server configurations, each with the
// benchmark cases it runs. It is pure: no processes, no network.
package plan

import (
	"maps"
	"strconv"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/perfmodel"
	"github.com/servesweep/servesweep/internal/redact"
	"github.com/servesweep/servesweep/internal/sweep"
)

// Case is one benchmark case of a configuration (defined by package engine so
// engines can name cases without importing plan).
type Case = engine.Case

// Config is one server configuration: one launch of one engine with one set of flags.
type Config struct {
	ID         string            `json:"id"`
	ModelKey   string            `json:"model_key"`
	Model      string            `json:"model"`
	ModelName  string            `json:"model_name"`
	Variant    string            `json:"variant"`
	TP         int               `json:"tp"`
	MoEBackend string            `json:"moe_backend,omitempty"`
	GPUs       int               `json:"gpus"`
	Engine     string            `json:"engine"`
	Command    []string          `json:"command"`
	Env        map[string]string `json:"env"`
	Args       []string          `json:"args,omitempty"`
	Params     map[string]string `json:"server_params,omitempty"`
	Cases      []Case            `json:"cases"`
	// Verdict is the pre-flight verdict: ok, warn or skip (empty when not checked).
	Verdict string   `json:"verdict,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
	// Memory is the memory-fit estimate, when the model's config and GPU memory are known.
	Memory *MemoryFit `json:"memory,omitempty"`
	// ExpectEffective is what pre-flight predicts the engine will really run where
	// it differs from what the variant asks (e.g. moe_runner_backend: triton for a
	// silent fallback). The sim engine rehearses it in dry runs.
	ExpectEffective map[string]string `json:"expect_effective,omitempty"`
	// ExpectLog are the log lines the engine prints for that fallback.
	ExpectLog []string `json:"expect_log,omitempty"`
	// Checks are the pre-flight rules evaluated for this configuration (plan --explain).
	Checks []RuleCheck `json:"checks,omitempty"`
	// Perf is the configuration's performance model: its physics (device,
	// parallel layout, model bytes and FLOPs) and the efficiencies that turn
	// bounds into predictions. nil when the hardware or the model's
	// config.json is unknown.
	Perf *perfmodel.Model `json:"perf,omitempty"`

	// Files are written into the configuration's work directory before launch
	// (engine.LaunchFiles: name → content).
	Files map[string]string `json:"files,omitempty"`
}

// RuleCheck is one pre-flight rule as evaluated for one configuration.
type RuleCheck struct {
	Rule    string `json:"rule"`
	Outcome string `json:"outcome"` // pass | warn | skip | n/a
	Detail  string `json:"detail,omitempty"`
	// Versions and Arch say which engine versions and GPU architectures the
	// rule holds for; AppliedTo what it was evaluated against.
	Versions  string `json:"versions"`
	Arch      string `json:"arch"`
	AppliedTo string `json:"applied_to"`
	Source    string `json:"source"`
}

// MemoryFit estimates whether a configuration fits its GPUs.
type MemoryFit struct {
	Verdict          string  `json:"verdict"` // fits | tight | does not fit
	GPUMemoryGiB     float64 `json:"gpu_memory_gib"`
	MemFraction      float64 `json:"mem_fraction"`
	WeightsPerGPUGiB float64 `json:"weights_per_gpu_gib"`
	KVPoolGiB        float64 `json:"kv_pool_gib"`
	KVNeededGiB      float64 `json:"kv_needed_gib"`
	Detail           string  `json:"detail"`
}

// Verdicts of pre-flight checks.
const (
	VerdictOK   = "ok"
	VerdictWarn = "warn"
	VerdictSkip = "skip"
)

// Expand turns f into configurations in file order: model, TP size, MoE backend,
// then the server_params grid. self is the servesweep executable (for the sim engine).
func Expand(f *sweep.File, eng engine.Engine, self string) []Config {
	var cases []Case
	for _, bs := range f.BatchSizes {
		for _, il := range f.InputLens {
			for _, ol := range f.OutputLens {
				cases = append(cases, Case{BatchSize: bs, InputLen: il, OutputLen: ol})
			}
		}
	}
	grid := paramGrid(f.ServerParams)
	maxBatch := 0
	for _, c := range cases {
		maxBatch = max(maxBatch, c.BatchSize)
	}
	for _, l := range f.Load {
		maxBatch = max(maxBatch, l.Concurrency)
	}
	var out []Config
	for _, m := range f.Models {
		backends := f.EffectiveMoEBackends(m)
		if len(backends) == 0 {
			backends = []string{""}
		}
		for _, tp := range f.EffectiveTPSizes(m) {
			for _, be := range backends {
				for _, g := range grid {
					args := append([]string{}, m.ExtraArgs...)
					args = append(args, m.TPArgs[tp]...)
					args = append(args, g.args...)
					spec := engine.LaunchSpec{ModelPath: m.Path, TP: tp, MoEBackend: be, Args: args, Launcher: f.EngineCommand, EngineVersion: f.Resolved.EngineVersion, NoGPU: f.Resolved.NoGPU, Self: self, MaxBatch: maxBatch, Dense: !m.IsMoE, ProfileSteps: profileSteps(f)}
					argv, engEnv := eng.Command(spec)
					env := map[string]string{}
					maps.Copy(env, engEnv)
					maps.Copy(env, f.Env)
					maps.Copy(env, m.Env)
					maps.Copy(env, g.env)
					variant := VariantName(tp, be) + g.suffix
					if vp, ok := eng.(interface{ VariantPrefix(int, string) string }); ok {
						variant = strings.TrimPrefix(vp.VariantPrefix(tp, be)+g.suffix, "_")
						if variant == "" {
							variant = "default"
						}
					}
					out = append(out, Config{
						ID: ConfigID(m.Key, variant), ModelKey: m.Key, Model: m.Path, ModelName: m.DisplayName(),
						Variant: variant, TP: tp, MoEBackend: be, GPUs: eng.GPUs(spec), Engine: eng.Name(),
						Command: argv, Env: env, Files: launchFiles(eng, spec), Args: args, Params: g.values, Cases: cases,
					})
				}
			}
		}
	}
	uniqueIDs(out)
	return out
}

// profileSteps is the forward steps a profile records, 0 when the sweep does not profile.
func profileSteps(f *sweep.File) int {
	if !f.Profile {
		return 0
	}
	return max(1, f.ProfileSteps)
}

// launchFiles are the files the engine needs written before launch (nil for most).
func launchFiles(eng engine.Engine, spec engine.LaunchSpec) map[string]string {
	lf, ok := eng.(engine.LaunchFiles)
	if !ok {
		return nil
	}
	var out map[string]string
	for name, b := range lf.Files(spec) {
		if out == nil {
			out = map[string]string{}
		}
		out[name] = string(b)
	}
	return out
}

// VariantName is the seed's naming: TP4_flashinfer_trtllm, or TP8 without a backend.
func VariantName(tp int, backend string) string {
	v := "TP" + strconv.Itoa(tp)
	if backend != "" {
		v += "_" + backend
	}
	return v
}

// ConfigID is a stable, file-system-safe id for a configuration.
func ConfigID(modelKey, variant string) string {
	var b strings.Builder
	for _, r := range modelKey + "--" + variant {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._=-", r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

type gridPoint struct {
	env    map[string]string
	args   []string
	suffix string
	values map[string]string
}

// paramGrid is the cartesian product of server_params, in file order.
// A value "true" adds the bare flag, "false" leaves it out.
func paramGrid(params []sweep.Param) []gridPoint {
	out := []gridPoint{{}}
	for _, p := range params {
		name := strings.TrimLeft(p.Flag, "-")
		var next []gridPoint
		for _, g := range out {
			for vi, v := range p.Values {
				// A secret's value never names a configuration (ids are folder names).
				shown := v
				if redact.IsSecretName(p.Flag) {
					shown = "secret" + strconv.Itoa(vi+1)
				}
				n := gridPoint{args: append([]string{}, g.args...), suffix: g.suffix, values: maps.Clone(g.values), env: maps.Clone(g.env)}
				if n.values == nil {
					n.values = map[string]string{}
				}
				if n.env == nil {
					n.env = map[string]string{}
				}
				n.values[p.Flag] = v
				if sweep.IsEnvParam(p.Flag) {
					n.env[p.Flag] = v
					n.suffix += "_" + p.Flag + "=" + shown
					next = append(next, n)
					continue
				}
				switch strings.ToLower(v) {
				case "true":
					n.args = append(n.args, p.Flag)
					n.suffix += "_" + name
				case "false":
					n.suffix += "_no-" + name
				default:
					n.args = append(n.args, p.Flag, v)
					n.suffix += "_" + name + "=" + shown
				}
				next = append(next, n)
			}
		}
		out = next
	}
	return out
}
