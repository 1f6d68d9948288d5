// Package selftest measures servesweep's own client against a precise token
// emitter: timing error at batch 1 (measured ITL and TTFT against the times
// the emitter really wrote each token), and capacity at rising concurrency —
// tokens/s sustained, client CPU, and the point where the client's own
// overhead starts to distort ITL.
package selftest

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/engine/sglang"
	"github.com/servesweep/servesweep/internal/proc"
	"github.com/servesweep/servesweep/internal/stats"
)

// Level is one concurrency step of the capacity test.
type Level struct {
	Streams           int     `json:"streams"`
	TokensPerS        float64 `json:"tokens_per_s"`
	ITLAbsErrMsMedian float64 `json:"itl_abs_err_ms_median"`
	ITLAbsErrMsP99    float64 `json:"itl_abs_err_ms_p99"`
	ClientCPUPct      float64 `json:"client_cpu_pct"`
	CPUSPer1M         float64 `json:"client_cpu_s_per_1m_tokens"`
	Failed            int     `json:"failed"`
	Distorted         bool    `json:"distorted"`
}

// Precision is the batch-1 timing error.
type Precision struct {
	ITLAbsErrMsMedian  float64 `json:"itl_abs_err_ms_median"`
	TTFTAbsErrMsMedian float64 `json:"ttft_abs_err_ms_median"`
	Tokens             int     `json:"tokens"`
}

// DistortionMs is the median ITL error above which a level counts as distorted.
const DistortionMs = 1.0

// errors compares client arrival gaps with the emitter's send gaps.
func itlErrors(s *engine.Stream) []float64 {
	var out []float64
	for _, arr := range s.Arrivals {
		for i := 1; i < len(arr); i++ {
			measured := arr[i].At - arr[i-1].At
			truth := arr[i].Sent - arr[i-1].Sent
			out = append(out, math.Abs(float64(measured-truth))/1e6)
		}
	}
	return out
}

// MeasurePrecision sends n sequential batch-1 requests of tokens tokens.
func MeasurePrecision(ctx context.Context, url string, n, tokens int) (Precision, error) {
	c := sglang.NewClient(url)
	// One request first: it opens the connection the measured ones reuse.
	if _, err := c.Generate(ctx, engine.GenerateRequest{InputIDs: [][]int{{1}}, OutputLen: 2}); err != nil {
		return Precision{}, err
	}
	var itl, ttft []float64
	for i := 0; i < n; i++ {
		s, err := c.Generate(ctx, engine.GenerateRequest{InputIDs: [][]int{{1, 2, 3, 4}}, OutputLen: tokens})
		if err != nil {
			return Precision{}, err
		}
		itl = append(itl, itlErrors(s)...)
		first := s.Arrivals[0][0]
		ttft = append(ttft, math.Abs(float64(first.At-first.Sent))/1e6)
	}
	return Precision{ITLAbsErrMsMedian: stats.Percentile(itl, 50), TTFTAbsErrMsMedian: stats.Percentile(ttft, 50), Tokens: len(itl)}, nil
}

// streamsResult is what runStreams measured: the streams, and the client's
// own wall and CPU time (this process) while they ran.
type streamsResult struct {
	streams   []*engine.Stream // nil where the request failed
	tokens    int
	failed    int
	wall, cpu time.Duration
}

// runStreams runs streams concurrent requests of tokens tokens each. Each
// goroutine keeps its stream in its own slot: nothing is shared or locked
// while the streams run, and the measurement's own bookkeeping comes after.
func runStreams(ctx context.Context, url string, streams, tokens int) streamsResult {
	c := sglang.NewClient(url)
	res := streamsResult{streams: make([]*engine.Stream, streams)}
	var wg sync.WaitGroup
	cpu0, t0 := proc.CPUTime(), time.Now()
	for i := range streams {
		wg.Go(func() {
			s, err := c.Generate(ctx, engine.GenerateRequest{InputIDs: [][]int{{1, 2, 3, 4}}, OutputLen: tokens})
			if err == nil {
				res.streams[i] = s
			}
		})
	}
	wg.Wait()
	res.wall, res.cpu = time.Since(t0), proc.CPUTime()-cpu0
	for _, s := range res.streams {
		if s == nil {
			res.failed++
			continue
		}
		res.tokens += s.Output[0]
	}
	return res
}

// MeasureLevel runs streams concurrent requests of tokens tokens each.
func MeasureLevel(ctx context.Context, url string, streams, tokens, cores int) Level {
	res := runStreams(ctx, url, streams, tokens)
	l := Level{Streams: streams, Failed: res.failed, TokensPerS: float64(res.tokens) / res.wall.Seconds(),
		ClientCPUPct: 100 * res.cpu.Seconds() / res.wall.Seconds() / float64(max(1, cores))}
	if res.tokens > 0 {
		l.CPUSPer1M = res.cpu.Seconds() / float64(res.tokens) * 1e6
	}
	errs := make([]float64, 0, res.tokens)
	for _, s := range res.streams {
		if s != nil {
			errs = append(errs, itlErrors(s)...)
		}
	}
	if len(errs) > 0 {
		sort.Float64s(errs)
		l.ITLAbsErrMsMedian, l.ITLAbsErrMsP99 = stats.Percentile(errs, 50), stats.Percentile(errs, 99)
	}
	l.Distorted = res.failed > 0 || l.ITLAbsErrMsMedian > DistortionMs
	return l
}

// Summary is what `servesweep selftest --json` prints.
type Summary struct {
	ITLAbsErrMsMedian  float64    `json:"itl_abs_err_ms_median"`
	TTFTAbsErrMsMedian float64    `json:"ttft_abs_err_ms_median"`
	MaxStreams         int        `json:"max_streams"`
	TokensPerS         float64    `json:"tokens_per_s"`
	TokensPerSPerCore  float64    `json:"tokens_per_s_per_core"`
	ClientCPUPct       float64    `json:"client_cpu_pct"`
	Cores              int        `json:"cores"`
	Precision          Precision  `json:"precision"`
	Levels             []Level    `json:"levels"`
	Reference          *Reference `json:"python_reference,omitempty"`
	Note               string     `json:"note,omitempty"`
}

// Reference is the Python aiohttp client's result on the same emitter, next
// to servesweep's: medians over the rounds (each round runs both clients,
// each on a fresh emitter process). CPU figures are each client's own
// process: the emitter's CPU is measured apart and counted for neither.
type Reference struct {
	Streams      int     `json:"streams"`
	Tokens       int     `json:"tokens"`
	TokensPerS   float64 `json:"tokens_per_s"`
	GoTokensPerS float64 `json:"go_tokens_per_s"`
	// Ratio compares token rates; CPURatio compares client CPU-seconds per
	// token (the emitter shares the machine, so this is the fairer one).
	Ratio            float64    `json:"ratio"`
	RatioRange       [2]float64 `json:"ratio_range"`
	TokensPerCPUS    float64    `json:"tokens_per_cpu_s"`
	GoTokensPerCPUS  float64    `json:"go_tokens_per_cpu_s"`
	CPUSPer1M        float64    `json:"cpu_s_per_1m_tokens"`
	GoCPUSPer1M      float64    `json:"go_cpu_s_per_1m_tokens"`
	EmitterCPUSPer1M float64    `json:"emitter_cpu_s_per_1m_tokens"`
	CPURatio         float64    `json:"cpu_ratio"`
	CPURatioRange    [2]float64 `json:"cpu_ratio_range"`
	Failed           int        `json:"failed"`
	GoFailed         int        `json:"go_failed"`
	LoadAvg1m        [2]float64 `json:"load_avg_1m"` // before and after
	Rounds           []Round    `json:"rounds"`
}

// Summarize fills the headline figures from the levels: the largest undistorted level.
func Summarize(p Precision, levels []Level, cores int) Summary {
	s := Summary{ITLAbsErrMsMedian: p.ITLAbsErrMsMedian, TTFTAbsErrMsMedian: p.TTFTAbsErrMsMedian, Precision: p, Levels: levels, Cores: cores}
	for _, l := range levels {
		if !l.Distorted && l.Streams > s.MaxStreams {
			s.MaxStreams = l.Streams
		}
		if l.TokensPerS > s.TokensPerS {
			s.TokensPerS, s.ClientCPUPct = l.TokensPerS, l.ClientCPUPct
		}
	}
	if s.ClientCPUPct > 0 {
		s.TokensPerSPerCore = s.TokensPerS / (s.ClientCPUPct / 100 * float64(cores))
	}
	return s
}

// String is a one-line description of a level.
func (l Level) String() string {
	return fmt.Sprintf("%5d streams: %9.0f tok/s, ITL error median %.3f ms (p99 %.3f), client CPU %.0f%% (%.2f CPU-s per 1M tokens), failed %d%s",
		l.Streams, l.TokensPerS, l.ITLAbsErrMsMedian, l.ITLAbsErrMsP99, l.ClientCPUPct, l.CPUSPer1M, l.Failed, map[bool]string{true: "  DISTORTED", false: ""}[l.Distorted])
}
