package trtllm

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/servesweep/servesweep/internal/engine"
)

// TensorRT-LLM's profiler is armed at launch, by iteration window, not by a
// route (docs/source/developer-guide/perf-analysis.md; PyExecutor._profiler in
// tensorrt_llm/_torch/pyexecutor/py_executor.py): TLLM_PROFILE_START_STOP=A-B
// names the executor iterations to record and TLLM_TORCH_PROFILE_TRACE=<path>
// where the PyTorch profiler's Chrome trace goes when iteration B ends. Since
// NVIDIA/TensorRT-LLM#13536 (2026) each rank writes <base>-rank-<r><ext>;
// before it every rank wrote <path> itself, corrupting it at TP > 1.
const (
	EnvProfileWindow = "TLLM_PROFILE_START_STOP"
	EnvProfileTrace  = "TLLM_TORCH_PROFILE_TRACE"
	// DefaultWindowStart skips the first iterations as the perf-analysis
	// guide's example does (iterations 100-150: past warmup and CUDA graph capture).
	DefaultWindowStart = 100
	// TraceBase is the trace path servesweep gives, in the trace folder.
	TraceBase = "trtllm-window.json"
)

// ProfilerEnv arms the launch-window profiler when the sweep profiles: the
// window is ProfileSteps iterations from DefaultWindowStart. A sweep's own
// env (TLLM_PROFILE_START_STOP, TLLM_TORCH_PROFILE_TRACE) overrides either.
func ProfilerEnv(spec engine.LaunchSpec) map[string]string {
	if spec.ProfileSteps <= 0 {
		return nil
	}
	return map[string]string{
		EnvProfileTrace:  engine.TraceDirPlaceholder + "/" + TraceBase,
		EnvProfileWindow: fmt.Sprintf("%d-%d", DefaultWindowStart, DefaultWindowStart+spec.ProfileSteps-1),
	}
}

// launchProfiler collects the window's traces for the client.
type launchProfiler struct {
	trace, window string       // resolved TLLM_TORCH_PROFILE_TRACE and TLLM_PROFILE_START_STOP
	world         int          // ranks that write a trace (TP × PP)
	iters         atomic.Int64 // forward iterations sent so far (estimated: a batch's output length)
	collectedBy   string       // the profile prefix that took the window's traces
}

func newLaunchProfiler(env []string, command []string) *launchProfiler {
	p := &launchProfiler{world: 1}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case EnvProfileTrace:
			p.trace = v
		case EnvProfileWindow:
			p.window = v
		}
	}
	p.world = max(1, engine.IntFlag(command, 1, "--tp_size", "--tensor_parallel_size")) *
		max(1, engine.IntFlag(command, 1, "--pp_size", "--pipeline_parallel_size"))
	return p
}

// StartProfile implements engine.Client. The window's traces are written when
// its last iteration ends, so they are collected here, before the profiled
// request: moved into req.OutputDir as <prefix>-TP-<rank>.trace.json.gz,
// once per launch. Without the trace variable there is no profiler.
func (c *Client) StartProfile(_ context.Context, req engine.ProfileRequest) error {
	p := c.prof
	if p == nil || p.trace == "" {
		return engine.ErrNoProfiler
	}
	if p.window == "" {
		return fmt.Errorf("%s is set without %s: TensorRT-LLM records an iteration window (e.g. %s=100-104)", EnvProfileTrace, EnvProfileWindow, EnvProfileWindow)
	}
	if p.collectedBy != "" {
		return fmt.Errorf("TensorRT-LLM traces one iteration window per launch (%s=%s); its traces went to the profile %s", EnvProfileWindow, p.window, p.collectedBy)
	}
	files, shared := p.written()
	switch {
	case len(files) == 0:
		return fmt.Errorf("the window %s=%s has not been written yet (about %d iterations have run; the traces appear when its last iteration ends)", EnvProfileWindow, p.window, p.iters.Load())
	case shared && p.world > 1:
		return fmt.Errorf("this TensorRT-LLM writes every rank's trace to one file (%s), which %d ranks corrupt (per-rank files since NVIDIA/TensorRT-LLM#13536): left where it is", files[0].path, p.world)
	}
	if err := os.MkdirAll(req.OutputDir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		dst := filepath.Join(req.OutputDir, req.Prefix+"-TP-"+strconv.Itoa(f.rank)+".trace.json.gz")
		if err := gzipMove(f.path, dst); err != nil {
			return fmt.Errorf("collecting %s: %v", f.path, err)
		}
	}
	p.collectedBy = req.Prefix
	note, _ := json.MarshalIndent(map[string]any{"window": p.window, "iterations_sent_before": p.iters.Load(), "ranks": len(files),
		"note": "TensorRT-LLM records the launch-time iteration window, not the profiled request"}, "", "  ")
	return os.WriteFile(filepath.Join(req.OutputDir, "trtllm_window.json"), note, 0o644)
}

// StopProfile implements engine.Client: the window stops by itself.
func (c *Client) StopProfile(context.Context) error { return nil }

type rankFile struct {
	path string
	rank int
}

// written lists the window's complete trace files: per-rank ones, else the
// one shared file of older releases (shared = true).
func (p *launchProfiler) written() (files []rankFile, shared bool) {
	dir, name := filepath.Split(p.trace)
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `-rank-(\d+)` + regexp.QuoteMeta(ext) + `$`)
	entries, _ := os.ReadDir(filepath.Clean(dir + "."))
	for _, e := range entries {
		if m := re.FindStringSubmatch(e.Name()); m != nil && complete(filepath.Join(dir, e.Name())) {
			r, _ := strconv.Atoi(m[1])
			files = append(files, rankFile{filepath.Join(dir, e.Name()), r})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rank < files[j].rank })
	if len(files) > 0 {
		return files, false
	}
	if complete(p.trace) {
		return []rankFile{{p.trace, 0}}, true
	}
	return nil, false
}

// complete reports whether a Chrome trace JSON file has been written to its
// end (torch.profiler export_chrome_trace writes one JSON object; .gz paths
// are written compressed).
func complete(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return false
		}
		r = zr
	} else if st, err := f.Stat(); err == nil && st.Size() > 4096 {
		f.Seek(st.Size()-4096, io.SeekStart)
	}
	tail, err := lastBytes(r, 4096)
	return err == nil && bytes.HasSuffix(bytes.TrimSpace(tail), []byte("}"))
}

// lastBytes reads r to its end and returns its last n bytes.
func lastBytes(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, 2*n)
	chunk := make([]byte, 32<<10)
	for {
		k, err := r.Read(chunk)
		buf = append(buf, chunk[:k]...)
		if len(buf) > n {
			buf = append(buf[:0], buf[len(buf)-n:]...)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// gzipMove writes src gzipped to dst (as is when src is already gzipped),
// then removes src: the trace is never lost half-way.
func gzipMove(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	var w io.WriteCloser = gzip.NewWriter(out)
	if strings.HasSuffix(src, ".gz") {
		w = nopCloser{out}
	}
	_, err = io.Copy(w, in)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return err
	}
	return os.Remove(src)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
