package hardware

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Target is the hardware a sweep is planned for.
type Target struct {
	// Catalog is the catalog entry, nil for hardware described by its figures only.
	Catalog      *GPU    `json:"catalog,omitempty"`
	Name         string  `json:"name,omitempty"`
	GPUs         int     `json:"gpus,omitempty"` // 0: unknown
	GPUMemoryGiB float64 `json:"gpu_memory_gib,omitempty"`
	Compute      string  `json:"compute_capability,omitempty"`
	// Source says where the GPU came from ("--gpu flag", "sweep file hardware:",
	// "NVML", "nvidia-smi", "gpu_label 8-gpu-h200") and, when different, the count.
	Source string `json:"source"`
}

// Family is the architecture family of the target ("" when unknown).
func (t *Target) Family() Family {
	if t == nil {
		return FamilyUnknown
	}
	return FamilyOf(t.Compute)
}

// Arch names the architecture for messages: "Hopper (compute 9.0)".
func (t *Target) Arch() string {
	switch {
	case t == nil || t.Compute == "":
		return "unknown architecture"
	case t.Catalog != nil:
		return t.Catalog.Arch + " (compute " + t.Compute + ")"
	}
	return "compute " + t.Compute
}

// String describes the target in one line: "8× H200 (Hopper, compute 9.0, 140.4 GiB) from sweep file hardware:".
func (t *Target) String() string {
	if t == nil {
		return "unknown hardware"
	}
	var b strings.Builder
	if t.GPUs > 0 {
		fmt.Fprintf(&b, "%d× ", t.GPUs)
	}
	name := t.Name
	if name == "" {
		name = "GPU"
	}
	b.WriteString(name)
	var parts []string
	if t.Catalog != nil {
		parts = append(parts, t.Catalog.Arch)
	}
	if t.Compute != "" {
		parts = append(parts, "compute "+t.Compute)
	}
	if t.GPUMemoryGiB > 0 {
		parts = append(parts, fmt.Sprintf("%.1f GiB", t.GPUMemoryGiB))
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	if t.Source != "" {
		b.WriteString(" from " + t.Source)
	}
	return b.String()
}

// Spec is one source's partial description of the hardware.
type Spec struct {
	Source    string
	GPU       string // a catalog name or alias
	GPUs      int
	MemoryGiB float64
	Compute   string
}

func (s Spec) empty() bool { return s.GPU == "" && s.GPUs == 0 && s.MemoryGiB == 0 && s.Compute == "" }

// Resolve merges the specs, highest priority first (flags, the sweep file,
// discovery, the gpu_label): the GPU model comes from the first spec naming
// one, the count from the first giving one; explicit memory and compute
// capability override the catalog's. It returns nil when no spec says
// anything, and an error for an unknown GPU name.
func Resolve(specs ...Spec) (*Target, error) {
	t := &Target{}
	var gpuFrom, countFrom string
	for _, s := range specs {
		if s.empty() {
			continue
		}
		if s.GPU != "" && t.Name == "" {
			g, err := Lookup(s.GPU)
			if err != nil {
				if s.Compute == "" && s.MemoryGiB == 0 {
					return nil, fmt.Errorf("%s: %w", s.Source, err)
				}
				t.Name = s.GPU // described by its figures
			} else {
				t.Catalog, t.Name = &g, g.Name
			}
			gpuFrom = s.Source
		}
		if s.MemoryGiB > 0 && t.GPUMemoryGiB == 0 {
			t.GPUMemoryGiB = s.MemoryGiB
			if gpuFrom == "" {
				gpuFrom = s.Source
			}
		}
		if s.Compute != "" && t.Compute == "" {
			t.Compute = s.Compute
			if gpuFrom == "" {
				gpuFrom = s.Source
			}
		}
		if s.GPUs > 0 && t.GPUs == 0 {
			t.GPUs, countFrom = s.GPUs, s.Source
		}
	}
	if gpuFrom == "" && countFrom == "" {
		return nil, nil
	}
	if t.Catalog != nil {
		if t.GPUMemoryGiB == 0 {
			t.GPUMemoryGiB = t.Catalog.MemoryGiB
		}
		if t.Compute == "" {
			t.Compute = t.Catalog.Compute
		}
	}
	t.Source = gpuFrom
	if countFrom != "" && countFrom != gpuFrom {
		if t.Source == "" {
			t.Source = "GPU count from " + countFrom
		} else {
			t.Source += ", GPU count from " + countFrom
		}
	}
	return t, nil
}

var (
	labelCountFirst = regexp.MustCompile(`(?i)^\s*(\d{1,3})\s*(?:-?\s*gpus?\s*-?|x|×|\*)\s*(.+?)\s*$`)
	labelCountLast  = regexp.MustCompile(`(?i)^\s*(.+?)\s*(?:x|×|\*|-)\s*(\d{1,3})\s*$`)
)

// FromLabel reads a gpu_label such as "8-gpu-h200", "8xH200", "H100x8" or
// "h200". ok is false when the label names no catalog GPU.
func FromLabel(label string) (Spec, bool) {
	s := Spec{Source: "gpu_label " + strconv.Quote(label)}
	name := label
	if m := labelCountFirst.FindStringSubmatch(label); m != nil {
		s.GPUs, _ = strconv.Atoi(m[1])
		name = m[2]
	} else if m := labelCountLast.FindStringSubmatch(label); m != nil {
		if _, err := Lookup(m[1]); err == nil {
			s.GPUs, _ = strconv.Atoi(m[2])
			name = m[1]
		}
	}
	g, err := Lookup(name)
	if err != nil {
		return Spec{}, false
	}
	s.GPU = g.Name
	return s, true
}

// ValidCompute checks a compute capability given by hand ("9.0", "10.0", "gfx942").
func ValidCompute(s string) error {
	if strings.HasPrefix(strings.ToLower(s), "gfx") && len(s) > 3 {
		return nil
	}
	if _, _, ok := ParseCompute(s); !ok || !regexp.MustCompile(`^\d{1,2}\.\d$`).MatchString(s) {
		return fmt.Errorf("compute_capability %q is not like \"9.0\" (CUDA) or \"gfx942\" (AMD)", s)
	}
	return nil
}
