package simserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Server is a running sim server.
type Server struct {
	opts          Options
	speed         Speed
	start         time.Time
	log           *log.Logger
	mu            sync.Mutex
	rng           *rand.Rand
	nGen          int
	openaiProfile *openaiProfile
	active        int
	profile       *profileReq
	lastGen       float64
	Version       string
	trt           *trtllmState // --sim-protocol trtllm
	spec          specStats    // speculative accept length so far (speculative.go)
	met           *simMetrics  // /metrics (metrics.go)
}

type profileReq struct {
	OutputDir      string `json:"output_dir"`
	NumSteps       any    `json:"num_steps"`
	ProfileByStage bool   `json:"profile_by_stage"`
	ProfilePrefix  string `json:"profile_prefix"`
}

// Run starts a sim server and serves until ctx ends or a fault stops it.
// logw receives SGLang-like log lines.
func Run(ctx context.Context, o Options, logw io.Writer, version string) error {
	lg := log.New(logw, "[sim] ", log.LstdFlags|log.Lmicroseconds)
	seed := o.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	s := &Server{opts: o.ran(), speed: SpeedOf(o.ran()), start: time.Now(), log: lg, rng: rand.New(rand.NewPCG(seed, 7)), Version: "sim-" + version}
	if len(o.Refuse) > 0 {
		return refuse(lg, logw, o)
	}
	switch o.Fault {
	case "crash-at-start":
		lg.Printf("Loading model %s, tp_size=%d", o.ModelPath, o.TP)
		fmt.Fprintln(logw, "Traceback (most recent call last):\n  File \"sglang/srt/managers/scheduler.py\", line 2412, in run_scheduler_process\nRuntimeError: simulated crash at start (--sim-fault crash-at-start)")
		return errors.New("simulated crash at start")
	case "oom-at-start":
		lg.Printf("Loading model %s, tp_size=%d", o.ModelPath, o.TP)
		fmt.Fprintln(logw, "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 3.50 GiB. GPU 0 has a total capacity of 139.81 GiB of which 1.20 GiB is free. (simulated: --sim-fault oom-at-start)")
		return errors.New("simulated out of memory")
	case "hang-on-stop":
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
		lg.Printf("will ignore SIGTERM (--sim-fault hang-on-stop)")
	}
	adm, err := newAdmission(o)
	if err != nil {
		fmt.Fprintf(logw, "ERROR: %v\n", err)
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.Port)))
	if err != nil {
		fmt.Fprintf(logw, "ERROR: cannot listen on %s:%d: %v (is another server using the port? choose another --port)\n", o.Host, o.Port, err)
		return fmt.Errorf("port %d on %s is not free: %w", o.Port, o.Host, err)
	}
	lg.Printf("environment: CUDA_VISIBLE_DEVICES=%q NCCL_NVLS_ENABLE=%q TORCH_SYMM_MEM_DISABLE_MULTICAST=%q NVSHMEM_DISABLE_NVLS=%q",
		os.Getenv("CUDA_VISIBLE_DEVICES"), os.Getenv("NCCL_NVLS_ENABLE"), os.Getenv("TORCH_SYMM_MEM_DISABLE_MULTICAST"), os.Getenv("NVSHMEM_DISABLE_NVLS"))
	lg.Printf("sim server for %s tp=%d ep=%d moe=%q listening on %s (time scale %g, fault %s)", o.ModelPath, o.TP, o.EP, o.MoEBackend, ln.Addr(), o.TimeScale, o.Fault)
	lg.Print(o.timingLine())
	printLogLines(logw, o)
	mux := http.NewServeMux()
	mux.HandleFunc("/health", s.health)
	mux.HandleFunc("/health_generate", s.health)
	mux.HandleFunc("/generate", adm.wrap(s.generate))
	mux.HandleFunc("/flush_cache", s.flush)
	mux.HandleFunc("/server_info", s.serverInfo)
	mux.HandleFunc("/get_server_info", s.serverInfo)
	mux.HandleFunc("/model_info", s.modelInfo)
	mux.HandleFunc("/get_model_info", s.modelInfo)
	mux.HandleFunc("/v1/models", s.models)
	mux.HandleFunc("/start_profile", s.startProfile)
	mux.HandleFunc("/stop_profile", s.stopProfile)
	// vLLM's OpenAI-style protocol, for dry runs of engine: vllm.
	mux.HandleFunc("/v1/completions", adm.wrap(s.completions))
	mux.HandleFunc("/version", s.version)
	mux.HandleFunc("/reset_prefix_cache", s.flush)
	mux.HandleFunc("/metrics", s.metrics) // SGLang's names, with --enable-metrics
	h, err := s.protocol(mux)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: h}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	go func() {
		time.Sleep(s.scaled(o.StartupMs * 1e3))
		if s.opts.Fault != "never-ready" {
			lg.Printf("The server is fired up and ready to roll!")
		}
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// scaled converts modelled microseconds to a real sleep duration.
func (s *Server) scaled(us float64) time.Duration {
	return time.Duration(us * s.opts.TimeScale * float64(time.Microsecond))
}

func (s *Server) ready() bool {
	if s.opts.Fault == "never-ready" {
		return false
	}
	return time.Since(s.start) >= s.scaled(s.opts.StartupMs*1e3)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if !s.ready() {
		w.WriteHeader(503)
		return
	}
	w.WriteHeader(200)
}

func (s *Server) flush(w http.ResponseWriter, r *http.Request) {
	if s.stuck(w, r, "hang-flush") {
		return
	}
	io.WriteString(w, "Cache flushed.\nPlease check backend logs for more details. (When there are running or waiting requests, the operation will not be performed.)\n")
}

func (s *Server) modelInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"model_path": s.opts.ModelPath, "tokenizer_path": s.opts.ModelPath, "is_generation": true, "model_type": "sim", "architectures": []string{"SimForCausalLM"}})
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"object": "list", "data": []map[string]any{{"id": s.opts.ModelPath, "object": "model", "owned_by": "sglang"}}})
}

func (s *Server) serverInfo(w http.ResponseWriter, r *http.Request) {
	if s.stuck(w, r, "hang-server-info") {
		return
	}
	s.mu.Lock()
	lastGen := s.lastGen
	s.mu.Unlock()
	state := map[string]any{"last_gen_throughput": lastGen, "memory_usage": map[string]any{"token_capacity": 1 << 20}}
	if s.opts.SpecAcceptLen > 0 {
		state["avg_spec_accept_length"] = s.opts.SpecAcceptLen
	} else if a := s.spec.avg(); a > 0 {
		state["avg_spec_accept_length"] = a
	}
	info := s.opts.effectiveInfo()
	for k, v := range map[string]any{"host": s.opts.Host, "port": s.opts.Port, "version": s.Version, "sim_time_scale": s.opts.TimeScale,
		"sim_fault": s.opts.Fault, "sim_timing": s.opts.timing(), "internal_states": []any{state}} {
		info[k] = v
	}
	writeJSON(w, info)
}

func (s *Server) startProfile(w http.ResponseWriter, r *http.Request) {
	if os.Getenv("VLLM_TORCH_PROFILER_DIR") != "" && r.ContentLength <= 0 {
		s.openaiStartProfile(w, r)
		return
	}
	var p profileReq
	if r.Body != nil {
		json.NewDecoder(r.Body).Decode(&p)
	}
	if p.OutputDir == "" {
		p.OutputDir = os.Getenv("SGLANG_TORCH_PROFILER_DIR")
	}
	if p.OutputDir == "" {
		p.OutputDir = "/tmp"
	}
	s.mu.Lock()
	s.profile = &p
	s.mu.Unlock()
	s.log.Printf("Profiling starts. Traces will be saved to: %s (with profile id: %s)", p.OutputDir, "pending")
	io.WriteString(w, "Start profiling.\n")
}

func (s *Server) stopProfile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	vllm := s.openaiProfile != nil
	s.mu.Unlock()
	if vllm {
		s.openaiStopProfile(w, r)
		return
	}
	s.mu.Lock()
	s.profile = nil
	s.mu.Unlock()
	io.WriteString(w, "Stop profiling. This will take some time.\n")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
