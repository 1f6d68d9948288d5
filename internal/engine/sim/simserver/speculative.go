package simserver

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// specModel is the sim's model of speculative decoding, from SGLang's
// --speculative-* flags (or vLLM's --speculative-config) and the settings
// pre-flight predicts (--sim-effective speculative_num_steps=3 ...). Each
// verify step drafts a chain of steps positions (topk candidates at each) and
// the target model verifies verify tokens per sequence in one forward; the
// drafts are accepted position after position with probability p until the
// first rejection, so a step yields 1 + accepted tokens. A forward over more
// tokens costs what the sim's step model says for that many sequences: about
// the same as one token while decode is memory-bound (small batches), close to
// verify times as much once it is compute-bound — which is why speculation
// wins at low batch and loses past a crossover.
type specModel struct {
	algo                string
	steps, topk, verify int
	p                   float64 // per-position acceptance of one draft candidate
	draftCost           float64 // one draft forward relative to a target decode step
}

// specDefaults: acceptance and draft cost per method (sim assumptions, not
// measurements): EAGLE heads and MTP layers are one layer deep, a standalone
// draft model is a small LLM, n-gram lookup costs no forward at all.
func specDefaults(algo string) (p, draftCost float64) {
	switch strings.ToUpper(algo) {
	case "EAGLE3":
		return 0.75, 0.08
	case "STANDALONE", "DRAFT_MODEL":
		return 0.6, 0.25
	case "NGRAM", "NGRAM_GPU", "SUFFIX":
		return 0.45, 0
	}
	return 0.7, 0.08
}

// specOf reads the speculative configuration of o; nil without one.
func specOf(o Options) (*specModel, error) {
	get := func(flag string) (string, bool) {
		if v, ok := o.Effective[strings.ReplaceAll(flag, "-", "_")]; ok {
			return v, true
		}
		v, ok := o.Extra[flag]
		return v, ok
	}
	m := &specModel{}
	if cfg, ok := o.Extra["speculative-config"]; ok { // vLLM
		var v struct {
			Method string `json:"method"`
			N      *int   `json:"num_speculative_tokens"`
		}
		if err := json.Unmarshal([]byte(cfg), &v); err != nil {
			return nil, fmt.Errorf("--speculative-config: %v", err)
		}
		m.algo, m.steps, m.topk = orDefault(v.Method, "draft_model"), 3, 1
		if v.N != nil {
			m.steps = *v.N
		}
	} else if a, ok := get("speculative-algorithm"); ok && !strings.EqualFold(a, "none") {
		m.algo, m.steps, m.topk = strings.ToUpper(a), 3, 1
	} else {
		return nil, nil
	}
	for flag, dst := range map[string]*int{"speculative-num-steps": &m.steps, "speculative-eagle-topk": &m.topk, "speculative-num-draft-tokens": &m.verify} {
		if v, ok := get(flag); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("--%s %q: a positive integer", flag, v)
			}
			*dst = n
		}
	}
	switch {
	case m.algo == "NGRAM":
		// SGLang's n-gram trie proposes verify tokens (12 by default) along
		// matched continuations: modelled as a chain as deep as the window.
		m.verify = orInt(m.verify, 12)
		m.steps, m.topk = min(m.verify-1, 8), 1
	case m.topk == 1 || m.verify == 0:
		m.verify = m.steps + 1 // SGLang's chain: num_steps + 1 tokens
	}
	m.p, m.draftCost = specDefaults(m.algo)
	for flag, dst := range map[string]*float64{"sim-spec-accept-prob": &m.p, "sim-spec-draft-cost": &m.draftCost} {
		if v, ok := o.Extra[flag]; ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 && flag == "sim-spec-accept-prob" || math.IsNaN(f) || f > 10 {
				return nil, fmt.Errorf("--%s %q: acceptance in [0, 1], draft cost in [0, 10]", flag, v)
			}
			*dst = f
		}
	}
	if m.steps < 1 || m.steps > 64 || m.verify > 1024 {
		return nil, fmt.Errorf("speculative steps %d / draft tokens %d out of the sim's range", m.steps, m.verify)
	}
	return m, nil
}

func orInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// positionP is the chance that one chain position holds an accepted token:
// any of its topk candidates.
func (m *specModel) positionP() float64 { return 1 - math.Pow(1-m.p, float64(m.topk)) }

// ExpectedAcceptLength is the mean tokens per verify step: 1 + Σ pos^i.
func (m *specModel) ExpectedAcceptLength() float64 {
	q, l, t := m.positionP(), 1.0, 1.0
	for i := 0; i < m.steps; i++ {
		t *= q
		l += t
	}
	return l
}

// specRun is one /generate or /v1/completions request's speculation.
type specRun struct {
	m                  *specModel
	left               int // tokens still to deliver from the current verify step
	verifies, accepted int
}

// newSpecRun starts a request's speculation (nil: the server does not speculate).
func (s *Server) newSpecRun() *specRun {
	m, _ := specOf(s.opts) // validated at start (Options.validate)
	if m == nil {
		return nil
	}
	return &specRun{m: m}
}

// stepUs is the modelled time before decode token tok: a verify step (draft
// chain plus one target forward over verify tokens per sequence) when the
// previous step's tokens are used up, else 0 (they arrive together).
func (r *specRun) stepUs(s *Server, lens []int, batch, tok int) float64 {
	if r.left > 0 {
		r.left--
		return 0
	}
	a := 0
	s.mu.Lock()
	for a < r.m.steps && s.rng.Float64() < r.m.positionP() {
		a++
	}
	s.mu.Unlock()
	r.verifies++
	r.accepted += a
	r.left = a // this token now, a more with it
	b := max(1, batch)
	verify := s.stepUs(lens, b*r.m.verify, tok)
	draft := float64(r.m.steps) * r.m.draftCost * s.stepUs(lens, b*r.m.topk, tok)
	return verify + draft
}

// meta adds SGLang's speculative fields to a finished request's meta_info
// (tokenizer_manager.py _calculate_spec_decoding_metrics: accept length =
// completion tokens / verify count; accept rate = accepted drafts / proposed).
func (r *specRun) meta(meta map[string]any, completion int) {
	if r == nil || r.verifies == 0 {
		return
	}
	meta["spec_verify_ct"] = r.verifies
	meta["spec_accept_length"] = float64(completion) / float64(r.verifies)
	if proposed := r.verifies * (r.m.verify - 1); proposed > 0 {
		meta["spec_accept_rate"] = float64(r.accepted) / float64(proposed)
	}
}

// specStats is the server's running accept length (/server_info
// internal_states[0].avg_spec_accept_length).
type specStats struct {
	mu               sync.Mutex
	tokens, verifies int
}

func (st *specStats) add(r *specRun, completion int) {
	if r == nil || r.verifies == 0 {
		return
	}
	st.mu.Lock()
	st.tokens += completion
	st.verifies += r.verifies
	st.mu.Unlock()
}

// avg is the mean accept length so far (0 before any speculative request).
func (st *specStats) avg() float64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.verifies == 0 {
		return 0
	}
	return float64(st.tokens) / float64(st.verifies)
}

// decodeUs is the modelled time before decode token tok: the plain decode
// step, or with speculation the verify step that delivers it (0 for the
// tokens a step delivers after its first).
func (s *Server) decodeUs(sp *specRun, lens []int, batch, tok int) float64 {
	if sp == nil {
		return s.stepUs(lens, batch, tok)
	}
	return sp.stepUs(s, lens, batch, tok)
}
