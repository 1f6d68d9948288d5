package workload

import (
	"context"
	"slices"
	"testing"
	"time"
)

func mustParse(t *testing.T, y string) *Spec {
	t.Helper()
	s, err := Parse("w.yaml", []byte(y), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func take(t *testing.T, f *Feed, n int) []Request {
	t.Helper()
	var out []Request
	for range n {
		r, ok := f.Take(context.Background())
		if !ok {
			break
		}
		out = append(out, r)
		f.Done(r)
	}
	return out
}

// TestRandomFeed: the cases' lengths, a shared prefix on every prompt, the
// same stream gives the same prompts and another stream others.
func TestRandomFeed(t *testing.T) {
	p, err := mustParse(t, "type: random\nshared_prefix: 32\noutput_len: {dist: uniform, min: 10, max: 20}\n").Prepare(nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := take(t, p.Feed(1, 100, 999), 20), take(t, p.Feed(1, 100, 999), 20), take(t, p.Feed(2, 100, 999), 20)
	for i := range a {
		if len(a[i].Prompt) != 132 || a[i].OutputLen < 10 || a[i].OutputLen > 20 {
			t.Fatalf("request %d: %d ids, output %d; want 132 (32 + the case's 100) and 10..20", i, len(a[i].Prompt), a[i].OutputLen)
		}
		if !slices.Equal(a[i].Prompt[:32], c[0].Prompt[:32]) {
			t.Fatal("requests do not share the 32-id prefix")
		}
		if !slices.Equal(a[i].Prompt, b[i].Prompt) || a[i].OutputLen != b[i].OutputLen {
			t.Fatalf("request %d differs between two feeds of the same stream", i)
		}
		if slices.Equal(a[i].Prompt[32:], c[i].Prompt[32:]) {
			t.Fatalf("request %d is the same in streams 1 and 2", i)
		}
	}
}

// TestShareGPTFeed: prompts taken as they are are the first human turn,
// output lengths the answer's, as vLLM's and SGLang's loaders take them;
// every row is drawn once per epoch.
func TestShareGPTFeed(t *testing.T) {
	s := mustParse(t, "type: dataset\npath: public-domain-sharegpt.jsonl\nmax_total_len: 100000\nmax_input_len: 100000\n")
	p, _ := s.Prepare(WordEncoder{})
	reqs := take(t, p.Feed(0, 0, 0), len(s.data.rows))
	if len(reqs) != 59 {
		t.Fatalf("%d requests, want 59 (60 entries, one of a single turn)", len(reqs))
	}
	want := map[string]int{}
	for _, r := range s.data.rows {
		want[string(intsKey(WordEncoder{}.Encode(r.Prompt)))] = len(WordEncoder{}.Encode(r.Answer))
	}
	for _, r := range reqs {
		out, ok := want[string(intsKey(r.Prompt))]
		if !ok || out != r.OutputLen {
			t.Fatalf("request of %d ids, output %d: not a row's prompt and answer length (found %v, want output %d)", len(r.Prompt), r.OutputLen, ok, out)
		}
		delete(want, string(intsKey(r.Prompt)))
	}
	if len(want) != 0 {
		t.Errorf("%d rows never drawn in the first epoch", len(want))
	}
	first := s.data.rows[0].Prompt
	if first[:22] != "Continue this passage." {
		t.Errorf("row 0's prompt %q: want the first human turn", first[:22])
	}
}

func intsKey(ids []int) []byte {
	b := make([]byte, 0, 2*len(ids))
	for _, id := range ids {
		b = append(b, byte(id), byte(id>>8))
	}
	return b
}

// TestDatasetFilters: vLLM's defaults drop long rows; filters nothing passes end the feed with a reason.
func TestDatasetFilters(t *testing.T) {
	s := mustParse(t, "type: dataset\npath: public-domain-sharegpt.jsonl\nmax_input_len: 40\n")
	p, _ := s.Prepare(WordEncoder{})
	for _, r := range take(t, p.Feed(0, 0, 0), 200) {
		if len(r.Prompt) > 40 || len(r.Prompt) < 4 || r.OutputLen < 4 || len(r.Prompt)+r.OutputLen > 2048 {
			t.Fatalf("a request of %d in, %d out passed max_input_len 40", len(r.Prompt), r.OutputLen)
		}
	}
	s = mustParse(t, "type: dataset\npath: public-domain-sharegpt.jsonl\nmax_input_len: 1\n")
	p, _ = s.Prepare(WordEncoder{})
	f := p.Feed(0, 0, 0)
	if _, ok := f.Take(context.Background()); ok || f.Err() == nil {
		t.Errorf("max_input_len 1 (below min_len 4): Take gave a request, Err %v", f.Err())
	}
}

// TestDatasetFitted: with input_len every prompt is cut or repeated to its
// drawn length; a text file's passages are prompts too.
func TestDatasetFitted(t *testing.T) {
	p, _ := mustParse(t, "type: dataset\npath: public-domain-sharegpt.jsonl\ninput_len: 300\noutput_len: 32\n").Prepare(WordEncoder{})
	for _, r := range take(t, p.Feed(3, 0, 0), 80) {
		if len(r.Prompt) != 300 || r.OutputLen != 32 {
			t.Fatalf("%d ids, output %d; want 300 and 32", len(r.Prompt), r.OutputLen)
		}
	}
	s, err := Parse("w.yaml", []byte("type: dataset\npath: corpus.txt\noutput_len: {dist: normal, mean: 64, std: 8}\n"), "../bench/corpus")
	if err != nil {
		t.Fatal(err)
	}
	p, _ = s.Prepare(WordEncoder{})
	reqs := take(t, p.Feed(0, 0, 0), 30)
	if len(reqs) != 30 || s.Format != Text {
		t.Fatalf("text dataset: %d requests, format %s", len(reqs), s.Format)
	}
}

// TestMultiTurnOrder: turn k+1 of a conversation only after turn k is done,
// with every earlier turn as its prompt's prefix; N × M requests in all.
func TestMultiTurnOrder(t *testing.T) {
	p, _ := mustParse(t, "type: multi_turn\nconversations: 3\nturns: 3\nshared_prefix: 16\ninput_len: 20\noutput_len: 5\n").Prepare(nil)
	f := p.Feed(0, 0, 0)
	ctx := context.Background()
	var open []Request
	for range 3 {
		r, _ := f.Take(ctx)
		if r.Turn != 0 {
			t.Fatalf("first three takes: conversation %d turn %d, want turn 0", r.Conv, r.Turn)
		}
		open = append(open, r)
	}
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	if _, ok := f.Take(wctx); ok {
		t.Fatal("a fourth request before any turn finished")
	}
	cancel()
	prev := map[int][]int{}
	total := 3
	for len(open) > 0 {
		r := open[0]
		open = open[1:]
		if pp, ok := prev[r.Conv]; ok && (len(r.Prompt) != len(pp)+5+20 || !slices.Equal(r.Prompt[:len(pp)], pp)) {
			t.Fatalf("conversation %d turn %d: prompt of %d ids does not extend turn %d's %d ids by answer 5 + user 20", r.Conv, r.Turn, len(r.Prompt), r.Turn-1, len(pp))
		}
		prev[r.Conv] = r.Prompt
		f.Done(r)
		if r.Turn == 2 {
			continue // its conversation is over; the others' turns are in flight
		}
		if n, ok := f.Take(ctx); ok {
			if n.Conv != r.Conv || n.Turn != r.Turn+1 {
				t.Fatalf("after conversation %d turn %d finished, got conversation %d turn %d", r.Conv, r.Turn, n.Conv, n.Turn)
			}
			open = append(open, n)
			total++
		}
	}
	if _, ok := f.Take(ctx); ok || total != 9 {
		t.Errorf("%d requests, want 3 conversations × 3 turns", total)
	}
}

// TestTraceFeed: arrivals from the trace (offsets from its first request),
// lengths as given, and equal hash_ids give equal prompt blocks.
func TestTraceFeed(t *testing.T) {
	s := mustParse(t, "type: trace\npath: trace-small.jsonl\n")
	p, _ := s.Prepare(nil)
	f := p.Feed(0, 0, 0)
	reqs := take(t, f, 100)
	if len(reqs) != 40 || f.Len() != 40 || !f.Timed() {
		t.Fatalf("%d requests (Len %d), want the trace's 40", len(reqs), f.Len())
	}
	for i, r := range reqs {
		rec := s.data.trace[i]
		if len(r.Prompt) != rec.InputLength || r.OutputLen != rec.OutputLength {
			t.Fatalf("request %d: %d/%d, trace %d/%d", i, len(r.Prompt), r.OutputLen, rec.InputLength, rec.OutputLength)
		}
		want := time.Duration((rec.Timestamp - s.data.trace[0].Timestamp) * float64(time.Millisecond))
		if r.Arrival != want {
			t.Fatalf("request %d arrives at %v, want %v", i, r.Arrival, want)
		}
	}
	// Requests 0 and 3 share their first two 512-id blocks (hash_ids 0, 1).
	if !slices.Equal(reqs[0].Prompt[:512], reqs[3].Prompt[:512]) || slices.Equal(reqs[0].Prompt[:512], reqs[1].Prompt[:512]) {
		t.Error("equal hash_ids must give equal blocks, different ones different blocks")
	}
}
