package sweep

import (
	"fmt"
	"math"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Sane upper bounds, checked when the file is read: a value past them is a
// typo or an overflow waiting to happen (a batch of 1e11 prompts, a timeout
// that wraps into a negative duration), never a benchmark anyone means to run.
const (
	MaxBatchSize = 1 << 16 // concurrent requests of one case
	MaxSeqLen    = 1 << 24 // tokens of one prompt or one output (16M; the longest contexts are 10M)
	// MaxCaseTokens bounds batch size × input length: the client builds every
	// prompt of a case in memory before sending it (8 bytes a token).
	MaxCaseTokens = 1 << 27
	MaxTPSize     = 1 << 10
	MaxDuration   = 30 * 24 * time.Hour
)

// intLimits caps positive integers by the key positiveInt is given.
var intLimits = map[string]int{
	"tp_sizes item":    MaxTPSize,
	"batch_sizes item": MaxBatchSize,
	"input_lens item":  MaxSeqLen,
	"output_lens item": MaxSeqLen,
	"profile_steps":    1000,
	"repeats":          1000,
	"concurrency":      MaxBatchSize,
	"requests":         10_000_000,
	"gpus":             1 << 16,
	"max_jobs":         100_000,
}

// defaultIntLimit caps any other positive integer of a sweep file.
const defaultIntLimit = 1 << 31

// floatLimits caps numbers by key (all numbers must be finite).
var floatLimits = map[string]float64{
	"gpu_hour_price": 1e6,
	"cpu_hour_price": 1e6,
	"cost_budget":    1e9,
	"gpu_memory_gib": 1e6,
	"rate":           1e6,
	"ttft_ms":        MaxDuration.Seconds() * 1e3,
	"itl_ms":         MaxDuration.Seconds() * 1e3,
	"tpot_ms":        MaxDuration.Seconds() * 1e3,
}

// checkInt rejects v above the limit of key.
func (p *parser) checkInt(n *yaml.Node, key string, v int) error {
	lim, ok := intLimits[key]
	if !ok {
		lim = defaultIntLimit
	}
	if v > lim {
		return p.errAt(n, "%s must be at most %d, got %d", key, lim, v)
	}
	return nil
}

// checkFloat rejects NaN, infinities and values above the limit of key.
func (p *parser) checkFloat(n *yaml.Node, key string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return p.errAt(n, "%s must be a finite number, got %s", key, n.Value)
	}
	if lim, ok := floatLimits[key]; ok && math.Abs(v) > lim {
		return p.errAt(n, "%s must be at most %g, got %g", key, lim, v)
	}
	return nil
}

// secondsDuration converts a count of seconds without overflowing.
func (p *parser) secondsDuration(n *yaml.Node, key string, v int) (time.Duration, error) {
	if int64(v) > int64(MaxDuration/time.Second) {
		return 0, p.errAt(n, "%s must be at most %s, got %d seconds", key, fmtDuration(MaxDuration), v)
	}
	return time.Duration(v) * time.Second, nil
}

func (p *parser) checkDuration(n *yaml.Node, key string, d time.Duration) error {
	if d > MaxDuration {
		return p.errAt(n, "%s must be at most %s, got %s", key, fmtDuration(MaxDuration), n.Value)
	}
	return nil
}

func fmtDuration(d time.Duration) string {
	return fmt.Sprintf("%dh (%d days)", int(d.Hours()), int(d.Hours()/24))
}

// checkCaseSize bounds batch size × input length of the largest case.
func (p *parser) checkCaseSize(f *File) error {
	maxBS, maxIn := 0, 0
	for _, v := range f.BatchSizes {
		maxBS = max(maxBS, v)
	}
	for _, v := range f.InputLens {
		maxIn = max(maxIn, v)
	}
	if maxBS*maxIn <= MaxCaseTokens {
		return nil
	}
	n := p.nodes["input_lens"]
	if n == nil {
		n = p.nodes["batch_sizes"]
	}
	return p.errAt(n, "batch size %d × input length %d = %d prompt tokens in one case, more than the %d the client can hold in memory; lower batch_sizes or input_lens",
		maxBS, maxIn, maxBS*maxIn, MaxCaseTokens)
}

// distinctValues refuses a server_params value listed twice: the two
// configurations would be one (true and TRUE both add the bare flag).
func (p *parser) distinctValues(n *yaml.Node, key string, vals []string) error {
	seen := map[string]bool{}
	for i, v := range vals {
		k := v
		if l := strings.ToLower(v); l == "true" || l == "false" {
			k = l
		}
		if seen[k] {
			return p.errAt(n.Content[i], "server_params %s lists %q twice", key, v)
		}
		seen[k] = true
	}
	return nil
}
