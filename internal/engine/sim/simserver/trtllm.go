package simserver

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// protocols are the wire protocols --sim-protocol selects ("": SGLang's and
// vLLM's routes together, as the sim has always served them).
var protocols = map[string]bool{"": true, "trtllm": true}

// protocol returns the handler for the sim's protocol: the SGLang/vLLM mux,
// or TensorRT-LLM's routes only (tensorrt_llm/serve/openai_server.py
// register_routes), after reading the extra options file as trtllm-serve does.
func (s *Server) protocol(mux *http.ServeMux) (http.Handler, error) {
	if s.opts.Protocol != "trtllm" {
		return mux, nil
	}
	if err := s.trtllmStart(); err != nil {
		s.log.Printf("%v", err)
		return nil, err
	}
	t := http.NewServeMux()
	t.HandleFunc("/health", s.health)
	t.HandleFunc("/health_generate", s.health)
	t.HandleFunc("/version", s.version)
	t.HandleFunc("/v1/models", s.trtllmModels)
	t.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, []any{}) })
	t.HandleFunc("/v1/completions", s.trtllmCompletions)
	t.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		writeJSON(w, map[string]any{"detail": "Not Found"})
	})
	return t, nil
}

// trtllmState is the TensorRT-LLM stand-in's state: stream interval, executor
// iterations and the launch-time profiler window.
type trtllmState struct {
	mu             sync.Mutex
	streamInterval int
	iter           int
	winStart       int
	winEnd         int
	trace          string
	steps          []float64
	bs, toks       int
}

// trtllmBackends maps moe_config.backend to the sim's speed-model names.
var trtllmBackends = map[string]string{"CUTLASS": "cutlass", "TRTLLM": "flashinfer_trtllm", "DEEPGEMM": "deep_gemm",
	"TRITON": "triton", "CUTEDSL": "flashinfer_cutedsl", "WIDEEP": "cutlass", "VANILLA": "triton", "DENSEGEMM": "cutlass"}

// trtllmStart reads --extra_llm_api_options (trtllm-serve fails when the file
// is missing or names an unknown MoE backend) and the profiler window.
func (s *Server) trtllmStart() error {
	st := &trtllmState{streamInterval: 1, winStart: -1, winEnd: -1}
	s.trt = st
	path := s.opts.Extra["extra_llm_api_options"]
	if path == "" {
		path = s.opts.Extra["config"]
	}
	backend := "CUTLASS"
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("FileNotFoundError: [Errno 2] No such file or directory: '%s' (simulated trtllm-serve)", path)
		}
		var doc struct {
			MoE struct {
				Backend string `yaml:"backend"`
			} `yaml:"moe_config"`
			StreamInterval int `yaml:"stream_interval"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("yaml.scanner.ScannerError in %s: %v (simulated trtllm-serve)", path, err)
		}
		if doc.MoE.Backend != "" {
			backend = doc.MoE.Backend
		}
		st.streamInterval = max(1, doc.StreamInterval)
	}
	if ran := s.opts.Effective["moe_backend"]; ran != "" { // a rehearsed fallback
		backend = ran
	}
	name, ok := trtllmBackends[backend]
	if !ok {
		return fmt.Errorf("ValueError: Unsupported moe backend: %s (simulated trtllm-serve)", backend)
	}
	s.opts.MoEBackend = name
	s.speed = SpeedOf(s.opts)
	s.log.Printf("[TRT-LLM] [I] moe_config.backend=%s stream_interval=%d", backend, st.streamInterval)
	st.trace = os.Getenv("TLLM_TORCH_PROFILE_TRACE")
	if w := os.Getenv("TLLM_PROFILE_START_STOP"); w != "" {
		a, b, _ := strings.Cut(strings.Split(w, ",")[0], "-")
		st.winStart, _ = strconv.Atoi(strings.TrimSpace(a))
		st.winEnd = st.winStart
		if b != "" {
			st.winEnd, _ = strconv.Atoi(strings.TrimSpace(b))
		}
	}
	return nil
}

// trtllmModelName is OpenAIServer's model name: a local directory's name, else the path as given.
func (s *Server) trtllmModelName() string {
	if st, err := os.Stat(s.opts.ModelPath); err == nil && st.IsDir() {
		return filepath.Base(s.opts.ModelPath)
	}
	return s.opts.ModelPath
}

func (s *Server) trtllmModels(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"object": "list", "data": []map[string]any{{"id": s.trtllmModelName(), "object": "model",
		"created": s.start.Unix(), "owned_by": "tensorrt_llm"}}})
}

// trtllmFields are CompletionRequest's fields (openai_protocol.py): its
// model_config forbids any other.
var trtllmFields = strings.Fields(`model prompt best_of echo frequency_penalty logit_bias logprobs max_tokens n
	presence_penalty seed stop stream stream_options suffix temperature top_p user lora_request prompt_ignore_length
	use_beam_search top_k top_p_min min_p repetition_penalty length_penalty early_stopping stop_token_ids
	include_stop_str_in_output ignore_eos min_tokens skip_special_tokens spaces_between_special_tokens
	truncate_prompt_tokens return_context_logits detokenize thinking_token_budget add_special_tokens
	response_format disaggregated_params priority conversation_params`)

type trtllmRequest struct {
	prompts           [][]int
	maxTokens         int
	usage, continuous bool
	model             string
	stream, ignoreEOS bool
	minTokens         int
}

// parseTRTLLMRequest validates a body as pydantic would; the error is the 400 message.
func parseTRTLLMRequest(b []byte) (*trtllmRequest, string) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, "JSON decode error"
	}
	for k := range raw {
		if !containsString(trtllmFields, k) {
			return nil, fmt.Sprintf("1 validation error for CompletionRequest\n%s\n  Extra inputs are not permitted", k)
		}
	}
	req := &trtllmRequest{maxTokens: 16}
	if json.Unmarshal(raw["model"], &req.model) != nil || req.model == "" {
		return nil, "1 validation error for CompletionRequest\nmodel\n  Field required"
	}
	if json.Unmarshal(raw["prompt"], &req.prompts) != nil {
		var one []int
		if json.Unmarshal(raw["prompt"], &one) != nil || len(one) == 0 {
			return nil, "the simulated trtllm-serve takes token-id prompts: prompt must be a list of ints or of lists of ints"
		}
		req.prompts = [][]int{one}
	}
	json.Unmarshal(raw["max_tokens"], &req.maxTokens)
	json.Unmarshal(raw["min_tokens"], &req.minTokens)
	json.Unmarshal(raw["stream"], &req.stream)
	json.Unmarshal(raw["ignore_eos"], &req.ignoreEOS)
	if so, ok := raw["stream_options"]; ok && string(so) != "null" {
		if !req.stream {
			return nil, "Stream options can only be defined when stream is true."
		}
		var opts map[string]json.RawMessage
		if json.Unmarshal(so, &opts) != nil {
			return nil, "stream_options must be an object"
		}
		req.usage = true // StreamOptions.include_usage defaults to True
		for k, v := range opts {
			switch k {
			case "include_usage":
				json.Unmarshal(v, &req.usage)
			case "continuous_usage_stats":
				json.Unmarshal(v, &req.continuous)
			default:
				return nil, fmt.Sprintf("1 validation error for StreamOptions\n%s\n  Extra inputs are not permitted", k)
			}
		}
		req.continuous = req.continuous && req.usage
	}
	if len(req.prompts) == 0 || req.maxTokens < 1 {
		return nil, "prompt must not be empty and max_tokens must be positive"
	}
	return req, ""
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// trtllmCompletions streams as OpenAIServer.openai_completion does: one
// generation per prompt, their chunks merged (choice index = prompt index),
// a chunk every stream_interval iterations, continuous usage on request, each
// prompt's usage-only chunk at its end, then [DONE].
func (s *Server) trtllmCompletions(w http.ResponseWriter, r *http.Request) {
	if !s.ready() {
		http.Error(w, `{"error":"not ready"}`, 503)
		return
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	req, msg := parseTRTLLMRequest(b)
	if msg == "" && !req.stream {
		msg = "the simulated trtllm-serve streams only: send stream: true"
	}
	if msg != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		json.NewEncoder(w).Encode(map[string]any{"error": msg})
		return
	}
	s.mu.Lock()
	s.nGen++
	s.mu.Unlock()
	total := 0
	for _, p := range req.prompts {
		total += len(p)
	}
	n, bs, every := req.maxTokens, len(req.prompts), s.trt.streamInterval
	run := s.jittered(1)
	prefillUs := run * s.jittered(float64(total)*s.speed.PrefillUsPerToken)
	stepUs := run * s.speed.DecodeStepMs * 1e3 * (1 + 0.02*float64(bs-1))
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	fl := w.(http.Flusher)
	id, created := fmt.Sprintf("cmpl-sim%d", time.Now().UnixNano()), time.Now().Unix()
	deadline := time.Now().Add(s.scaled(prefillUs))
	s.trtllmIteration(prefillUs, bs, total)
	for tok := 1; tok <= n; tok++ {
		if tok > 1 {
			d := s.jittered(stepUs)
			deadline = deadline.Add(s.scaled(d))
			s.trtllmIteration(d, bs, total)
		}
		time.Sleep(time.Until(deadline))
		if r.Context().Err() != nil {
			return
		}
		if tok%every != 0 && tok != n {
			continue
		}
		k := every
		if tok == n && n%every != 0 {
			k = n % every
		}
		for i, p := range req.prompts {
			writeTRTLLMChunk(w, id, created, req, i, len(p), tok, k, tok == n)
		}
		fl.Flush()
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}

// writeTRTLLMChunk writes prompt i's chunk of k new tokens (tok so far) and,
// at its end, its usage-only chunk (a ChatCompletionStreamResponse in the
// server's code: object chat.completion.chunk).
func writeTRTLLMChunk(w io.Writer, id string, created int64, req *trtllmRequest, i, promptLen, tok, k int, last bool) {
	fin := "null"
	if last {
		fin = `"length"`
	}
	usage := "null"
	if req.continuous {
		usage = fmt.Sprintf(`{"prompt_tokens":%d,"total_tokens":%d,"completion_tokens":%d,"prompt_tokens_details":{"cached_tokens":0}}`, promptLen, promptLen+tok, tok)
	}
	fmt.Fprintf(w, `data: {"id":%q,"object":"text_completion","created":%d,"model":%q,"choices":[{"index":%d,"text":%q,"token_ids":null,"logprobs":null,"finish_reason":%s,"stop_reason":null,"avg_decoded_tokens_per_iter":null}],"usage":%s}`+"\n\n",
		id, created, req.model, i, strings.Repeat(" t", k), fin, usage)
	if last && req.usage {
		fmt.Fprintf(w, `data: {"id":"chatcmpl-sim","object":"chat.completion.chunk","created":%d,"model":%q,"choices":[],"usage":{"prompt_tokens":%d,"total_tokens":%d,"completion_tokens":%d,"prompt_tokens_details":{"cached_tokens":0}}}`+"\n\n",
			created, req.model, promptLen, promptLen+tok, tok)
	}
}

// trtllmIteration counts one executor iteration (the batch's prefill or one
// decode step); inside the profiler window it records the step, and when the
// window's last iteration ends it writes every rank's trace as PyExecutor does
// (<base>-rank-<global rank><ext>, written to a temporary file and renamed).
func (s *Server) trtllmIteration(stepUs float64, bs, toks int) {
	st := s.trt
	st.mu.Lock()
	defer st.mu.Unlock()
	st.iter++
	if st.trace == "" || st.winStart < 0 || st.iter < st.winStart || st.iter > st.winEnd {
		return
	}
	st.steps = append(st.steps, stepUs)
	st.bs, st.toks = bs, toks
	if st.iter != st.winEnd {
		return
	}
	ext := filepath.Ext(st.trace)
	base := strings.TrimSuffix(st.trace, ext)
	os.MkdirAll(filepath.Dir(st.trace), 0o755)
	for _, sr := range s.Ranks() {
		body := s.buildRankTrace(sr, "", st.bs, st.toks, st.steps)
		if ext != ".gz" {
			if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
				body, _ = io.ReadAll(zr)
			}
		}
		path := base + "-rank-" + strconv.Itoa(sr.Global) + ext
		if os.WriteFile(path+".tmp", body, 0o644) == nil {
			os.Rename(path+".tmp", path)
		}
	}
	s.log.Printf("[TRT-LLM] [I] Profiling stopped at iteration %d, trace saved to %s", st.iter, st.trace)
}
