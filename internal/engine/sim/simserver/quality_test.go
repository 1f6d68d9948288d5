package simserver

import (
	"context"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sglang"
)

// The quality guard's greedy completion through SGLang's client against the
// sim: the answer carries every generated id, the same for the same prompt on
// any configuration, and different for another prompt.
func TestGreedyCompletionThroughSGLangClient(t *testing.T) {
	complete := func(o Options, prompt string) engine.Completion {
		o.TimeScale, o.StartupMs, o.FaultAfter, o.Fault = 1e-4, 0, 1<<30, "none"
		s := &Server{opts: o, speed: SpeedOf(o), start: time.Now(), log: log.New(io.Discard, "", 0), rng: rand.New(rand.NewPCG(1, 7))}
		srv := httptest.NewServer(http.HandlerFunc(s.generate))
		defer srv.Close()
		c := sglang.NewClient(srv.URL)
		c.Base = srv.URL // the handler answers every path
		got, err := c.Complete(context.Background(), engine.CompleteRequest{Prompt: prompt, MaxTokens: 12})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a := complete(Options{ModelPath: "m", TP: 1, EP: 1, Slowdown: 1}, "Once upon a time")
	b := complete(Options{ModelPath: "m", TP: 8, EP: 1, Slowdown: 1, Jitter: 0.2}, "Once upon a time")
	c := complete(Options{ModelPath: "m", TP: 1, EP: 1, Slowdown: 1}, "Water boils")
	if len(a.IDs) != 12 || !slices.Equal(a.IDs, b.IDs) || slices.Equal(a.IDs, c.IDs) || a.Finish != "length" {
		t.Fatalf("ids %v / %v / %v, finish %q", a.IDs, b.IDs, c.IDs, a.Finish)
	}
}
