package telemetry

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/servesweep/servesweep/internal/gpu"
)

// maxFailures is how many scrapes (or GPU reads) in a row may fail before
// that source is given up for the configuration.
const maxFailures = 3

// Options configure a Recorder.
type Options struct {
	Settings
	// Scraper reads the server's endpoint (nil: the engine has none; NoServer says why).
	Scraper  *Scraper
	NoServer string
	// Sampler reads GPUs (nil: nothing to sample; NoGPU says why), GPUs the
	// host indices of the configuration's GPUs.
	Sampler gpu.Sampler
	GPUs    []int
	NoGPU   string
	// Notef receives progress notes (nil: none).
	Notef func(format string, args ...any)
}

// Segment names what runs while samples are taken: a case or a load profile.
type Segment struct {
	Case    string
	Repeat  int
	Profile string
	// EdgesOnly scrapes the server at the segment's start and end only, so
	// that no scrape lands inside a case's timed request (GPUs, read in
	// process through NVML, are still sampled every period).
	EdgesOnly bool
}

// Recorder samples the server and the GPUs of one configuration while a
// segment runs: at its start and end (edges, with the server's histograms)
// and every period in between. A nil *Recorder records nothing.
type Recorder struct {
	o        Options
	configID string

	mu      sync.Mutex // held while sampling: edges and ticks never interleave
	seg     *Segment
	began   time.Time
	fails   map[string]int
	off     map[string]bool
	emitErr bool

	stop chan struct{}
	done chan struct{}
}

// Start begins recording configID's telemetry; Close ends it. Sources that
// have nothing to record (no endpoint, no GPU) get one line saying why.
func Start(ctx context.Context, configID string, o Options) *Recorder {
	if !o.On() {
		return nil
	}
	r := &Recorder{o: o, configID: configID, fails: map[string]int{}, off: map[string]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	if o.Scraper == nil {
		r.off[SourceServer] = true
		r.emit(Sample{Source: SourceServer, Error: o.NoServer})
	}
	if o.Sampler == nil || len(o.GPUs) == 0 {
		r.off[SourceGPU] = true
		r.emit(Sample{Source: SourceGPU, Error: o.NoGPU})
	}
	go r.loop(ctx)
	return r
}

func (r *Recorder) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.o.Period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.stop:
			return
		case <-t.C:
			r.mu.Lock()
			if r.seg != nil {
				r.sample(ctx, "")
			}
			r.mu.Unlock()
		}
	}
}

// Begin starts a segment: samples taken from now on carry its labels.
func (r *Recorder) Begin(ctx context.Context, seg Segment) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seg, r.began = &seg, time.Now()
	r.sample(ctx, EdgeStart)
}

// End closes the current segment with its end samples (nothing if none is open).
func (r *Recorder) End(ctx context.Context) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seg == nil {
		return
	}
	if ctx.Err() == nil {
		r.sample(ctx, EdgeEnd)
	}
	r.seg = nil
}

// Close stops the periodic sampling and releases the GPU sampler.
func (r *Recorder) Close() {
	if r == nil {
		return
	}
	close(r.stop)
	<-r.done
	if r.o.Sampler != nil {
		r.o.Sampler.Close()
	}
}

// sample reads every source once; edge is "" for a periodic sample.
func (r *Recorder) sample(ctx context.Context, edge string) {
	now := time.Now()
	base := Sample{T: now.Sub(r.began).Seconds(), At: now.UTC(), Edge: edge}
	if !r.off[SourceServer] && (edge != "" || !r.seg.EdgesOnly) {
		sc, err := r.o.Scraper.Scrape(ctx)
		s := base
		s.Source = SourceServer
		if r.failed(ctx, SourceServer, err) {
			s.Error = err.Error()
		} else {
			s.Values = sc.Values
			if edge != "" {
				s.Histograms = sc.Histograms
			}
		}
		if err == nil || r.fails[SourceServer] == 1 { // a failing source writes its first error only
			r.emit(s)
		}
	}
	if !r.off[SourceGPU] {
		rs, err := r.o.Sampler.Sample(ctx, r.o.GPUs)
		if r.failed(ctx, SourceGPU, err) {
			if r.fails[SourceGPU] == 1 {
				s := base
				s.Source, s.Error = SourceGPU, err.Error()
				r.emit(s)
			}
			return
		}
		for _, g := range rs {
			s := base
			idx := g.Index
			s.Source, s.GPU, s.Values = SourceGPU, &idx, g.Values()
			r.emit(s)
		}
	}
}

// failed counts a source's failures in a row and gives it up after
// maxFailures; it reports whether err is a failure to record.
func (r *Recorder) failed(ctx context.Context, src string, err error) bool {
	if err == nil {
		r.fails[src] = 0
		return false
	}
	if ctx.Err() != nil {
		return true
	}
	r.fails[src]++
	if r.fails[src] >= maxFailures {
		r.off[src] = true
		r.notef("%s: telemetry: %s sampling stopped after %d failures in a row: %v", r.configID, src, maxFailures, err)
	}
	return true
}

func (r *Recorder) emit(s Sample) {
	if r.emitErr {
		return
	}
	s.ConfigID = r.configID
	if r.seg != nil {
		s.Case, s.Repeat, s.Profile = r.seg.Case, r.seg.Repeat, r.seg.Profile
	}
	if s.At.IsZero() {
		s.At = time.Now().UTC()
	}
	if err := r.o.Emit(s); err != nil {
		r.emitErr = true
		r.notef("%s: telemetry off for this configuration: %v", r.configID, err)
	}
}

func (r *Recorder) notef(format string, args ...any) {
	if r.o.Notef != nil {
		r.o.Notef(format, args...)
	}
}

// CaseLabel labels a benchmark case.
func CaseLabel(bs, in, out int) string { return fmt.Sprintf("bs=%d in=%d out=%d", bs, in, out) }

// LoadLabel labels a load profile's length pair.
func LoadLabel(in, out int) string { return fmt.Sprintf("in=%d out=%d", in, out) }
