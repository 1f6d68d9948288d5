// Package bench runs benchmark cases against a server client and computes the
// batch-1 table exactly as SGLang's bench_one_batch_server does, from the raw
// per-token arrival times that every case records.
package bench

import (
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// InputUtil is the 0.7 factor SGLang applies to input throughput in its input cost.
const InputUtil = 0.7

// Metrics is one case's row of the table.
type Metrics struct {
	LatencyS          float64
	TTFTS             float64 // last TTFT: until every request of the batch had its first token
	InputThroughput   float64 // bs·input_len / last_ttft
	OutputThroughput  float64 // bs·output_len / (latency − last_ttft)
	OverallThroughput float64 // bs·(input_len+output_len) / latency
	ITLMs             float64 // 1000·bs / output throughput
}

// Compute derives the table row from a stream. timeScale > 0 converts a
// simulated server's scaled time back to modelled time (1 for real engines).
func Compute(bs, inputLen, outputLen int, s *engine.Stream, timeScale float64) Metrics {
	if timeScale <= 0 {
		timeScale = 1
	}
	var lastTTFT time.Duration
	for _, arr := range s.Arrivals {
		for _, a := range arr {
			if a.Tokens >= 1 {
				if a.At > lastTTFT {
					lastTTFT = a.At
				}
				break
			}
		}
	}
	lat := s.End.Seconds() / timeScale
	ttft := lastTTFT.Seconds() / timeScale
	m := Metrics{LatencyS: lat, TTFTS: ttft}
	fb := float64(bs)
	if ttft > 0 {
		m.InputThroughput = fb * float64(inputLen) / ttft
	}
	if lat-ttft > 0 {
		m.OutputThroughput = fb * float64(outputLen) / (lat - ttft)
		m.ITLMs = 1000 * fb / m.OutputThroughput
	}
	if lat > 0 {
		m.OverallThroughput = fb * float64(inputLen+outputLen) / lat
	}
	return m
}

// Costs are USD per 1M tokens, from the hourly cost of the GPUs a configuration uses.
type Costs struct{ InputPer1M, OutputPer1M float64 }

// Cost computes SGLang's cost columns with hourly = price × gpus.
func Cost(m Metrics, pricePerGPUHour float64, gpus int) Costs {
	return CostAt(m, pricePerGPUHour*float64(gpus))
}

// CostAt is Cost at an hourly price of the configuration (Settings.Hourly).
func CostAt(m Metrics, hourly float64) Costs {
	var c Costs
	if m.InputThroughput > 0 {
		c.InputPer1M = 1e6 / (m.InputThroughput * InputUtil) / 3600 * hourly
	}
	if m.OutputThroughput > 0 {
		c.OutputPer1M = 1e6 / m.OutputThroughput / 3600 * hourly
	}
	return c
}

// TokenTimesMs converts a stream's arrivals to milliseconds per request, scaled.
func TokenTimesMs(s *engine.Stream, timeScale float64) [][]float64 {
	if timeScale <= 0 {
		timeScale = 1
	}
	out := make([][]float64, len(s.Arrivals))
	for i, arr := range s.Arrivals {
		out[i] = make([]float64, len(arr))
		for j, a := range arr {
			out[i][j] = float64(a.At.Microseconds()) / 1000 / timeScale
		}
	}
	return out
}
