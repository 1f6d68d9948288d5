package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Bounds of control calls. Every HTTP call of a client that is not a
// generation request runs under one of these, derived from the caller's
// context so that Ctrl-C cancels it at once; generation requests are bounded
// by the sweep's request_timeout instead (see GenerateWithin). A server that
// stops answering one of them produces a TimeoutError, never a hang.
const (
	// ReadyTimeout bounds one readiness poll (/health, Ollama's GET /).
	ReadyTimeout = 10 * time.Second
	// InfoTimeout bounds a read of what the server says about itself
	// (/server_info, /version, /v1/models, /api/show, /api/ps, /api/version).
	InfoTimeout = 10 * time.Second
	// FlushTimeout bounds a cache flush. SGLang's /flush_cache awaits the
	// scheduler (python/sglang/srt/entrypoints/http_server.py, flush_cache:
	// `await tokenizer_manager.flush_cache()`), so a wedged scheduler holds it.
	FlushTimeout = 30 * time.Second
	// ProfileTimeout bounds /start_profile and /stop_profile: the profiler
	// starts (and vLLM's stops and writes its trace) on every rank.
	ProfileTimeout = 60 * time.Second
)

// MaxControlBody bounds the answer of a control call.
const MaxControlBody = 16 << 20

// TimeoutError is a call that did not answer within its bound.
type TimeoutError struct {
	What  string // the path, e.g. "/flush_cache"
	After time.Duration
}

func (e *TimeoutError) Error() string {
	after := e.After.String()
	if e.After >= time.Second && e.After%time.Second == 0 {
		after = fmt.Sprintf("%ds", e.After/time.Second) // 60s, not 1m0s
	}
	return fmt.Sprintf("%s did not answer within %s", e.What, after)
}

// controlCapKey holds the cap WithControlCap sets.
type controlCapKey struct{}

// WithControlCap returns ctx under which no control call waits longer than
// d, whatever its bound (SERVESWEEP_CONTROL_TIMEOUT: tests, rehearsals).
func WithControlCap(ctx context.Context, d time.Duration) context.Context {
	if d <= 0 {
		return ctx
	}
	return context.WithValue(ctx, controlCapKey{}, d)
}

// Bound is the bound d as capped by WithControlCap on ctx.
func Bound(ctx context.Context, d time.Duration) time.Duration {
	if c, ok := ctx.Value(controlCapKey{}).(time.Duration); ok && c < d {
		return c
	}
	return d
}

// Control runs call under the bound d (capped, see Bound) derived from ctx.
// When the bound, not ctx, ended the call, the error is a TimeoutError
// naming what; a cancelled ctx returns at once with ctx's error.
func Control(ctx context.Context, what string, d time.Duration, call func(context.Context) error) error {
	d = Bound(ctx, d)
	cctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	err := call(cctx)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return &TimeoutError{What: what, After: d}
	}
	return err
}

// Call makes one control call (method, base+path, body: nil for none) within
// d and returns the status and the whole answer, at most MaxControlBody bytes.
// A longer answer is an error, as is one that does not arrive in time.
func Call(ctx context.Context, hc *http.Client, method, base, path string, body []byte, d time.Duration) (code int, answer []byte, err error) {
	err = Control(ctx, path, d, func(ctx context.Context) error {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
		if err != nil {
			return err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		code = resp.StatusCode
		answer, err = io.ReadAll(io.LimitReader(resp.Body, MaxControlBody+1))
		if err == nil && len(answer) > MaxControlBody {
			answer = answer[:MaxControlBody]
			err = fmt.Errorf("%s %s answered more than %d MiB; is this the engine's server?", method, path, MaxControlBody>>20)
		}
		return err
	})
	return code, answer, err
}

// Snippet is an answer shortened for an error message.
func Snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
