package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/sse"
)

// ForEachEvent reads an SSE stream that ends with "data: [DONE]" (SGLang,
// vLLM, TensorRT-LLM), calling fn with each event's data and arrival time.
// It returns whether [DONE] arrived and when (since tic); fn's error stops it.
func ForEachEvent(r io.Reader, tic time.Time, fn func(data []byte, at time.Time) error) (done bool, end time.Duration, err error) {
	rd := sse.NewReader(r, nil)
	for {
		data, at, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return false, 0, nil
		}
		if err != nil {
			return false, 0, &RequestError{Kind: "connection", Msg: "stream broke: " + err.Error()}
		}
		if string(data) == "[DONE]" {
			return true, time.Since(tic), nil
		}
		if err := fn(data, at); err != nil {
			return false, 0, err
		}
	}
}

// PostStream sends body to url and, on 200, hands the response body and the
// time taken just before sending to read; it then drains what follows the
// stream's end so the connection is reused. HTTP failures are RequestErrors.
func PostStream(ctx context.Context, hc *http.Client, url string, body []byte, read func(r io.Reader, tic time.Time) (*Stream, error)) (*Stream, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	tic := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &RequestError{Kind: "connection", Msg: err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		path := req.URL.Path
		return nil, &RequestError{Kind: "http", Msg: fmt.Sprintf("%s answered %d: %s", path, resp.StatusCode, strings.TrimSpace(string(b)))}
	}
	if ct := resp.Header.Get("Content-Type"); !isEventStream(ct) {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		mt, _, _ := mime.ParseMediaType(ct)
		return nil, &RequestError{Kind: "http", Msg: fmt.Sprintf("%s answered 200 but not an event stream (%s): %.120q", req.URL.Path, mt, bytes.TrimSpace(b))}
	}
	s, err := read(resp.Body, tic)
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return s, err
}

// isEventStream reports whether a response's Content-Type allows an SSE
// stream: text/event-stream as engines send it, none, or text/plain (what a
// server that writes without saying gets from content sniffing). An HTML page
// or a JSON document (a proxy's login page, an error) is not one.
func isEventStream(ct string) bool {
	if strings.TrimSpace(ct) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "text/event-stream" || mt == "text/plain")
}

// OutputCap is the most completion tokens a request asked for outLen may
// stream: past it the server ignores the output length (max_new_tokens,
// max_tokens, num_predict), and the request is aborted instead of growing
// the client's memory until request_timeout.
func OutputCap(outLen int) int { return outLen + max(64, outLen/8) }

// CheckOutput fails request i once its count of streamed tokens passes OutputCap.
func CheckOutput(i, got, outLen int) error {
	if got <= OutputCap(outLen) {
		return nil
	}
	return &RequestError{Kind: "overrun", Msg: fmt.Sprintf("request %d streamed more than %d tokens when %d were asked (the server ignores the output length); aborted", i, OutputCap(outLen), outLen)}
}

// GenerateWithin sends req with c, bounded by d (request_timeout; 0: by ctx
// only). A request that d ended says so.
func GenerateWithin(ctx context.Context, c Client, req GenerateRequest, d time.Duration) (*Stream, error) {
	if d <= 0 {
		return c.Generate(ctx, req)
	}
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	s, err := c.Generate(rctx, req)
	if err != nil && ctx.Err() == nil && errors.Is(rctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("request timed out after %s (request_timeout): %w", d, err)
	}
	return s, err
}

// Bounded is a client whose generation requests are bounded by
// RequestTimeout (load profiles, which call Generate themselves).
type Bounded struct {
	Client
	RequestTimeout time.Duration
}

// Generate implements Client within the bound.
func (b Bounded) Generate(ctx context.Context, req GenerateRequest) (*Stream, error) {
	return GenerateWithin(ctx, b.Client, req, b.RequestTimeout)
}
