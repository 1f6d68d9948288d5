package ollama

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// Options are the per-configuration knobs read from the configuration's args.
type Options struct {
	NumThread    int
	NumBatch     int
	NumGPU       int // -1: Ollama decides
	Quantization string
}

// ParseOptions reads --num-thread, --num-batch, --num-gpu and --quantization.
func ParseOptions(args []string) (Options, error) {
	o := Options{NumGPU: -1}
	var err error
	num := func(flag string, dst *int) {
		if v, ok := engine.FlagValue(args, flag); ok && err == nil {
			if *dst, err = strconv.Atoi(v); err != nil {
				err = fmt.Errorf("%s %q is not an integer", flag, v)
			}
		}
	}
	num("--num-thread", &o.NumThread)
	num("--num-batch", &o.NumBatch)
	num("--num-gpu", &o.NumGPU)
	if q, ok := engine.FlagValue(args, "--quantization"); ok {
		switch q {
		case "f16", "fp16", "none", "":
		case "q8_0", "q4_K_M", "q4_K_S", "q4_0":
			o.Quantization = q
		default:
			return o, fmt.Errorf("--quantization %q is not supported by ollama create; use f16, q8_0 or q4_K_M", q)
		}
	}
	return o, err
}

// Client drives one Ollama server.
type Client struct {
	Base  string
	HTTP  *http.Client
	cfg   engine.ClientConfig
	opts  Options
	model string
	err   error
}

// NewClient returns a client; cfg.Command[0] is the ollama binary used for
// `ollama create`, and with no command (an external server) cfg.ModelPath is
// the name of a model the server already has.
func NewClient(base string, cfg engine.ClientConfig) *Client {
	c := &Client{Base: strings.TrimRight(base, "/"), HTTP: engine.NewHTTPClient(), cfg: cfg}
	c.opts, c.err = ParseOptions(cfg.Args)
	c.model = cfg.ModelPath
	return c
}

// Ready implements engine.Client: GET / answers "Ollama is running".
func (c *Client) Ready(ctx context.Context) error {
	code, b, err := engine.Call(ctx, c.HTTP, "GET", c.Base, "/", nil, engine.ReadyTimeout)
	if err != nil {
		return fmt.Errorf("%w: %v", engine.ErrNotReady, err)
	}
	if code != 200 || !strings.Contains(string(b), "Ollama is running") {
		return fmt.Errorf("%w: GET / answered %d %q", engine.ErrNotReady, code, engine.Snippet(b))
	}
	return nil
}

// ModelName is the name servesweep creates the model under.
func ModelName(key string, o Options) string {
	q := o.Quantization
	if q == "" {
		q = "f16"
	}
	return strings.ToLower("servesweep-" + key + "-" + strings.ReplaceAll(q, "_", "-"))
}

// Prepare implements engine.Preparer: `ollama create NAME [--quantize Q] -f
// Modelfile` with FROM <absolute model path>, against this server.
func (c *Client) Prepare(ctx context.Context) error {
	if c.err != nil {
		return c.err
	}
	if len(c.cfg.Command) == 0 {
		return nil // an external server: the model must exist already
	}
	src, err := filepath.Abs(c.cfg.ModelPath)
	if err != nil {
		return err
	}
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("model path %s: %v (generate one with: servesweep testmodel --arch deepseek-v3 --out DIR)", c.cfg.ModelPath, err)
	}
	mf := filepath.Join(c.cfg.WorkDir, "Modelfile")
	if err := os.WriteFile(mf, []byte("FROM "+src+"\n"), 0o644); err != nil {
		return err
	}
	c.model = ModelName(c.cfg.ModelKey, c.opts)
	args := []string{"create", c.model, "-f", mf}
	if c.opts.Quantization != "" {
		args = append(args, "--quantize", c.opts.Quantization)
	}
	cmd := exec.CommandContext(ctx, c.cfg.Command[0], args...)
	cmd.Env = append(os.Environ(), c.cfg.Env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("ollama create %s failed: %v: %s", c.model, err, lastLine(out))
	}
	return nil
}

// Flush implements engine.Client. Ollama has no cache flush; every case sends a
// fresh random prompt, so its prefix cache never matches.
func (c *Client) Flush(ctx context.Context) error { return nil }

// LetterPrompts implements engine.LetterPrompts: Ollama takes text, and Prompt
// turns ids into letters one byte each.
func (c *Client) LetterPrompts() bool { return true }

// StartProfile implements engine.Client: Ollama cannot profile.
func (c *Client) StartProfile(ctx context.Context, _ engine.ProfileRequest) error {
	return engine.ErrNoProfiler
}

// StopProfile implements engine.Client.
func (c *Client) StopProfile(ctx context.Context) error { return nil }

// ServerInfo implements engine.Client with GET /api/version. A source build
// reports 0.0.0; then the version comes from the binary's Go build info.
func (c *Client) ServerInfo(ctx context.Context) (engine.ServerInfo, error) {
	code, b, err := engine.Call(ctx, c.HTTP, "GET", c.Base, "/api/version", nil, engine.InfoTimeout)
	if err != nil {
		return engine.ServerInfo{}, err
	}
	var v struct{ Version string }
	if code == 200 {
		json.Unmarshal(b, &v)
	}
	info := engine.ServerInfo{Version: v.Version, Raw: map[string]any{"model_path": c.model}}
	if (v.Version == "" || v.Version == "0.0.0") && len(c.cfg.Command) > 0 {
		if bv := BinaryVersion(c.cfg.Command[0]); bv != "" {
			info.Version = bv
		}
	}
	return info, nil
}

// BinaryVersion reads the module version an ollama binary was built from
// (`go version -m`), e.g. "v0.17.4"; "" when unknown.
func BinaryVersion(bin string) string {
	p, err := exec.LookPath(bin)
	if err != nil {
		return ""
	}
	bi, err := buildinfo.ReadFile(p)
	if err != nil || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return ""
	}
	return bi.Main.Version
}

// promptLetters are the bytes prompts use. Digits are left out: Ollama's
// deepseek-v3 pre-tokenizer turns some digit runs into many more tokens than
// bytes (measured: 256 random printable bytes became 6775 tokens).
const promptLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// Prompt turns token ids into text of exactly len(ids) ASCII letters: with a
// one-byte tokenizer (servesweep testmodel) that is len(ids) tokens.
func Prompt(ids []int) string {
	b := make([]byte, len(ids))
	for i, id := range ids {
		b[i] = promptLetters[id%len(promptLetters)]
	}
	return string(b)
}

// GenerateBody is the /api/generate body for one request.
func GenerateBody(model, prompt string, outLen, numCtx int, o Options) map[string]any {
	opts := map[string]any{"num_predict": outLen, "temperature": 0, "num_ctx": numCtx, "seed": 0}
	if o.NumThread > 0 {
		opts["num_thread"] = o.NumThread
	}
	if o.NumBatch > 0 {
		opts["num_batch"] = o.NumBatch
	}
	if o.NumGPU >= 0 {
		opts["num_gpu"] = o.NumGPU
	}
	return map[string]any{"model": model, "prompt": prompt, "raw": true, "stream": true, "keep_alive": "30m", "options": opts}
}

// numCtx is the context size: the configuration's largest input+output (so
// every case shares one loaded model; a change would force a reload), at least 512.
func (c *Client) numCtx(in, out int) int {
	n := max(c.cfg.MaxContext, in+out, 512)
	return (n + 255) / 256 * 256
}

// Generate implements engine.Client: a batch is sent as concurrent requests
// (the server runs them together with OLLAMA_NUM_PARALLEL set to the batch size).
func (c *Client) Generate(ctx context.Context, gr engine.GenerateRequest) (*engine.Stream, error) {
	if c.err != nil {
		return nil, c.err
	}
	n := len(gr.InputIDs)
	s := &engine.Stream{Arrivals: make([][]engine.Arrival, n), Prompt: make([]int, n), Output: make([]int, n), Finish: make([]string, n), Server: make([]engine.ServerTimings, n)}
	bodies := make([][]byte, n)
	for i, ids := range gr.InputIDs {
		prompt := Prompt(ids)
		if i < len(gr.Text) && gr.Text[i] != "" {
			prompt = gr.Text[i] // a dataset's text as written; ids counted its words
		}
		bodies[i], _ = json.Marshal(GenerateBody(c.model, prompt, gr.OutputLen, c.numCtx(len(ids), gr.OutputLen), c.opts))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	s.Tic = time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = c.one(ctx, bodies[i], s, i, gr.OutputLen)
		}(i)
	}
	wg.Wait()
	s.End = time.Since(s.Tic)
	return s, errors.Join(errs...)
}

type line struct {
	Response           string `json:"response"`
	Done               bool   `json:"done"`
	DoneReason         string `json:"done_reason"`
	Error              string `json:"error"`
	PromptEvalCount    int    `json:"prompt_eval_count"`
	PromptEvalDuration int64  `json:"prompt_eval_duration"`
	EvalCount          int    `json:"eval_count"`
	EvalDuration       int64  `json:"eval_duration"`
	LoadDuration       int64  `json:"load_duration"`
	TotalDuration      int64  `json:"total_duration"`
}

func (c *Client) one(ctx context.Context, body []byte, s *engine.Stream, i, outLen int) error {
	req, _ := http.NewRequestWithContext(ctx, "POST", c.Base+"/api/generate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return &engine.RequestError{Kind: "connection", Msg: err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return &engine.RequestError{Kind: "http", Msg: fmt.Sprintf("/api/generate answered %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))}
	}
	return ReadStream(resp.Body, s, i, outLen)
}

// ReadStream parses one /api/generate NDJSON stream into request i of s. A
// stream that ends without done: true (Ollama's silent abort after 30
// identical tokens) or with fewer tokens than asked is a failed request.
func ReadStream(r io.Reader, s *engine.Stream, i, outLen int) error {
	br := bufio.NewReaderSize(r, 64<<10)
	done := false
	for {
		raw, err := readLine(br)
		if errors.Is(err, errLineTooLong) {
			return &engine.RequestError{Kind: "malformed", Msg: fmt.Sprintf("request %d: a stream line is longer than %d MiB", i, maxLine>>20)}
		}
		at := time.Now()
		if len(bytes.TrimSpace(raw)) > 0 {
			if err != nil { // a last line without newline: cut off
				return &engine.RequestError{Kind: "incomplete", Msg: "stream cut off mid-line"}
			}
			var l line
			if e := json.Unmarshal(raw, &l); e != nil {
				return &engine.RequestError{Kind: "malformed", Msg: fmt.Sprintf("line is not JSON (%v): %.120q", e, raw)}
			}
			if l.Error != "" {
				return &engine.RequestError{Kind: "error_event", Msg: "ollama: " + l.Error}
			}
			if !l.Done {
				s.Output[i]++
				if err := engine.CheckOutput(i, s.Output[i], outLen); err != nil {
					return err
				}
				s.Arrivals[i] = append(s.Arrivals[i], engine.Arrival{At: at.Sub(s.Tic), Tokens: s.Output[i]})
			} else {
				done = true
				s.Finish[i] = l.DoneReason
				s.Prompt[i] = l.PromptEvalCount
				s.Server[i] = engine.ServerTimings{PromptEvalCount: l.PromptEvalCount, PromptEval: time.Duration(l.PromptEvalDuration),
					EvalCount: l.EvalCount, Eval: time.Duration(l.EvalDuration), Load: time.Duration(l.LoadDuration), Total: time.Duration(l.TotalDuration)}
				if l.EvalCount > 0 {
					s.Output[i] = l.EvalCount
				}
				break
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return &engine.RequestError{Kind: "connection", Msg: "stream broke: " + err.Error()}
		}
	}
	if !done {
		return &engine.RequestError{Kind: "incomplete", Msg: fmt.Sprintf("request %d: stream ended without done: true after %d tokens (Ollama aborts silently after 30 identical tokens)", i, s.Output[i])}
	}
	if s.Output[i] < outLen {
		return &engine.RequestError{Kind: "incomplete", Msg: fmt.Sprintf("request %d produced %d of %d tokens (done_reason %q)", i, s.Output[i], outLen, s.Finish[i])}
	}
	return nil
}

// maxLine bounds one line of an /api/generate stream (a token and Ollama's counters).
const maxLine = 1 << 20

var errLineTooLong = errors.New("line too long")

// readLine is bufio.Reader.ReadBytes('\n') that gives up past maxLine bytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		part, err := br.ReadSlice('\n')
		if len(line)+len(part) > maxLine {
			return nil, errLineTooLong
		}
		line = append(line, part...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// ollama create draws progress with escape codes; keep the last readable line.
	l := lines[len(lines)-1]
	l = strings.Map(func(r rune) rune {
		if r < 32 && r != '\t' {
			return -1
		}
		return r
	}, l)
	return l
}
