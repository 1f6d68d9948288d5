package simserver

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

type generateReq struct {
	InputIDs       json.RawMessage `json:"input_ids"`
	Text           json.RawMessage `json:"text"`
	SamplingParams struct {
		MaxNewTokens *int `json:"max_new_tokens"`
	} `json:"sampling_params"`
	Stream bool `json:"stream"`
}

// batchShape returns the number of requests and the prompt length of each.
func (g *generateReq) batchShape() ([]int, error) {
	if len(g.InputIDs) > 0 {
		var batch [][]int
		if err := json.Unmarshal(g.InputIDs, &batch); err == nil {
			var n []int
			for _, p := range batch {
				n = append(n, len(p))
			}
			return n, nil
		}
		var one []int
		if err := json.Unmarshal(g.InputIDs, &one); err != nil {
			return nil, fmt.Errorf("input_ids must be a list of ints or a list of lists: %v", err)
		}
		return []int{len(one)}, nil
	}
	if len(g.Text) > 0 {
		var many []string
		if err := json.Unmarshal(g.Text, &many); err == nil {
			var n []int
			for _, t := range many {
				n = append(n, max(1, len(t)/4))
			}
			return n, nil
		}
		var one string
		if err := json.Unmarshal(g.Text, &one); err != nil {
			return nil, fmt.Errorf("text must be a string or a list of strings")
		}
		return []int{max(1, len(one)/4)}, nil
	}
	return nil, fmt.Errorf("either text or input_ids should be provided")
}

func (s *Server) jittered(us float64) float64 {
	if s.opts.Jitter <= 0 {
		return us
	}
	s.mu.Lock()
	f := 1 + s.rng.NormFloat64()*s.opts.Jitter
	s.mu.Unlock()
	return us * math.Max(0.05, f)
}

func (s *Server) generate(w http.ResponseWriter, r *http.Request) {
	if !s.ready() {
		http.Error(w, `{"error":{"message":"server is not ready"}}`, 503)
		return
	}
	req, lens, maxNew, ok := parseGenerate(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	s.nGen++
	s.active++
	active := s.active
	defer func() { s.mu.Lock(); s.active--; s.mu.Unlock() }()
	n := s.nGen
	prof := s.profile
	s.profile = nil
	s.mu.Unlock()
	faulty := n >= s.opts.FaultAfter
	bs := len(lens)
	total := 0
	for _, l := range lens {
		total += l
	}
	// SGLang's scheduler log line for a prefill batch (scheduler.py log_prefill_stats).
	s.log.Printf("Prefill batch. #new-seq: %d, #new-token: %d, #cached-token: 0, max_new_tokens: %d", bs, total, maxNew)
	begin := time.Now()
	tr := s.track(lens)
	defer tr.done()
	// Run-to-run noise: one factor per request (--sim-jitter), on top of per-step noise.
	run := s.jittered(1)
	// Prefill: all prompts of the batch in one extend step.
	prefillUs := run * s.jittered(s.prefillUs(lens))
	fl := startStream(w, req.Stream)
	deadline := begin.Add(s.scaled(prefillUs))
	modelled := prefillUs
	texts := make([]strings.Builder, bs)
	var out []map[string]any
	decodeSteps := []float64{}
	sp := s.newSpecRun() // nil without speculative flags (speculative.go)
	for tok := 1; tok <= maxNew; tok++ {
		if tok > 1 {
			d := s.jittered(run * s.decodeUs(sp, lens, bs+active-1, tok))
			decodeSteps = append(decodeSteps, d)
			modelled += d
			deadline = deadline.Add(s.scaled(d))
		}
		time.Sleep(time.Until(deadline))
		if r.Context().Err() != nil {
			return
		}
		if faulty && s.opts.Fault == "die-mid-stream" && tok > maxNew/2 {
			s.log.Printf("Scheduler hit an exception: RuntimeError: CUDA error: an illegal memory access was encountered (simulated: --sim-fault die-mid-stream)")
			os.Exit(1)
		}
		out = s.writeTokens(w, tokenStep{req: &req, n: n, tok: tok, maxNew: maxNew, lens: lens, texts: texts, modelled: modelled, faulty: faulty, spec: sp}, out)
		if fl != nil {
			fl.Flush()
		}
		tr.token(tok)
	}
	s.recordThroughput(bs, decodeSteps)
	s.spec.add(sp, maxNew)
	endGenerate(w, req.Stream, fl, out)
	if prof != nil {
		go s.writeTraces(prof, bs, total, prefillUs, decodeSteps)
	}
}

// tokenStep is one decode step of a /generate request.
type tokenStep struct {
	req      *generateReq
	n, tok   int
	maxNew   int
	lens     []int
	texts    []strings.Builder
	modelled float64
	faulty   bool
	spec     *specRun
}

// writeTokens sends (or, without streaming, keeps for the reply) one event
// per request of the batch for this step, as SGLang's /generate does.
func (s *Server) writeTokens(w http.ResponseWriter, st tokenStep, out []map[string]any) []map[string]any {
	for i := 0; i < len(st.lens); i++ {
		st.texts[i].WriteString(" tok")
		meta := map[string]any{"id": "sim-" + strconv.Itoa(st.n) + "-" + strconv.Itoa(i), "finish_reason": nil,
			"prompt_tokens": st.lens[i], "completion_tokens": st.tok, "cached_tokens": 0}
		if st.tok == st.maxNew {
			meta["finish_reason"] = map[string]any{"type": "length", "length": st.maxNew}
			meta["e2e_latency"] = st.modelled / 1e6
			if s.opts.SpecAcceptLen > 0 {
				meta["spec_accept_length"] = s.opts.SpecAcceptLen
			}
			st.spec.meta(meta, st.maxNew)
		}
		ev := map[string]any{"text": st.texts[i].String(), "output_ids": []int{st.tok % 32000}, "index": i, "meta_info": meta}
		if st.tok == st.maxNew && !st.req.Stream {
			ev["output_ids"] = greedyIDs(st.req, i, st.maxNew) // the whole generation, as SGLang answers it
			out = append(out, ev)
		}
		if st.req.Stream {
			b, _ := json.Marshal(ev)
			if st.faulty && s.opts.Fault == "bad-stream" && st.tok == st.maxNew/2 {
				b = []byte(`{"text": "tok", "meta_info": {"completion_tok`) // truncated JSON
			}
			fmt.Fprintf(w, "data: %s\n\n", b)
		}
	}
	return out
}

// recordThroughput keeps the last generation throughput for /server_info.
func (s *Server) recordThroughput(bs int, decodeSteps []float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(decodeSteps) > 0 {
		sum := 0.0
		for _, d := range decodeSteps {
			sum += d
		}
		s.lastGen = float64(bs*len(decodeSteps)) / (sum / 1e6)
	}
}

// parseGenerate reads a /generate body: the batch's prompt lengths and
// max_new_tokens (128 by default, as SGLang's); a bad body is answered 400.
func parseGenerate(w http.ResponseWriter, r *http.Request) (generateReq, []int, int, bool) {
	var req generateReq
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"invalid JSON body"}}`, 400)
		return req, nil, 0, false
	}
	lens, err := req.batchShape()
	if err != nil {
		w.WriteHeader(400)
		writeJSON(w, map[string]any{"error": map[string]any{"message": err.Error()}})
		return req, nil, 0, false
	}
	maxNew := 128
	if req.SamplingParams.MaxNewTokens != nil {
		maxNew = *req.SamplingParams.MaxNewTokens
	}
	return req, lens, maxNew, true
}

// startStream sends a streamed answer's headers; nil for a plain answer.
func startStream(w http.ResponseWriter, stream bool) http.Flusher {
	if !stream {
		return nil
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(200)
	fl, _ := w.(http.Flusher)
	return fl
}

// endGenerate ends a streamed answer, or writes a plain one: one object
// for one prompt, a list for a batch.
func endGenerate(w http.ResponseWriter, stream bool, fl http.Flusher, out []map[string]any) {
	switch {
	case stream:
		fmt.Fprint(w, "data: [DONE]\n\n")
		if fl != nil {
			fl.Flush()
		}
	case len(out) == 1:
		writeJSON(w, out[0])
	default:
		writeJSON(w, out)
	}
}
