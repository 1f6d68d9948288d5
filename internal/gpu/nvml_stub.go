//go:build !(linux && cgo)

package gpu

import (
	"context"
	"errors"
)

// NVML is unavailable in builds without cgo; nvidia-smi still works.
type NVML struct{}

// Snapshot implements Source.
func (NVML) Snapshot(ctx context.Context) (*Snapshot, error) {
	return nil, errors.New("NVML: this build has no cgo")
}
