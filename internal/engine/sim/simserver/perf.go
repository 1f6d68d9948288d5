package simserver

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/servesweep/servesweep/internal/perfmodel"
)

// setPerf reads --sim-perf: a perfmodel.Model as JSON (what `servesweep run
// --dry-run` passes for a configuration whose hardware and model are known).
func (o *Options) setPerf(f *flagReader) error {
	v, err := f.next()
	if err != nil {
		return err
	}
	var m perfmodel.Model
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return fmt.Errorf("--sim-perf: not a performance model as JSON: %v", err)
	}
	s, p := m.Setup, m.Params
	if s.Device.MemGBps <= 0 || s.Device.PeakTFLOPS <= 0 || s.Layers <= 0 || p.BWEff <= 0 || p.FLOPEff <= 0 {
		return fmt.Errorf("--sim-perf: the model lacks the device's bandwidth and peak, the layers or the efficiencies")
	}
	for _, x := range []float64{s.Device.MemGBps, s.Device.PeakTFLOPS, s.Device.LinkGBps, s.Device.LinkLatencyUs, s.SharedBytes, s.ExpertBytes,
		s.ActiveParams, s.KVBytesPerToken, float64(s.Layers), float64(s.Hidden), float64(s.Heads), float64(s.HeadDim), float64(s.Experts), float64(s.TopK),
		float64(s.Parallel.TP), float64(s.Parallel.DP), p.BWEff, p.FLOPEff, p.LayerUs, p.StepMs, p.PrefillMs, p.CommScale} {
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) || x > 1e18 {
			return fmt.Errorf("--sim-perf: figures must be finite and not negative")
		}
	}
	if s.Parallel.TP > 1 && s.Device.LinkGBps <= 0 {
		return fmt.Errorf("--sim-perf: TP %d needs the link's bandwidth", s.Parallel.TP)
	}
	o.Perf = &m
	return nil
}

func meanLen(lens []int) int {
	if len(lens) == 0 {
		return 0
	}
	t := 0
	for _, l := range lens {
		t += l
	}
	return t / len(lens)
}

// prefillUs is the modelled time of prefilling prompts of lens tokens in one
// batch: the performance model's prediction when the sim has one, else the
// sim's per-token rate.
func (s *Server) prefillUs(lens []int) float64 {
	if m := s.opts.Perf; m != nil && s.opts.TTFTPerTokenUs == 0 {
		return m.Params.PrefillTimeMs(m.Setup, len(lens), meanLen(lens)) * 1e3 * s.opts.Slowdown
	}
	total := 0
	for _, l := range lens {
		total += l
	}
	return float64(total) * s.speed.PrefillUsPerToken
}

// stepUs is the modelled time of the decode step producing token tok of a
// request with prompts lens while batch sequences (the request's and the
// other requests in flight) share the step: the performance model's
// prediction at that context when the sim has one; else the sim's step time,
// 2% slower per extra sequence.
func (s *Server) stepUs(lens []int, batch, tok int) float64 {
	if m := s.opts.Perf; m != nil && s.opts.ITLMs == 0 {
		return m.Params.DecodeTimeMs(m.Setup, max(1, batch), meanLen(lens)+tok) * 1e3 * s.opts.Slowdown
	}
	return s.speed.DecodeStepMs * 1e3 * (1 + 0.02*float64(max(1, batch)-1))
}

// timing says where the sim's times come from, for its log and /server_info.
func (o Options) timing() map[string]any {
	m := o.Perf
	if m == nil || o.ITLMs > 0 && o.TTFTPerTokenUs > 0 {
		return map[string]any{"source": "sim constants (TP size and MoE backend factors; no hardware or model config known)"}
	}
	p := m.Case(perfmodel.Shape{Batch: 1, InputLen: 1024, OutputLen: 256})
	return map[string]any{"source": "performance model, " + m.Source(), "setup": m.Setup.Label(),
		"itl_ms_bs1_ctx1152": p.ITLMs, "itl_ms_low": p.ITLMsLow, "itl_ms_high": p.ITLMsHigh, "itl_bound_ms": p.ITLBoundMs}
}

// timingLine is the startup log line saying where the sim's times come from.
func (o Options) timingLine() string {
	t := o.timing()
	if _, ok := t["setup"]; !ok {
		return "sim timing: " + t["source"].(string)
	}
	return fmt.Sprintf("sim timing: %s (%s); batch 1 at 1152 tokens of context: ITL %.2f ms (%.2f–%.2f), HBM-bandwidth bound %.2f ms",
		t["source"], t["setup"], t["itl_ms_bs1_ctx1152"], t["itl_ms_low"], t["itl_ms_high"], t["itl_bound_ms"])
}
