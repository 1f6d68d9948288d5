package load

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/sweep"
	"github.com/servesweep/servesweep/internal/workload"
)

// fakeServer answers after a fixed delay and records every request.
type fakeServer struct {
	delay time.Duration
	t0    time.Time
	mu    sync.Mutex
	log   []sentReq
}

type sentReq struct {
	prompt     []int
	out        int
	start, end time.Duration
}

func (f *fakeServer) Generate(ctx context.Context, req engine.GenerateRequest) (*engine.Stream, error) {
	start := time.Since(f.t0)
	time.Sleep(f.delay)
	n := req.OutputLen
	arr := make([]engine.Arrival, n)
	for i := range arr {
		arr[i] = engine.Arrival{At: f.delay * time.Duration(i+1) / time.Duration(n), Tokens: i + 1}
	}
	f.mu.Lock()
	f.log = append(f.log, sentReq{prompt: req.InputIDs[0], out: n, start: start, end: time.Since(f.t0)})
	f.mu.Unlock()
	return &engine.Stream{Tic: time.Now(), End: f.delay, Arrivals: [][]engine.Arrival{arr}, Prompt: []int{len(req.InputIDs[0])}, Output: []int{n}}, nil
}

func (f *fakeServer) Ready(context.Context) error { return nil }
func (f *fakeServer) Flush(context.Context) error { return nil }
func (f *fakeServer) ServerInfo(context.Context) (engine.ServerInfo, error) {
	return engine.ServerInfo{}, nil
}
func (f *fakeServer) StartProfile(context.Context, engine.ProfileRequest) error {
	return engine.ErrNoProfiler
}
func (f *fakeServer) StopProfile(context.Context) error { return nil }

func feedOf(t *testing.T, y string) *workload.Feed {
	t.Helper()
	s, err := workload.Parse("w.yaml", []byte(y), "../../examples/data")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Prepare(nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.Feed(1, 0, 0)
}

// TestMultiTurnUnderLoad: with 4 streams over 6 conversations × 3 turns, every
// turn is sent only after the turn before it (whose prompt it extends) ended.
func TestMultiTurnUnderLoad(t *testing.T) {
	srv := &fakeServer{delay: 20 * time.Millisecond, t0: time.Now()}
	feed := feedOf(t, "type: multi_turn\nconversations: 6\nturns: 3\ninput_len: 10\noutput_len: 3\n")
	res := RunFeed(context.Background(), srv, sweep.LoadProfile{Concurrency: 4, Requests: 100}, feed, nil, 1, 1)
	if res.Completed != 18 || res.Count != 18 || res.LaterTurns != 12 || res.WorkloadType != workload.MultiTurn {
		t.Fatalf("completed %d, sent %d, later turns %d (%s); want 18, 18, 12", res.Completed, res.Count, res.LaterTurns, res.WorkloadType)
	}
	pairs := 0
	for _, a := range srv.log {
		for _, b := range srv.log {
			if len(b.prompt) == len(a.prompt)+13 && slices.Equal(b.prompt[:len(a.prompt)], a.prompt) {
				pairs++
				if b.start < a.end {
					t.Fatalf("a turn of %d ids started at %v, before the turn it follows ended at %v", len(b.prompt), b.start, a.end)
				}
			}
		}
	}
	if pairs != 12 {
		t.Errorf("%d (turn, next turn) pairs found, want 12", pairs)
	}
	if res.MeanOutputLen != 3 || math.Abs(res.MeanInputLen-(10+23+36)/3.0) > 1e-9 {
		t.Errorf("mean lengths %.2f in, %.2f out; want 23 and 3", res.MeanInputLen, res.MeanOutputLen)
	}
}

// TestTraceReplayScaled: a rate profile replays the trace's arrival pattern
// stretched to its mean rate: at twice the trace's own rate, each request
// leaves at half its trace offset.
func TestTraceReplayScaled(t *testing.T) {
	srv := &fakeServer{delay: time.Millisecond, t0: time.Now()}
	feed := feedOf(t, "type: trace\npath: trace-small.jsonl\n")
	rate := feed.NaturalRate() * 2
	var offsets []time.Duration
	for {
		r, ok := feed.Take(context.Background())
		if !ok {
			break
		}
		offsets = append(offsets, r.Arrival)
	}
	feed = feedOf(t, "type: trace\npath: trace-small.jsonl\n")
	res := RunFeed(context.Background(), srv, sweep.LoadProfile{Rate: rate, Arrival: "trace", Requests: 40}, feed, nil, 1, 1)
	if res.Completed != 40 {
		t.Fatalf("%d completed, want the trace's 40", res.Completed)
	}
	slices.SortFunc(srv.log, func(a, b sentReq) int { return int(a.start - b.start) })
	base := srv.log[0].start
	for i, r := range srv.log {
		want := offsets[i] / 2
		if got := r.start - base; got < want-5*time.Millisecond || got > want+60*time.Millisecond {
			t.Errorf("request %d sent at %v, want %v (half its trace offset %v)", i, got, want, offsets[i])
		}
	}
}
