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

// MeasureLevel runs streams concurrent requests of tokens tokens each.
func MeasureLevel(ctx context.Context, url string, streams, tokens, cores int) Level {
	c := sglang.NewClient(url)
	var mu sync.Mutex
	var errs []float64
	failed, total := 0, 0
	var wg sync.WaitGroup
	cpu0, t0 := proc.CPUTime(), time.Now()
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.Generate(ctx, engine.GenerateRequest{InputIDs: [][]int{{1, 2, 3, 4}}, OutputLen: tokens})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				return
			}
			total += s.Output[0]
			errs = append(errs, itlErrors(s)...)
		}()
	}
	wg.Wait()
	wall, cpu := time.Since(t0), proc.CPUTime()-cpu0
	l := Level{Streams: streams, Failed: failed, TokensPerS: float64(total) / wall.Seconds(),
		ClientCPUPct: 100 * cpu.Seconds() / wall.Seconds() / float64(max(1, cores))}
	if len(errs) > 0 {
		sort.Float64s(errs)
		l.ITLAbsErrMsMedian, l.ITLAbsErrMsP99 = stats.Percentile(errs, 50), stats.Percentile(errs, 99)
	}
	l.Distorted = failed > 0 || l.ITLAbsErrMsMedian > DistortionMs
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

// Reference is the Python aiohttp client's result on the same emitter.
type Reference struct {
	Streams      int     `json:"streams"`
	TokensPerS   float64 `json:"tokens_per_s"`
	GoTokensPerS float64 `json:"go_tokens_per_s"`
	// Ratio compares token rates; CPURatio compares tokens per CPU-second of
	// each client (the emitter shares the machine, so this is the fairer one).
	Ratio           float64 `json:"ratio"`
	TokensPerCPUS   float64 `json:"tokens_per_cpu_s"`
	GoTokensPerCPUS float64 `json:"go_tokens_per_cpu_s"`
	CPURatio        float64 `json:"cpu_ratio"`
	Failed          int     `json:"failed"`
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
	return fmt.Sprintf("%5d streams: %9.0f tok/s, ITL error median %.3f ms (p99 %.3f), client CPU %.0f%%, failed %d%s",
		l.Streams, l.TokensPerS, l.ITLAbsErrMsMedian, l.ITLAbsErrMsP99, l.ClientCPUPct, l.Failed, map[bool]string{true: "  DISTORTED", false: ""}[l.Distorted])
}
