package workload

import (
	"context"
	"sync"
)

// conversations hands out multi-turn requests: turn k+1 of a conversation
// only after turn k finished. Ready follow-up turns go before new
// conversations, so a closed loop of C streams keeps at most C
// conversations open.
type conversations struct {
	mu       sync.Mutex
	n        int
	turns    func(c int) int // turns of conversation c
	next     []int           // next turn of each conversation
	history  [][][]int       // per conversation: user, answer, user, answer, ... ids
	ready    []int           // conversations whose next turn may be sent
	started  int             // conversations started
	inFlight int
	changed  chan struct{}
}

func newConversations(n int, turns func(c int) int) *conversations {
	return &conversations{n: n, turns: turns, next: make([]int, n), history: make([][][]int, n), changed: make(chan struct{})}
}

// take returns the next turn; build makes turn t of conversation c.
func (cs *conversations) take(ctx context.Context, build func(c, t int, history [][]int) (Request, [][]int)) (Request, bool) {
	for {
		cs.mu.Lock()
		c := -1
		switch {
		case len(cs.ready) > 0:
			c, cs.ready = cs.ready[0], cs.ready[1:]
		case cs.started < cs.n:
			c = cs.started
			cs.started++
		}
		if c >= 0 {
			r, h := build(c, cs.next[c], cs.history[c])
			cs.history[c] = h
			cs.inFlight++
			cs.mu.Unlock()
			return r, true
		}
		if cs.inFlight == 0 {
			cs.mu.Unlock()
			return Request{}, false
		}
		wait := cs.changed
		cs.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return Request{}, false
		}
	}
}

func (cs *conversations) done(r Request) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if r.Conv < 0 || r.Conv >= cs.n || r.Turn != cs.next[r.Conv] {
		return
	}
	cs.inFlight--
	cs.next[r.Conv]++
	if cs.next[r.Conv] < cs.turns(r.Conv) {
		cs.ready = append(cs.ready, r.Conv)
	} else {
		cs.history[r.Conv] = nil
	}
	close(cs.changed)
	cs.changed = make(chan struct{})
}

// turn builds turn t of conversation c: the shared prefix, every earlier
// user turn and answer, and this turn's user ids. The answers are the ids
// the workload drew for them (clients do not return the generated ids), so
// a prefix cache can reuse the earlier prompts, not the generated tokens.
func (f *Feed) turn(c, t int, history [][]int) (Request, [][]int) {
	s := f.p.spec
	if s.data != nil && len(s.data.convs) > 0 {
		return f.dialogTurn(c, t, history)
	}
	r := rng(s.Seed, f.stream, uint64(c)<<16|uint64(t))
	user := randomIDs(r, drawOr(s.InputLen, r, f.in))
	out := drawOr(s.OutputLen, r, f.out)
	prompt := f.historyPrompt(history, user)
	answer := randomIDs(r, out)
	return Request{Prompt: prompt, OutputLen: out, Conv: c, Turn: t, Turns: s.Turns}, append(history, user, answer)
}
