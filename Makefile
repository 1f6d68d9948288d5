# servesweep — the README's two commands are `make demo` and `make test`.
GO ?= go
BIN := bin/servesweep

.PHONY: build demo dry-run test fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/servesweep

# The demo: the seed's 24-configuration sweep, dry run with the simulated engine.
demo: build
	$(BIN) plan examples/neurips-tp-moe.yaml
	rm -rf runs/demo
	$(BIN) run --dry-run examples/neurips-tp-moe.yaml --out runs/demo
	@cat runs/demo/report.md

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 25m ./...

# Short fuzzing of every parser (corpora in testdata/fuzz).
fuzz:
	$(GO) test ./internal/sse -run '^$$' -fuzz FuzzReader -fuzztime 30s
	$(GO) test ./internal/sweep -run '^$$' -fuzz FuzzParse -fuzztime 30s
	$(GO) test ./internal/engine/sglang -run '^$$' -fuzz FuzzReadStream -fuzztime 30s
	$(GO) test ./internal/engine/vllm -run '^$$' -fuzz FuzzReadStream -fuzztime 30s

clean:
	rm -rf bin runs
