//go:build !(linux && cgo)

package gpu

import "fmt"

// OpenSampler needs NVML, which builds without cgo lack.
func OpenSampler() (Sampler, error) {
	return nil, fmt.Errorf("%w: this build has no cgo, so no NVML", ErrNoSampler)
}
