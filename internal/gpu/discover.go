package gpu

import "context"

// DefaultSources are NVML first, then nvidia-smi.
func DefaultSources() []Source { return []Source{NVML{}, NewSMI()} }

// Host discovers the host's GPUs with the default sources.
func Host(ctx context.Context) (*Snapshot, error) { return Discover(ctx, DefaultSources()...) }

// Fallback is a Source that tries NVML, then nvidia-smi, on every snapshot.
type Fallback struct{}

// Snapshot implements Source.
func (Fallback) Snapshot(ctx context.Context) (*Snapshot, error) { return Host(ctx) }
