package simserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// completions serves vLLM's OpenAI-style /v1/completions stream: one chunk per
// token per prompt, then a usage chunk, then [DONE].
func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	if !s.ready() {
		http.Error(w, `{"error":{"message":"not ready"}}`, 503)
		return
	}
	var req struct {
		Prompt    json.RawMessage `json:"prompt"`
		MaxTokens int             `json:"max_tokens"`
		Stream    bool            `json:"stream"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"invalid JSON"}}`, 400)
		return
	}
	var batch [][]int
	if json.Unmarshal(req.Prompt, &batch) != nil {
		var one []int
		if json.Unmarshal(req.Prompt, &one) != nil {
			http.Error(w, `{"error":{"message":"prompt must be token ids"}}`, 400)
			return
		}
		batch = [][]int{one}
	}
	n := max(1, req.MaxTokens)
	total := 0
	for _, p := range batch {
		total += len(p)
	}
	s.mu.Lock()
	s.nGen++
	prof := s.openaiProfile
	s.mu.Unlock()
	run := s.jittered(1)
	lens := make([]int, len(batch))
	for i, p := range batch {
		lens[i] = len(p)
	}
	prefillUs := run * s.jittered(s.prefillUs(lens))
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	fl := w.(http.Flusher)
	begin := time.Now()
	tr := s.track(lens)
	defer tr.done()
	deadline := begin.Add(s.scaled(prefillUs))
	var steps []float64
	sp := s.newSpecRun() // nil without --speculative-config (speculative.go)
	for tok := 1; tok <= n; tok++ {
		if tok > 1 {
			d := s.jittered(run * s.decodeUs(sp, lens, len(batch), tok))
			steps = append(steps, d)
			deadline = deadline.Add(s.scaled(d))
		}
		time.Sleep(time.Until(deadline))
		if r.Context().Err() != nil {
			return
		}
		for i := range batch {
			fin := "null"
			if tok == n {
				fin = `"length"`
			}
			fmt.Fprintf(w, `data: {"id":"cmpl-sim","object":"text_completion","created":%d,"model":%q,"choices":[{"index":%d,"text":" t","logprobs":null,"finish_reason":%s,"stop_reason":null}],"usage":null}`+"\n\n",
				begin.Unix(), s.opts.ModelPath, i, fin)
		}
		fl.Flush()
		tr.token(tok)
	}
	fmt.Fprintf(w, `data: {"id":"cmpl-sim","object":"text_completion","created":%d,"model":%q,"choices":[],"usage":{"prompt_tokens":%d,"total_tokens":%d,"completion_tokens":%d}}`+"\n\ndata: [DONE]\n\n",
		begin.Unix(), s.opts.ModelPath, total, total+n*len(batch), n*len(batch))
	fl.Flush()
	if prof != nil {
		s.mu.Lock()
		prof.prefill, prof.decode, prof.bs, prof.toks = prefillUs, steps, len(batch), total
		s.mu.Unlock()
	}
}

type openaiProfile struct {
	dir      string
	prefill  float64
	decode   []float64
	bs, toks int
}

// vLLM's profiler: /start_profile works only with VLLM_TORCH_PROFILER_DIR set;
// /stop_profile writes <worker>.<time_ns>.pt.trace.json.gz per rank.
func (s *Server) openaiStartProfile(w http.ResponseWriter, r *http.Request) {
	dir := os.Getenv("VLLM_TORCH_PROFILER_DIR")
	if dir == "" {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.openaiProfile = &openaiProfile{dir: dir}
	s.mu.Unlock()
}

func (s *Server) openaiStopProfile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.openaiProfile
	s.openaiProfile = nil
	s.mu.Unlock()
	if p == nil {
		http.NotFound(w, r)
		return
	}
	os.MkdirAll(p.dir, 0o755)
	steps := append([]float64{p.prefill}, p.decode...)
	// One file per worker, named as vLLM names them: dp<d>_pp<p>_tp<t>_dcp0_ep<e>_rank<r>.
	for _, sr := range s.Ranks() {
		name := "dp" + strconv.Itoa(max(sr.DP, 0)) + "_pp" + strconv.Itoa(max(sr.PP, 0)) + "_tp" + strconv.Itoa(sr.TP) + "_dcp0_ep" + strconv.Itoa(sr.EP) +
			"_rank" + strconv.Itoa(sr.Global) + "." + strconv.FormatInt(time.Now().UnixNano(), 10) + ".pt.trace.json.gz"
		os.WriteFile(filepath.Join(p.dir, name), s.buildRankTrace(sr, "", p.bs, p.toks, steps), 0o644)
	}
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"version": s.Version, "sim_time_scale": s.opts.TimeScale})
}
