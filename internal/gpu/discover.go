package gpu

import "context"

// DefaultSources are NVML first, then nvidia-smi.
func DefaultSources() []Source { return []Source{NVML{}, NewSMI()} }

// Host discovers the host's GPUs with the default sources. NVML gives no link
// matrix, so a multi-GPU snapshot without one gets it from nvidia-smi topo -m.
func Host(ctx context.Context) (*Snapshot, error) {
	snap, err := Discover(ctx, DefaultSources()...)
	if err == nil && snap.Topology == nil && len(snap.GPUs) > 1 {
		if out, err := NewSMI().Run(ctx, "topo", "-m"); err == nil {
			snap.Topology = ParseTopo(string(out), len(snap.GPUs))
		}
	}
	return snap, err
}

// Fallback is a Source that tries NVML, then nvidia-smi, on every snapshot.
type Fallback struct{}

// Snapshot implements Source.
func (Fallback) Snapshot(ctx context.Context) (*Snapshot, error) { return Host(ctx) }
