package workload

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"regexp"
	"sync"
	"time"
)

// Encoder turns text into token ids: the model's tokenizer, or WordEncoder.
type Encoder interface {
	Encode(text string) []int
}

// WordEncoder stands in for a tokenizer when the model's tokenizer.json is
// not found (or the engine takes letters): one id per word or punctuation
// mark, the word's FNV hash modulo Vocab. Lengths are then counted in words.
type WordEncoder struct{}

var wordRE = regexp.MustCompile(`[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]`)

// Encode implements Encoder.
func (WordEncoder) Encode(text string) []int {
	words := wordRE.FindAllString(text, -1)
	out := make([]int, len(words))
	for i, w := range words {
		h := fnv.New32a()
		h.Write([]byte(w))
		out[i] = int(h.Sum32() % Vocab)
	}
	return out
}

// Request is one request of a workload.
type Request struct {
	Prompt    []int
	OutputLen int
	// Arrival is a trace request's offset from the trace's first request,
	// at the trace's own pace; 0 for the other types.
	Arrival time.Duration
	// Conv numbers the request's conversation (multi_turn; the request's
	// index otherwise) and Turn its turn (0-based) of Turns.
	Conv, Turn, Turns int
	// Text is the prompt as the file wrote it, for engines that take text
	// (Prompt encodes it): set for dataset prompts taken as they are and
	// multi_turn turns from a file, without input_len or shared_prefix.
	Text string
}

// Prepared is a spec bound to an encoder, shared by the feeds of one
// configuration (dataset rows are encoded once, as they are first drawn).
type Prepared struct {
	spec    *Spec
	enc     Encoder
	prefix  []int
	mu      sync.Mutex
	encoded map[int]encodedRow
	// exchanges: multi_turn's encoded exchanges by (conversation, turn).
	exchanges map[[2]int]exchangeIDs
}

type encodedRow struct {
	ids       []int
	answerLen int
}

// Prepare binds s to enc (nil: WordEncoder), reading its file if it has
// not been read (a Slurm node reads it again and checks its hash).
func (s *Spec) Prepare(enc Encoder) (*Prepared, error) {
	if enc == nil {
		enc = WordEncoder{}
	}
	if (s.Type == Dataset || s.Type == Trace || s.Type == MultiTurn && s.Path != "") && s.data == nil {
		if err := s.readFile(""); err != nil {
			return nil, err
		}
	}
	p := &Prepared{spec: s, enc: enc, encoded: map[int]encodedRow{}, exchanges: map[[2]int]exchangeIDs{}}
	if s.SharedPrefix > 0 {
		p.prefix = randomIDs(rng(s.Seed, math.MaxUint64, 0), s.SharedPrefix)
	}
	return p, nil
}

// Spec returns the prepared spec.
func (p *Prepared) Spec() *Spec { return p.spec }

// Feed gives one load profile its requests; safe for concurrent use. Take
// returns the next request whose conversation's earlier turn has finished
// (waiting for one when every remaining turn waits on a request in flight);
// Done tells the feed a request finished.
type Feed struct {
	p        *Prepared
	stream   uint64
	in, out  int // the case's lengths (CaseInput, CaseOutput)
	mu       sync.Mutex
	sent     int
	pos      int // dataset: next position in the shuffled rows
	err      error
	conv     *conversations
	rowOrder map[int][]int // dataset: shuffled row order per epoch
}

// Feed starts a stream of requests. stream tells apart the feeds of one
// run (each profile and length pair gets other prompts); in and out are the
// case's lengths, used where the spec has none.
func (p *Prepared) Feed(stream uint64, in, out int) *Feed {
	f := &Feed{p: p, stream: stream, in: in, out: out, rowOrder: map[int][]int{}}
	if p.spec.Type == MultiTurn {
		f.conv = newConversations(p.spec.Conversations, p.spec.turnsOf)
	}
	return f
}

// Spec returns the feed's workload.
func (f *Feed) Spec() *Spec { return f.p.spec }

// Len is the number of requests the feed can give; -1 for no end.
func (f *Feed) Len() int {
	switch f.p.spec.Type {
	case MultiTurn:
		return f.p.spec.multiTurnRequests()
	case Trace:
		return len(f.p.spec.data.trace)
	}
	return -1
}

// Timed reports whether requests carry arrival offsets (trace replay).
func (f *Feed) Timed() bool { return f.p.spec.Type == Trace }

// NaturalRate is a trace's own mean request rate per second, (n−1)/span;
// +Inf when every request arrives at once, 0 for untimed feeds.
func (f *Feed) NaturalRate() float64 { return f.p.spec.NaturalRate() }

// NaturalRate is a trace's own mean request rate per second; 0 for other types.
func (s *Spec) NaturalRate() float64 {
	if s.Type != Trace || s.data == nil {
		return 0
	}
	t := s.data.trace
	span := (t[len(t)-1].Timestamp - t[0].Timestamp) / 1000
	if span <= 0 {
		return math.Inf(1)
	}
	return float64(len(t)-1) / span
}

// ReplayRate is the rate of a trace replayed at its own pace times Speed
// (at most 1e6/s: a trace whose requests all arrive at once).
func (s *Spec) ReplayRate() float64 {
	return min(s.NaturalRate()*s.Speed, 1e6)
}

// Requests is the number of requests a finite workload holds (trace
// records, conversations × turns); 0 for no end.
func (s *Spec) Requests() int {
	switch {
	case s.Type == MultiTurn:
		return s.multiTurnRequests()
	case s.Type == Trace && s.data != nil:
		return len(s.data.trace)
	}
	return 0
}

// Err says why a feed ended early (a dataset none of whose rows passes the filters).
func (f *Feed) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Take returns the next request, or false when the feed is done or ctx ends.
func (f *Feed) Take(ctx context.Context) (Request, bool) {
	if f.conv != nil {
		return f.conv.take(ctx, f.turn)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil || ctx.Err() != nil || (f.Len() >= 0 && f.sent >= f.Len()) {
		return Request{}, false
	}
	var r Request
	switch f.p.spec.Type {
	case Dataset:
		var ok bool
		if r, ok = f.datasetRequest(f.sent); !ok {
			return Request{}, false
		}
	case Trace:
		r = f.traceRequest(f.sent)
	default:
		r = f.randomRequest(f.sent)
	}
	r.Conv, r.Turns = f.sent, 1
	f.sent++
	return r, true
}

// Done tells the feed that r finished (successfully or not).
func (f *Feed) Done(r Request) {
	if f.conv != nil {
		f.conv.done(r)
	}
}

func (f *Feed) withPrefix(ids []int) []int {
	if len(f.p.prefix) == 0 {
		return ids
	}
	return append(append(make([]int, 0, len(f.p.prefix)+len(ids)), f.p.prefix...), ids...)
}

func (f *Feed) randomRequest(i int) Request {
	s := f.p.spec
	r := rng(s.Seed, f.stream, uint64(i))
	in, out := drawOr(s.InputLen, r, f.in), drawOr(s.OutputLen, r, f.out)
	return Request{Prompt: f.withPrefix(randomIDs(r, in)), OutputLen: out}
}

func (f *Feed) traceRequest(i int) Request {
	s := f.p.spec
	t := s.data.trace
	rec := t[i]
	var ids []int
	if len(rec.HashIDs) > 0 {
		for _, h := range rec.HashIDs {
			ids = append(ids, randomIDs(rng(s.Seed, uint64(h), math.MaxUint64), s.BlockSize)...)
			if len(ids) >= rec.InputLength {
				break
			}
		}
		ids = fitIDs(ids, rec.InputLength)
	} else {
		ids = randomIDs(rng(s.Seed, f.stream, uint64(i)), rec.InputLength)
	}
	at := time.Duration((rec.Timestamp - t[0].Timestamp) * float64(time.Millisecond))
	return Request{Prompt: f.withPrefix(ids), OutputLen: rec.OutputLength, Arrival: at}
}

// datasetRequest takes the next row (in an order shuffled per epoch by the
// seed and stream) that passes the filters; false when a whole epoch has none.
func (f *Feed) datasetRequest(i int) (Request, bool) {
	s := f.p.spec
	rows := s.data.rows
	r := rng(s.Seed^0x5eed, f.stream, uint64(i))
	for tried := 0; tried < len(rows); tried++ {
		epoch, at := f.pos/len(rows), f.pos%len(rows)
		order, ok := f.rowOrder[epoch]
		if !ok {
			order = rng(s.Seed, f.stream, uint64(epoch)+1<<32).Perm(len(rows))
			f.rowOrder = map[int][]int{epoch: order}
		}
		f.pos++
		row := f.p.encode(order[at])
		ids, out := row.ids, row.answerLen
		if s.OutputLen != nil {
			out = s.OutputLen.Draw(r)
		}
		if s.InputLen != nil {
			ids = fitIDs(ids, s.InputLen.Draw(r))
		} else if !s.passes(len(ids), out) {
			continue
		}
		if len(ids) == 0 {
			continue
		}
		req := Request{Prompt: f.withPrefix(ids), OutputLen: out}
		if s.InputLen == nil && s.SharedPrefix == 0 {
			req.Text = s.data.rows[order[at]].Prompt
		}
		return req, true
	}
	f.err = fmt.Errorf("no row of %s passes the filters (min_len %d, max_input_len %d, max_total_len %d, lengths in the encoder's ids)", s.Path, s.MinLen, s.MaxInputLen, s.MaxTotalLen)
	return Request{}, false
}

// passes applies vLLM's is_valid_sequence to a row taken as it is; the
// output's minimum is not checked when output_len sets it.
func (s *Spec) passes(in, out int) bool {
	short := in < s.MinLen || (s.OutputLen == nil && out < s.MinLen)
	return !short && in <= s.MaxInputLen && in+out <= s.MaxTotalLen
}

func (p *Prepared) encode(i int) encodedRow {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.encoded[i]; ok {
		return e
	}
	row := p.spec.data.rows[i]
	e := encodedRow{ids: p.enc.Encode(row.Prompt)}
	if row.Answer != "" {
		e.answerLen = len(p.enc.Encode(row.Answer))
	}
	p.encoded[i] = e
	return e
}
