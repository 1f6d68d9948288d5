// Package prefetch makes sure each model is on local disk before its server
// launches — a local path is verified, a Hugging Face id is downloaded once
// into the shared cache with `hf download` (or `huggingface-cli download`) —
// and fetches the next model while the current one is benchmarked, so that
// launch time is not download time.
package prefetch

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Result is how a model's prefetch went.
type Result struct {
	Model   string
	Seconds float64 // wall time of the download or check
	Source  string  // "local path", "hf download", "skipped (offline)", ...
	Err     error
}

// Prefetcher downloads each model at most once, in the background.
type Prefetcher struct {
	// Offline skips downloads (HF_HUB_OFFLINE=1).
	Offline bool
	// Command is the downloader argv prefix; nil looks for hf, then huggingface-cli.
	Command []string
	// Env is added to the downloader's environment (HF_TOKEN stays in it, never printed).
	Env []string
	mu  sync.Mutex
	m   map[string]*entry
}

type entry struct {
	done chan struct{}
	res  Result
}

// Start begins fetching model unless it is already fetched or being fetched.
func (p *Prefetcher) Start(ctx context.Context, model string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]*entry{}
	}
	if _, ok := p.m[model]; ok {
		return
	}
	e := &entry{done: make(chan struct{})}
	p.m[model] = e
	go func() {
		e.res = p.fetch(ctx, model)
		close(e.done)
	}()
}

// Wait starts model if needed and waits for it; the result says how long the
// fetch itself took (0 for a model another configuration already fetched).
func (p *Prefetcher) Wait(ctx context.Context, model string) Result {
	p.Start(ctx, model)
	p.mu.Lock()
	e := p.m[model]
	p.mu.Unlock()
	select {
	case <-e.done:
		return e.res
	case <-ctx.Done():
		return Result{Model: model, Err: ctx.Err()}
	}
}

func (p *Prefetcher) fetch(ctx context.Context, model string) (r Result) {
	start := time.Now()
	r.Model = model
	defer func() { r.Seconds = time.Since(start).Seconds() }()
	if _, err := os.Stat(model); err == nil {
		r.Source = "local path"
		return r
	}
	if strings.HasPrefix(model, "/") || strings.HasPrefix(model, ".") || strings.Count(model, "/") != 1 {
		r.Err = fmt.Errorf("model path %s does not exist", model)
		return r
	}
	if p.Offline {
		r.Source = "skipped (offline)"
		return r
	}
	argv := p.Command
	if len(argv) == 0 {
		for _, c := range [][]string{{"hf", "download"}, {"huggingface-cli", "download"}} {
			if _, err := exec.LookPath(c[0]); err == nil {
				argv = c
				break
			}
		}
	}
	if len(argv) == 0 {
		r.Source = "skipped (no hf or huggingface-cli on PATH: the engine downloads at launch)"
		return r
	}
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], model)...)
	cmd.Env = append(os.Environ(), p.Env...)
	out, err := cmd.CombinedOutput()
	r.Source = strings.Join(argv, " ")
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		r.Err = fmt.Errorf("%s %s failed: %v: %s", r.Source, model, err, lines[len(lines)-1])
	}
	return r
}
