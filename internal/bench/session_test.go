package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sglang"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

// stuckServer is an SGLang server whose /server_info stops answering after
// the first /generate and whose /start_profile never answers.
type stuckServer struct {
	gens, infoHangs atomic.Int32
	profileAsked    chan struct{}
}

func (f *stuckServer) start(t *testing.T) string {
	f.profileAsked = make(chan struct{}, 1)
	quit := make(chan struct{})
	hang := func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-quit:
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/flush_cache", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/server_info", func(w http.ResponseWriter, r *http.Request) {
		if f.gens.Load() > 0 {
			f.infoHangs.Add(1)
			hang(r)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"version": "fake"})
	})
	mux.HandleFunc("/start_profile", func(w http.ResponseWriter, r *http.Request) {
		f.profileAsked <- struct{}{}
		hang(r)
	})
	mux.HandleFunc("/generate", func(w http.ResponseWriter, r *http.Request) {
		f.gens.Add(1)
		var req struct {
			InputIDs [][]int `json:"input_ids"`
			SP       struct {
				N int `json:"max_new_tokens"`
			} `json:"sampling_params"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		for i := range req.InputIDs {
			for k := 1; k <= req.SP.N; k++ {
				fr := "null"
				if k == req.SP.N {
					fr = `{"type":"length"}`
				}
				fmt.Fprintf(w, "data: {\"index\":%d,\"meta_info\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"finish_reason\":%s}}\n\n", i, len(req.InputIDs[i]), k, fr)
			}
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(quit) })
	return srv.URL
}

func stuckSession(t *testing.T, f *stuckServer, cases int, got *[]results.Result) *Session {
	cfg := plan.Config{ID: "stuck", GPUs: 1}
	for i := 0; i < cases; i++ {
		cfg.Cases = append(cfg.Cases, plan.Case{BatchSize: 1 + i, InputLen: 8, OutputLen: 4})
	}
	return &Session{Client: sglang.NewClient(f.start(t)), Config: cfg, TraceDir: t.TempDir() + "/run/stuck/traces",
		Settings: Settings{Prompts: PromptsRandomIDs, RequestTimeout: time.Minute},
		Notef:    func(string, ...any) {},
		Emit:     func(r results.Result) error { *got = append(*got, r); return nil }}
}

// A /server_info that stops answering costs one bound, not one per case,
// and every case is measured.
func TestStuckServerInfoIsAskedOnce(t *testing.T) {
	f := &stuckServer{}
	var got []results.Result
	ctx := engine.WithControlCap(context.Background(), 100*time.Millisecond)
	if err := stuckSession(t, f, 3, &got).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Status != results.StatusOK {
		t.Fatalf("results %+v", got)
	}
	if n := f.infoHangs.Load(); n != 1 {
		t.Fatalf("a stuck /server_info was asked %d times", n)
	}
}

// Ctrl-C while the profiler's start hangs: the measured case is recorded.
func TestInterruptDuringProfileKeepsTheMeasurement(t *testing.T) {
	f := &stuckServer{}
	var got []results.Result
	s := stuckSession(t, f, 2, &got)
	s.Settings.Profile = true
	ctx, cancel := context.WithCancel(engine.WithControlCap(context.Background(), 100*time.Millisecond))
	go func() { <-f.profileAsked; cancel() }()
	err := s.Run(ctx)
	if err != context.Canceled {
		t.Fatalf("Run: %v", err)
	}
	if len(got) != 1 || got[0].Status != results.StatusOK || got[0].LatencyS == nil || !strings.Contains(got[0].ProfileError, "interrupted while profiling") {
		t.Fatalf("results %+v", got)
	}
}
