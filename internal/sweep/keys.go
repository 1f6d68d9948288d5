package sweep

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Key is one top-level key of a sweep file: its name, its default and meaning
// (the README's key table is checked against these), and how it is read.
type Key struct {
	Name    string
	Default string
	Doc     string
	read    func(p *parser, f *File, v *yaml.Node) error
}

// Keys is the sweep file's top-level keys, in the order the README lists them.
var Keys = []Key{
	{"name", "sweep", "run name (run directory, report title)", func(p *parser, f *File, v *yaml.Node) (err error) { f.Name, err = p.str(v, "name"); return }},
	{"engine", "(required)", "sglang, vllm, trtllm, ollama or sim (the engine registry's names)", readEngine},
	{"engine_command", "the engine's launcher", "argv prefix replacing the engine's launcher (e.g. a venv's python)", readEngineCommand},
	{"gpu_label", "", "label in table headers, e.g. 8-gpu-h200 (also the last resort for the target GPU)", func(p *parser, f *File, v *yaml.Node) (err error) { f.GPULabel, err = p.str(v, "gpu_label"); return }},
	{"gpu_hour_price", "2.0", "USD per GPU-hour; cost = price × GPUs the configuration uses", readGPUHourPrice},
	{"cpu_hour_price", "the machine's price", "USD per hour of a configuration that uses no GPU (Ollama num_gpu 0); default gpu_hour_price × the machine's GPUs, or 0.50 without a GPU", readCPUHourPrice},
	{"power_price", "0", "USD per kWh of GPU energy (NVML), added to $/1M in the telemetry section; 0: power is in gpu_hour_price", readPowerPrice},
	{"tp_sizes", "[1]", "tensor-parallel sizes", func(p *parser, f *File, v *yaml.Node) (err error) {
		f.TPSizes, err = p.positiveInts(v, "tp_sizes", false)
		return
	}},
	{"moe_backends", "[]", "MoE backends to try on MoE models", func(p *parser, f *File, v *yaml.Node) (err error) {
		f.MoEBackends, err = p.strList(v, "moe_backends")
		return
	}},
	{"batch_sizes", "[1]", "batch sizes of the cases", func(p *parser, f *File, v *yaml.Node) (err error) {
		f.BatchSizes, err = p.positiveInts(v, "batch_sizes", false)
		return
	}},
	{"input_lens", "[1024]", "input lengths of the cases", func(p *parser, f *File, v *yaml.Node) (err error) {
		f.InputLens, err = p.positiveInts(v, "input_lens", false)
		return
	}},
	{"output_lens", "[16]", "output lengths of the cases (at least 2)", readOutputLens},
	{"profile", "false", "capture extend and decode traces of every rank", func(p *parser, f *File, v *yaml.Node) (err error) { f.Profile, err = p.bool(v, "profile"); return }},
	{"profile_steps", "5", "forward steps the profiler records per stage", func(p *parser, f *File, v *yaml.Node) (err error) {
		f.ProfileSteps, err = p.positiveInt(v, "profile_steps")
		return
	}},
	{"warmup", "true", "one 1024-in/16-out request per batch size before the cases", func(p *parser, f *File, v *yaml.Node) (err error) { f.Warmup, err = p.bool(v, "warmup"); return }},
	{"prompts", "text when a tokenizer is found", "text (the model's tokenizer over real text) or random-ids", readPrompts},
	{"workload", "random", "what load profiles send: {type: random|dataset|multi_turn|trace, ...} (package workload)", readWorkload},
	{"launch_timeout", "2000s", "longest launch-to-ready wait", func(p *parser, f *File, v *yaml.Node) (err error) {
		f.LaunchTimeout, err = p.duration(v, "launch_timeout")
		return
	}},
	{"request_timeout", "30m", "longest time one request may take", func(p *parser, f *File, v *yaml.Node) (err error) {
		f.RequestTimeout, err = p.duration(v, "request_timeout")
		return
	}},
	{"stop_grace", "30s", "SIGTERM to SIGKILL of the server's process group", func(p *parser, f *File, v *yaml.Node) (err error) {
		f.StopGrace, err = p.duration(v, "stop_grace")
		return
	}},
	{"server_params", "", "grid of engine flags: {--flag: [v1, v2]}", func(p *parser, f *File, v *yaml.Node) (err error) { f.ServerParams, err = p.serverParams(v); return }},
	{"env", "", "environment of every server", func(p *parser, f *File, v *yaml.Node) (err error) { f.Env, err = p.env(v, "env"); return }},
	{"models", "(required)", "model key → {path, name, is_moe, extra_args, tp_sizes, moe_backends, tp_args, env}", func(p *parser, f *File, v *yaml.Node) error { p.modelsNode = v; return nil }},
	{"hardware", "discovered", "target GPUs: {gpu, gpus} or, outside the catalog, {gpu_memory_gib, compute_capability}", func(p *parser, f *File, v *yaml.Node) (err error) { f.Hardware, err = p.hardware(v); return }},
	{"model_configs", "", "folders with <org>--<name>/config.json for pre-flight", readModelConfigs},
	{"repeats", "1", "repetitions of every case (medians and 95% CIs)", func(p *parser, f *File, v *yaml.Node) (err error) {
		f.Repeats, err = p.positiveInt(v, "repeats")
		return
	}},
	{"objective", "itl", "what the recommendation optimises: " + strings.Join(Objectives, ", "), readObjective},
	{"cost_budget", "", "USD per 1M output tokens (objective: budget)", readCostBudget},
	{"schedule", "exclusive", "exclusive or packed (several configurations on disjoint GPUs)", readSchedule},
	{"load", "", "serving-load profiles or ladders per configuration: {concurrency: [1, 2, 4]}, {rate: [1, 2, 4]} or a list of them", func(p *parser, f *File, v *yaml.Node) (err error) { f.Load, err = p.load(v); return }},
	{"slo", "", "{ttft_ms, itl_ms, tpot_ms} bounds for goodput", func(p *parser, f *File, v *yaml.Node) (err error) { f.SLO, err = p.slo(v); return }},
	{"frontier", "", "{target_tokens_per_s_per_user}: the interactivity the report's frontier question asks about", func(p *parser, f *File, v *yaml.Node) (err error) { f.Frontier, err = p.frontier(v); return }},
	{"telemetry", "{period: 1s}", "server /metrics and NVML GPU samples during every case and load profile: {period: 500ms}, or false", readTelemetry},
	{"quality", "", "quality guard: {reference, prompts, max_tokens, min_agreement, dataset, limit, dataset_max_tokens, min_accuracy} (see Quality guard)", readQuality},
	{"search", "grid", "{strategy: grid|halving|bayes, budget_gpu_hours, max_configs}: which configurations to launch", readSearch},
	{"executor", "local", "local or slurm", readExecutor},
	{"slurm", "", "Slurm options: partition, account, time_limit, gres, max_jobs, self", func(p *parser, f *File, v *yaml.Node) (err error) { f.Slurm, err = p.slurm(v); return }},
}

// keyNames lists the keys (for unknown-key errors and "did you mean").
func keyNames() []string {
	out := make([]string, len(Keys))
	for i, k := range Keys {
		out[i] = k.Name
	}
	return out
}

func readEngine(p *parser, f *File, v *yaml.Node) (err error) {
	if f.Engine, err = p.str(v, "engine"); err == nil && !slices.Contains(Engines, f.Engine) {
		err = p.errAt(v, "engine %q is not supported; use one of %s", f.Engine, strings.Join(Engines, ", "))
	}
	return err
}

func readEngineCommand(p *parser, f *File, v *yaml.Node) (err error) {
	if f.EngineCommand, err = p.strList(v, "engine_command"); err == nil && len(f.EngineCommand) == 0 {
		err = p.errAt(v, "engine_command must not be empty (leave it out for the engine's default launcher)")
	}
	return err
}

func readGPUHourPrice(p *parser, f *File, v *yaml.Node) (err error) {
	if f.GPUHourPrice, err = p.float(v, "gpu_hour_price"); err == nil && f.GPUHourPrice < 0 {
		err = p.errAt(v, "gpu_hour_price must be zero or more (USD per GPU-hour), got %v", f.GPUHourPrice)
	}
	return err
}

func readOutputLens(p *parser, f *File, v *yaml.Node) (err error) {
	if f.OutputLens, err = p.positiveInts(v, "output_lens", false); err != nil {
		return err
	}
	for i, o := range f.OutputLens {
		if o < 2 {
			return p.errAt(v.Content[i], "output_lens values must be at least 2 (output throughput needs a decode step), got %d", o)
		}
	}
	return nil
}

func readPrompts(p *parser, f *File, v *yaml.Node) (err error) {
	if f.Prompts, err = p.str(v, "prompts"); err == nil && f.Prompts != "text" && f.Prompts != "random-ids" {
		err = p.errAt(v, "prompts must be text (the model's own tokenizer over real text) or random-ids, got %q", f.Prompts)
	}
	return err
}

// Executors are the executor names a sweep may use (package executor's table;
// a test there keeps the two equal).
var Executors = []string{"local", "slurm"}

func readExecutor(p *parser, f *File, v *yaml.Node) (err error) {
	if f.Executor, err = p.str(v, "executor"); err == nil && !slices.Contains(Executors, f.Executor) {
		err = p.errAt(v, "executor must be one of %s, got %q", strings.Join(Executors, ", "), f.Executor)
	}
	return err
}

func readSchedule(p *parser, f *File, v *yaml.Node) (err error) {
	if f.Schedule, err = p.str(v, "schedule"); err == nil && f.Schedule != "exclusive" && f.Schedule != "packed" {
		err = p.errAt(v, "schedule must be exclusive (one configuration at a time) or packed (several at once on disjoint GPUs), got %q", f.Schedule)
	}
	return err
}

func readObjective(p *parser, f *File, v *yaml.Node) (err error) {
	if f.Objective, err = p.str(v, "objective"); err == nil && !slices.Contains(Objectives, f.Objective) {
		err = p.errAt(v, "objective %q is not one of %s", f.Objective, strings.Join(Objectives, ", "))
	}
	return err
}

func readCostBudget(p *parser, f *File, v *yaml.Node) (err error) {
	if f.CostBudget, err = p.float(v, "cost_budget"); err == nil && f.CostBudget <= 0 {
		err = p.errAt(v, "cost_budget must be a positive USD amount per 1M output tokens")
	}
	return err
}

func readModelConfigs(p *parser, f *File, v *yaml.Node) (err error) {
	if v.Kind == yaml.ScalarNode {
		var d string
		d, err = p.str(v, "model_configs")
		f.ModelConfigs = []string{d}
		return err
	}
	f.ModelConfigs, err = p.strList(v, "model_configs")
	return err
}

func readCPUHourPrice(p *parser, f *File, v *yaml.Node) (err error) {
	if f.CPUHourPrice, err = p.float(v, "cpu_hour_price"); err == nil && f.CPUHourPrice < 0 {
		err = p.errAt(v, "cpu_hour_price must be zero or more (USD per hour of a configuration that uses no GPU), got %v", f.CPUHourPrice)
	}
	return err
}
