package telemetry

import (
	"math"
	"sort"
)

// gpuSummary reduces the GPU samples of one segment: per GPU, energy from
// NVML's counter when both edges carry it, else power integrated over time;
// power, utilisation, memory and clock statistics over all samples.
func gpuSummary(ss []Sample) *GPUSummary {
	byGPU := map[int][]Sample{}
	var ids []int
	for _, s := range ss {
		if s.GPU == nil {
			continue
		}
		if _, ok := byGPU[*s.GPU]; !ok {
			ids = append(ids, *s.GPU)
		}
		byGPU[*s.GPU] = append(byGPU[*s.GPU], s)
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Ints(ids)
	out := &GPUSummary{GPUs: len(ids), EnergySource: "counter"}
	counter, power := 0.0, 0.0
	for _, id := range ids {
		g := byGPU[id]
		c, ok := counterEnergy(g)
		if !ok {
			out.EnergySource = "power"
		}
		counter += c
		power += integratePower(g)
	}
	out.EnergyJ = counter
	if out.EnergySource == "power" {
		out.EnergyJ = power
	}
	out.PowerW = totalPower(byGPU, ids)
	out.UtilPct, out.MemUsedMiB, out.SMClockMHz = stat(ss, "util_pct"), stat(ss, "mem_used_mib"), stat(ss, "sm_clock_mhz")
	return out
}

// counterEnergy is the energy counter's increase between the edges.
func counterEnergy(g []Sample) (float64, bool) {
	start, end := edge(g, EdgeStart), edge(g, EdgeEnd)
	if start == nil || end == nil {
		return 0, false
	}
	a, okA := start.Values["energy_j"]
	b, okB := end.Values["energy_j"]
	if !okA || !okB || b < a {
		return 0, false
	}
	return b - a, true
}

// integratePower integrates power_w over t with trapezoids (samples in time order).
func integratePower(g []Sample) float64 {
	e := 0.0
	var prevT, prevP float64
	have := false
	for _, s := range g {
		p, ok := s.Values["power_w"]
		if !ok {
			continue
		}
		if have && s.T > prevT {
			e += (s.T - prevT) * (p + prevP) / 2
		}
		prevT, prevP, have = s.T, p, true
	}
	return e
}

// totalPower is the power of all GPUs together: the mean of the per-GPU
// means summed, and the peak of the per-sample sums.
func totalPower(byGPU map[int][]Sample, ids []int) Stat {
	var st Stat
	peaks := map[float64]float64{}
	for _, id := range ids {
		if s := stat(byGPU[id], "power_w"); s != nil {
			st.Mean += s.Mean
			st.N += s.N
		}
		for _, s := range byGPU[id] {
			if p, ok := s.Values["power_w"]; ok {
				peaks[s.T] += p
			}
		}
	}
	for _, p := range peaks {
		st.Peak = math.Max(st.Peak, p)
	}
	return st
}
