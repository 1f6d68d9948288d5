package cli

import "github.com/servesweep/servesweep/internal/sweep"

// benchLimits applies the sweep file's sane limits to bench's flags.
func benchLimits(o benchOptions) error {
	for _, l := range append(append([]int{}, o.InputLens...), o.OutputLens...) {
		if l > sweep.MaxSeqLen {
			return usagef("--input-len and --output-len must be at most %d, got %d", sweep.MaxSeqLen, l)
		}
	}
	for _, bs := range o.BatchSizes {
		if bs > sweep.MaxBatchSize {
			return usagef("--batch-size must be at most %d, got %d", sweep.MaxBatchSize, bs)
		}
		for _, il := range o.InputLens {
			if bs*il > sweep.MaxCaseTokens {
				return usagef("--batch-size %d × --input-len %d is more than the %d prompt tokens the client can hold in memory", bs, il, sweep.MaxCaseTokens)
			}
		}
	}
	return nil
}
