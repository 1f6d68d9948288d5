package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/servesweep/servesweep/internal/gpu"
	"github.com/servesweep/servesweep/internal/hardware"
)

// hostGPU is a discovered GPU with its catalog entry.
type hostGPU struct {
	gpu.GPU
	Catalog *hardware.GPU `json:"catalog"`
}

// hostSnapshot is gpus --json: the snapshot with each GPU's catalog entry.
type hostSnapshot struct {
	*gpu.Snapshot
	GPUs []hostGPU `json:"gpus"`
}

func hostView(snap *gpu.Snapshot) hostSnapshot {
	v := hostSnapshot{Snapshot: snap}
	for _, g := range snap.GPUs {
		h := hostGPU{GPU: g}
		if c, err := hardware.Lookup(g.Name); err == nil {
			h.Catalog = &c
		}
		v.GPUs = append(v.GPUs, h)
	}
	return v
}

func catalogLine(name string) string {
	c, err := hardware.Lookup(name)
	if err != nil {
		return "not in the catalog (describe it with hardware: {gpu_memory_gib: ..., compute_capability: ...})"
	}
	return fmt.Sprintf("%s (%s %s, %.2f TB/s HBM, %g BF16 / %s FP8 TFLOPS, %s)", c.Name, c.Arch, c.Compute, c.HBMTBps, c.BF16TFLOPS, orDash(fmtTF(c.FP8TFLOPS)), c.Link)
}

func fmtTF(v float64) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("%g", v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printCatalog(env Env, asJSON bool) error {
	if asJSON {
		return printJSON(env, hardware.Catalog())
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "GPU\tVENDOR\tARCH\tCOMPUTE\tMEMORY\tHBM TB/s\tBF16 TFLOPS\tFP8 TFLOPS\tLINK")
	for _, g := range hardware.Catalog() {
		link := g.Link
		if g.LinkGBps > 0 {
			link = fmt.Sprintf("%s %g GB/s", g.Link, g.LinkGBps)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%g GB %s (%.1f GiB)\t%.2f\t%g\t%s\t%s\n", g.Name, g.Vendor, g.Arch, g.Compute, g.MemoryGB, g.MemoryKind, g.MemoryGiB,
			g.HBMTBps, g.BF16TFLOPS, orDash(fmtTF(g.FP8TFLOPS)), link)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "\nSources: vendor datasheets (dense math); `servesweep gpus --catalog --json` lists each entry's source and aliases.")
	return nil
}
