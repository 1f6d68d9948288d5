// Package emitter is a precise token emitter: an HTTP server that speaks
// SGLang's /generate SSE protocol and sends the first token exactly TTFT after
// a request arrives and then one token every ITL, on a schedule kept against
// absolute deadlines. Each event carries the offset at which it was really
// written, so a client's measurements can be checked against the truth.
package emitter

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
)

// Emitter is a running emitter.
type Emitter struct {
	TTFT, ITL time.Duration
	URL       string
	srv       *http.Server
	ln        net.Listener
	Requests  atomic.Int64
	active    atomic.Int64
}

// Start starts an emitter on a free loopback port.
func Start(ttft, itl time.Duration) (*Emitter, error) { return StartOn("127.0.0.1:0", ttft, itl) }

// StartOn starts an emitter on addr.
func StartOn(addr string, ttft, itl time.Duration) (*Emitter, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	e := &Emitter{TTFT: ttft, ITL: itl, ln: ln, URL: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("/generate", e.generate)
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/flush_cache", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/server_info", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"version":"emitter","internal_states":[{}]}`)
	})
	e.srv = &http.Server{Handler: mux}
	go e.srv.Serve(ln)
	return e, nil
}

// Close stops the emitter.
func (e *Emitter) Close() error { return e.srv.Close() }

// sleepUntil sleeps to just before t, then spins when few streams are active:
// timers alone are late by tens to hundreds of microseconds.
func (e *Emitter) sleepUntil(t time.Time) {
	spin := e.active.Load() <= 4
	margin := time.Duration(0)
	if spin {
		margin = 300 * time.Microsecond
	}
	if d := time.Until(t) - margin; d > 0 {
		time.Sleep(d)
	}
	for spin && time.Now().Before(t) {
		runtime.Gosched()
	}
}

func (e *Emitter) generate(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	e.Requests.Add(1)
	e.active.Add(1)
	defer e.active.Add(-1)
	var req struct {
		InputIDs       json.RawMessage `json:"input_ids"`
		SamplingParams struct {
			MaxNewTokens int `json:"max_new_tokens"`
		} `json:"sampling_params"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad body", 400)
		return
	}
	n := max(1, req.SamplingParams.MaxNewTokens)
	var batch [][]int
	if json.Unmarshal(req.InputIDs, &batch) != nil || len(batch) == 0 {
		batch = [][]int{{0}}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	w.WriteHeader(200)
	fl.Flush()
	// On a schedule every token is written and flushed on its own; as fast as
	// possible (ITL 0), 256 tokens go out in one write and one chunk, so the
	// emitter is never the bottleneck and spends little of the machine.
	batched := e.ITL == 0
	buf := make([]byte, 0, 512)
	for tok := 1; tok <= n; tok++ {
		at := arrived.Add(e.TTFT + time.Duration(tok-1)*e.ITL)
		if !batched || tok == 1 {
			e.sleepUntil(at)
		}
		sent := time.Since(arrived)
		for i := range batch {
			buf = appendEvent(buf, i, tok, n, len(batch[i]), sent)
		}
		if batched && tok%256 != 0 && tok != 1 && tok != n {
			continue
		}
		if _, err := w.Write(buf); err != nil {
			return
		}
		buf = buf[:0]
		fl.Flush()
		if r.Context().Err() != nil {
			return
		}
	}
	w.Write([]byte("data: [DONE]\n\n"))
	fl.Flush()
}

// appendEvent appends the event of token tok of n for request i (prompt tokens), written at sent.
func appendEvent(buf []byte, i, tok, n, prompt int, sent time.Duration) []byte {
	buf = append(buf, `data: {"text":"x","index":`...)
	buf = strconv.AppendInt(buf, int64(i), 10)
	buf = append(buf, `,"meta_info":{"id":"e","finish_reason":`...)
	if tok == n {
		buf = append(buf, `{"type":"length","length":`...)
		buf = strconv.AppendInt(buf, int64(n), 10)
		buf = append(buf, '}')
	} else {
		buf = append(buf, "null"...)
	}
	buf = append(buf, `,"prompt_tokens":`...)
	buf = strconv.AppendInt(buf, int64(prompt), 10)
	buf = append(buf, `,"completion_tokens":`...)
	buf = strconv.AppendInt(buf, int64(tok), 10)
	buf = append(buf, `,"sent_ns":`...)
	buf = strconv.AppendInt(buf, sent.Nanoseconds(), 10)
	return append(buf, "}}\n\n"...)
}
