# servesweep — the README's two commands are `make demo` and `make test`.
GO ?= go
BIN := bin/servesweep
# Ollama is built from source with the Go toolchain into this cache, once.
OLLAMA_VERSION ?= v0.17.4
SERVESWEEP_CACHE ?= $(HOME)/.cache/servesweep
OLLAMA := $(SERVESWEEP_CACHE)/ollama-$(OLLAMA_VERSION)/bin/ollama
export SERVESWEEP_CACHE OLLAMA_VERSION
# go-nvml's cgo prolog warns about deprecated NVML calls it wraps; they are not used.
export CGO_CFLAGS ?= -O2 -g -Wno-deprecated-declarations

.PHONY: build ollama models demo dry-run test unit bench fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/servesweep

$(OLLAMA):
	scripts/install-ollama.sh

ollama: $(OLLAMA)

models: build
	@mkdir -p models
	$(BIN) testmodel --arch deepseek-v3 --size tiny --out models/deepseek-v3-tiny
	$(BIN) testmodel --arch qwen3-moe --size tiny --out models/qwen3-moe-tiny

# The demo: a real Ollama on CPU serving tiny DeepSeek-V3 and Qwen3-MoE models,
# 8 configurations (num_thread × quantization), report with the recommendation;
# then the seed's sweep as a dry run, whose sim traces show where the GPU time goes.
demo: ollama models
	$(BIN) plan examples/quickstart.yaml
	rm -rf runs/demo runs/demo-dry-run
	PATH="$(dir $(OLLAMA)):$$PATH" $(BIN) run examples/quickstart.yaml --out runs/demo
	@cat runs/demo/report.md
	rm -rf runs/demo-frontier
	PATH="$(dir $(OLLAMA)):$$PATH" $(BIN) run examples/frontier.yaml --out runs/demo-frontier
	@echo; echo "== Throughput–interactivity frontier (real Ollama on CPU, concurrency ladders; full report: runs/demo-frontier/report.md)"
	@sed -n '/^### Throughput–interactivity frontier/,/^### Ranking/p' runs/demo-frontier/report.md | sed '$$d'
	$(BIN) run --dry-run examples/neurips-tp-moe.yaml --out runs/demo-dry-run
	@echo; echo "== Where the time goes (dry run of examples/neurips-tp-moe.yaml, simulated traces; full report: runs/demo-dry-run/report.md)"
	@grep -E '^### |^- decode:' runs/demo-dry-run/report.md | grep -B1 '^- decode:' | grep -v '^--' | head -12
	@echo; echo "== Per model, the biggest difference between the best configuration and the runner-up"
	@grep '^Traces:' runs/demo-dry-run/report.md

# The seed's 24-configuration sweep with the simulated engine (no GPUs).
dry-run: build
	rm -rf runs/dry-run
	$(BIN) run --dry-run examples/neurips-tp-moe.yaml --out runs/dry-run
	@cat runs/dry-run/report.md

# Everything, including the real-engine tests against Ollama, the browser tests
# in headless Chromium, the Slurm executor against a local Slurm cluster and the
# GitHub workflow through actionlint and shellcheck (all installed first when missing).
test: ollama
	$(GO) vet ./...
	@command -v shellcheck >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck)
	scripts/install-slurm.sh
	SERVESWEEP_OLLAMA=$(OLLAMA) SERVESWEEP_CHROMIUM=$$(scripts/install-chromium.sh | tail -1) SERVESWEEP_SLURM=1 \
	  $(GO) test -count=1 -timeout 25m ./...

# Unit and sim tests only (no Ollama).
unit:
	$(GO) test ./...

# Benchmarks, side by side with their baselines (installs Python's aiohttp for the reference client).
bench:
	@/usr/bin/python3 -c "import aiohttp" 2>/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-aiohttp)
	$(GO) test ./internal/engine/sglang -run '^$$' -bench ReadStream -benchmem
	$(GO) test ./internal/traces -run '^$$' -bench Analyze -benchmem
	$(GO) test ./internal/selftest -run '^$$' -bench ClientCapacity -benchtime 1x
	$(GO) test ./cmd/servesweep -run '^$$' -bench 'PackedVsExclusive|VersusPythonReference|SearchSim' -benchtime 1x
	$(GO) test ./internal/search -run '^$$' -bench Search -benchtime 1x

# Short fuzzing of every parser (seed corpora in testdata/fuzz).
# Every fuzz target of the module, 30 s each (FUZZTIME=5s make fuzz for a quick pass).
fuzz:
	scripts/fuzz-all.sh

clean:
	rm -rf bin runs models
