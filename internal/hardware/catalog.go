// Package hardware is servesweep's catalog of the GPUs people sweep on —
// architecture and compute capability, memory, HBM bandwidth, dense BF16/FP8
// peaks and the GPU-to-GPU link — and the resolution of a sweep's target
// hardware from flags, the sweep file, discovery or the gpu_label.
//
// Figures are vendor datasheet values (dense math, no sparsity), as collected in
// shared/reference/gpus.md; each entry names its datasheet. MemoryGiB is what
// the driver reports (nvidia-smi memory.total) where that was read off a real
// machine, else the datasheet's GB converted to GiB.
package hardware

import (
	"fmt"
	"sort"
	"strings"
)

// GPU is one catalog entry.
type GPU struct {
	Name    string `json:"name"`
	Vendor  string `json:"vendor"`
	Arch    string `json:"arch"`    // Ampere, Ada, Hopper, Blackwell, Blackwell Ultra, CDNA3, CDNA4
	Compute string `json:"compute"` // CUDA compute capability "9.0", or the AMD gfx target "gfx942"
	// MemoryGB is the datasheet capacity; MemoryGiB what the driver reports.
	MemoryGB   float64  `json:"memory_gb"`
	MemoryGiB  float64  `json:"memory_gib"`
	MemoryKind string   `json:"memory_kind"`
	HBMTBps    float64  `json:"hbm_tb_s"`
	BF16TFLOPS float64  `json:"bf16_tflops"`
	FP8TFLOPS  float64  `json:"fp8_tflops,omitempty"` // 0: no FP8 tensor cores
	FP4TFLOPS  float64  `json:"fp4_tflops,omitempty"`
	Link       string   `json:"link"`
	LinkGBps   float64  `json:"link_gb_s,omitempty"` // per GPU, bidirectional; 0: PCIe only
	Aliases    []string `json:"aliases,omitempty"`
	Source     string   `json:"source"`
}

// gb converts datasheet GB (10^9) to GiB.
func gb(v float64) float64 { return v * 1e9 / (1 << 30) }

// catalog is ordered by vendor and generation.
var catalog = []GPU{
	{Name: "A100-80GB", Vendor: "NVIDIA", Arch: "Ampere", Compute: "8.0", MemoryGB: 80, MemoryGiB: 81920.0 / 1024, MemoryKind: "HBM2e",
		HBMTBps: 2.039, BF16TFLOPS: 312, Link: "NVLink3", LinkGBps: 600,
		Aliases: []string{"A100", "A100 SXM", "A100-SXM4-80GB", "A100 80GB", "A100-SXM-80GB"},
		Source:  "NVIDIA A100 Tensor Core GPU datasheet (nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf)"},
	{Name: "L40S", Vendor: "NVIDIA", Arch: "Ada", Compute: "8.9", MemoryGB: 48, MemoryGiB: 46068.0 / 1024, MemoryKind: "GDDR6",
		HBMTBps: 0.864, BF16TFLOPS: 362, FP8TFLOPS: 733, Link: "PCIe Gen4 only",
		Aliases: []string{"L40S-48GB"},
		Source:  "NVIDIA L40S datasheet (nvidia.com/en-us/data-center/l40s/), dense figures"},
	{Name: "H100", Vendor: "NVIDIA", Arch: "Hopper", Compute: "9.0", MemoryGB: 80, MemoryGiB: 81559.0 / 1024, MemoryKind: "HBM3",
		HBMTBps: 3.35, BF16TFLOPS: 989, FP8TFLOPS: 1979, Link: "NVLink4", LinkGBps: 900,
		Aliases: []string{"H100 SXM", "H100-SXM", "H100-SXM5", "H100-SXM5-80GB", "H100 80GB HBM3", "H100-80GB"},
		Source:  "NVIDIA H100 Tensor Core GPU datasheet (nvidia.com/en-us/data-center/h100/), SXM column, dense"},
	{Name: "H200", Vendor: "NVIDIA", Arch: "Hopper", Compute: "9.0", MemoryGB: 141, MemoryGiB: 143771.0 / 1024, MemoryKind: "HBM3e",
		HBMTBps: 4.8, BF16TFLOPS: 989, FP8TFLOPS: 1979, Link: "NVLink4", LinkGBps: 900,
		Aliases: []string{"H200 SXM", "H200-SXM", "H200-SXM5", "H200-141GB", "H200 141GB HBM3e"},
		Source:  "NVIDIA H200 Tensor Core GPU datasheet (nvidia.com/en-us/data-center/h200/), SXM column, dense; 143771 MiB read off a 2×H200 machine (driver 580.159.04)"},
	{Name: "B200", Vendor: "NVIDIA", Arch: "Blackwell", Compute: "10.0", MemoryGB: 180, MemoryGiB: 183359.0 / 1024, MemoryKind: "HBM3e",
		HBMTBps: 8, BF16TFLOPS: 2250, FP8TFLOPS: 4500, FP4TFLOPS: 9000, Link: "NVLink5", LinkGBps: 1800,
		Aliases: []string{"B200 SXM", "B200-SXM", "HGX B200", "B200-180GB"},
		Source:  "NVIDIA HGX B200 datasheet (nvidia.com/en-us/data-center/hgx/), per GPU, dense"},
	{Name: "B300", Vendor: "NVIDIA", Arch: "Blackwell Ultra", Compute: "10.3", MemoryGB: 288, MemoryGiB: gb(288), MemoryKind: "HBM3e",
		HBMTBps: 8, BF16TFLOPS: 2250, FP8TFLOPS: 4500, FP4TFLOPS: 13500, Link: "NVLink5", LinkGBps: 1800,
		Aliases: []string{"B300 SXM", "B300-SXM", "HGX B300", "Blackwell Ultra"},
		Source:  "NVIDIA HGX B300 datasheet (nvidia.com/en-us/data-center/hgx/), per GPU, dense (≈ values)"},
	{Name: "MI300X", Vendor: "AMD", Arch: "CDNA3", Compute: "gfx942", MemoryGB: 192, MemoryGiB: gb(192), MemoryKind: "HBM3",
		HBMTBps: 5.3, BF16TFLOPS: 1307, FP8TFLOPS: 2615, Link: "Infinity Fabric", LinkGBps: 896,
		Aliases: []string{"Instinct MI300X", "AMD Instinct MI300X", "MI300X OAM"},
		Source:  "AMD Instinct MI300X data sheet (amd.com/en/products/accelerators/instinct/mi300/mi300x.html), dense"},
	{Name: "MI325X", Vendor: "AMD", Arch: "CDNA3", Compute: "gfx942", MemoryGB: 256, MemoryGiB: gb(256), MemoryKind: "HBM3e",
		HBMTBps: 6, BF16TFLOPS: 1307, FP8TFLOPS: 2615, Link: "Infinity Fabric", LinkGBps: 896,
		Aliases: []string{"Instinct MI325X", "AMD Instinct MI325X", "MI325X OAM"},
		Source:  "AMD Instinct MI325X data sheet (amd.com/en/products/accelerators/instinct/mi300/mi325x.html), dense"},
	{Name: "MI355X", Vendor: "AMD", Arch: "CDNA4", Compute: "gfx950", MemoryGB: 288, MemoryGiB: gb(288), MemoryKind: "HBM3e",
		HBMTBps: 8, BF16TFLOPS: 2300, FP8TFLOPS: 4600, FP4TFLOPS: 9200, Link: "Infinity Fabric", LinkGBps: 1075,
		Aliases: []string{"Instinct MI355X", "AMD Instinct MI355X", "MI355X OAM"},
		Source:  "AMD Instinct MI355X data sheet (amd.com/en/products/accelerators/instinct/mi350.html), dense (≈ values)"},
}

// Catalog returns a copy of every entry.
func Catalog() []GPU { return append([]GPU(nil), catalog...) }

// Names returns the catalog's names, for error messages.
func Names() []string {
	out := make([]string, len(catalog))
	for i, g := range catalog {
		out[i] = g.Name
	}
	return out
}

// key normalises a GPU name: lower case, vendor words and punctuation dropped.
func key(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, w := range []string{"nvidia", "amd", "instinct", "tensor core gpu", "hgx"} {
		s = strings.ReplaceAll(s, w, " ")
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Lookup finds a GPU by name, alias or the name the driver reports
// ("NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB", "AMD Instinct MI300X"),
// case-insensitively. The error lists the known names.
func Lookup(name string) (GPU, error) {
	k := key(name)
	if k == "" {
		return GPU{}, fmt.Errorf("empty GPU name: use one of %s", strings.Join(Names(), ", "))
	}
	for _, g := range catalog {
		if key(g.Name) == k {
			return g, nil
		}
		for _, a := range g.Aliases {
			if key(a) == k {
				return g, nil
			}
		}
	}
	// Driver names carry suffixes (memory size, form factor, "NVL", "PCIe"):
	// take the longest catalog name the key starts with.
	best := -1
	for i, g := range catalog {
		gk := key(g.Name)
		if strings.HasPrefix(k, gk) || strings.HasPrefix(k, strings.TrimSuffix(gk, "80gb")) && strings.HasPrefix(gk, "a100") {
			if best < 0 || len(gk) > len(key(catalog[best].Name)) {
				best = i
			}
		}
	}
	if best >= 0 {
		return catalog[best], nil
	}
	return GPU{}, fmt.Errorf("unknown GPU %q: known GPUs are %s (or describe it with hardware: {gpu_memory_gib: ..., compute_capability: \"9.0\"})", name, strings.Join(Names(), ", "))
}

// Family is the architecture family a rule can key on.
type Family string

// Families of compute capabilities.
const (
	FamilyAmpere    Family = "ampere"    // 8.0, 8.6, 8.7
	FamilyAda       Family = "ada"       // 8.9
	FamilyHopper    Family = "hopper"    // 9.x
	FamilyBlackwell Family = "blackwell" // 10.x, 11.x, 12.x
	FamilyAMD       Family = "amd"       // gfx9xx
	FamilyUnknown   Family = ""
)

// FamilyOf classifies a compute capability ("9.0") or gfx target ("gfx942").
func FamilyOf(compute string) Family {
	c := strings.ToLower(strings.TrimSpace(compute))
	if strings.HasPrefix(c, "gfx") {
		return FamilyAMD
	}
	major, minor, ok := ParseCompute(c)
	switch {
	case !ok:
		return FamilyUnknown
	case major == 8 && minor == 9:
		return FamilyAda
	case major == 8:
		return FamilyAmpere
	case major == 9:
		return FamilyHopper
	case major >= 10 && major <= 12:
		return FamilyBlackwell
	}
	return FamilyUnknown
}

// ParseCompute splits "9.0" into (9, 0).
func ParseCompute(s string) (major, minor int, ok bool) {
	var n int
	n, err := fmt.Sscanf(s, "%d.%d", &major, &minor)
	if err != nil || n != 2 || major <= 0 || minor < 0 {
		return 0, 0, false
	}
	return major, minor, true
}

// SortedAliases returns every accepted spelling, for documentation.
func SortedAliases() []string {
	var out []string
	for _, g := range catalog {
		out = append(out, g.Name)
		out = append(out, g.Aliases...)
	}
	sort.Strings(out)
	return out
}
