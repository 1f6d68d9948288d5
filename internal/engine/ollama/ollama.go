// Package ollama is servesweep's adapter for Ollama, a real inference server
// written in Go that runs on CPU: `ollama serve` with its own HOME,
// OLLAMA_MODELS and OLLAMA_HOST, readiness on GET /, the model created from the
// sweep's model path with `ollama create [--quantize Q]`, and streamed
// /api/generate requests whose final message carries the server's own
// prompt_eval_* / eval_* figures.
//
// Knobs a sweep file varies through server_params: --num-thread, --num-batch,
// --num-gpu (request options), --quantization (f16, q8_0, q4_K_M; applied at
// create), and environment variables such as OLLAMA_FLASH_ATTENTION,
// OLLAMA_KV_CACHE_TYPE and OLLAMA_SCHED_SPREAD.
package ollama

import (
	"strconv"

	"github.com/servesweep/servesweep/internal/engine"
)

// Engine launches Ollama servers.
type Engine struct{}

// Name implements engine.Engine.
func (Engine) Name() string { return "ollama" }

// Simulated implements engine.Engine.
func (Engine) Simulated() bool { return false }

// Command implements engine.Engine: `ollama serve` (or the sweep's
// engine_command) with a private HOME and model store under the work directory.
func (Engine) Command(spec engine.LaunchSpec) ([]string, map[string]string) {
	argv := []string{"ollama", "serve"}
	if len(spec.Launcher) > 0 {
		argv = append(append([]string{}, spec.Launcher...), "serve")
	}
	par := max(1, spec.MaxBatch)
	return argv, map[string]string{
		"HOME":                     engine.WorkDirPlaceholder + "/home",
		"OLLAMA_MODELS":            engine.WorkDirPlaceholder + "/models",
		"OLLAMA_HOST":              engine.HostPlaceholder + ":" + engine.PortPlaceholder,
		"OLLAMA_NUM_PARALLEL":      strconv.Itoa(par),
		"OLLAMA_MAX_LOADED_MODELS": "1",
		"OLLAMA_KEEP_ALIVE":        "30m",
		"OLLAMA_NO_CLOUD":          "1",
	}
}

// GPUs implements engine.Engine: 0 for a CPU-only configuration (--num-gpu 0
// offloads no layer, and a target with no GPU runs every layer on the CPU),
// else the device count the sweep gives as TP size. Ollama's num_gpu is the
// number of layers offloaded (api/types.go Options.NumGPU; llm/server.go
// NewLlamaServer passes it to the layer placement).
func (Engine) GPUs(spec engine.LaunchSpec) int {
	if spec.NoGPU {
		return 0
	}
	if o, err := ParseOptions(spec.Args); err == nil && o.NumGPU == 0 {
		return 0
	}
	return max(1, spec.TP)
}

// VariantPrefix drops the TP part of variant names: Ollama has no tensor parallelism.
func (Engine) VariantPrefix(tp int, backend string) string {
	if tp > 1 {
		return "GPUS" + strconv.Itoa(tp)
	}
	return ""
}

// WarmupCase loads the model with the configuration's context size and a short
// output, instead of SGLang's batch-16 warmup that Ollama would queue.
func (Engine) WarmupCase(cases []engine.Case) engine.Case {
	w := engine.Case{BatchSize: 1, InputLen: 32, OutputLen: 8}
	if len(cases) > 0 {
		w.InputLen = min(cases[0].InputLen, 256)
	}
	return w
}

// NewClient implements engine.Engine.
func (Engine) NewClient(baseURL string, cfg engine.ClientConfig) engine.Client {
	return NewClient(baseURL, cfg)
}
