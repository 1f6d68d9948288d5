package simserver

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// TraceFileName is SGLang's per-rank trace file name:
// [<prefix>-]<profile_id>-TP-<rank>[-EP-<ep rank>][-EXTEND|-DECODE].trace.json.gz
func TraceFileName(prefix, profileID string, tpRank, epSize, epRank int, stage string) string {
	return RankFileName(prefix, profileID, SimRank{TP: tpRank, DP: -1, PP: -1, EP: epRank, EPSize: epSize}, stage)
}

// SimRank is one scheduler process of a simulated server: its TP rank, its
// DP and PP ranks (-1 when that size is 1) and its EP rank.
type SimRank struct {
	TP, DP, PP, EP int
	EPSize         int
	Global         int // rank in its torch world (distributedInfo.rank)
	World          int // size of that world
}

// RankFileName is SGLang's per-rank trace file name
// (python/sglang/srt/utils/profile_utils.py; engines.md §1 "Files, one per rank"):
// [<prefix>-]<profile_id>-TP-<tp>[-DP-<dp>][-PP-<pp>][-EP-<ep>][-EXTEND|-DECODE].trace.json.gz,
// the DP/PP/EP parts only when that size is > 1.
func RankFileName(prefix, profileID string, r SimRank, stage string) string {
	name := profileID + "-TP-" + strconv.Itoa(r.TP)
	if r.DP >= 0 {
		name += "-DP-" + strconv.Itoa(r.DP)
	}
	if r.PP >= 0 {
		name += "-PP-" + strconv.Itoa(r.PP)
	}
	epSize, epRank := r.EPSize, r.EP
	if epSize > 1 {
		name += "-EP-" + strconv.Itoa(epRank)
	}
	if stage != "" {
		name += "-" + stage
	}
	if prefix != "" {
		name = prefix + "-" + name
	}
	return name + ".trace.json.gz"
}

// extraInt reads an integer SGLang flag the sim keeps in Extra (any spelling), def when absent.
func (s *Server) extraInt(def int, names ...string) int {
	for _, n := range names {
		if v, err := strconv.Atoi(s.opts.Extra[n]); err == nil && v > 0 {
			return v
		}
	}
	return def
}

// Ranks lists the scheduler processes of the simulated server, as SGLang runs
// them: TP × PP per replica, and DP replicas of their own unless DP attention
// splits the TP ranks into DP groups (then the attention-DP rank is TP rank /
// (TP / DP)).
func (s *Server) Ranks() []SimRank {
	tp, ep := max(1, s.opts.TP), max(1, s.opts.EP)
	pp := s.extraInt(1, "pp-size", "pipeline-parallel-size")
	dp := s.extraInt(1, "dp-size", "data-parallel-size")
	dpAttn := s.opts.Extra["enable-dp-attention"] != "" && s.opts.Extra["enable-dp-attention"] != "false"
	replicas := dp
	if dpAttn {
		replicas = 1
	}
	var out []SimRank
	for d := 0; d < replicas; d++ {
		for p := 0; p < pp; p++ {
			for t := 0; t < tp; t++ {
				r := SimRank{TP: t, DP: -1, PP: -1, EP: t % ep, EPSize: ep, Global: p*tp + t, World: tp * pp}
				switch {
				case dp > 1 && dpAttn:
					r.DP = t / max(1, tp/dp)
				case dp > 1:
					r.DP = d
				}
				if pp > 1 {
					r.PP = p
				}
				out = append(out, r)
			}
		}
	}
	return out
}

// moeKernels names the MoE kernels a backend launches.
func moeKernels(backend string) []string {
	switch backend {
	case "flashinfer_trtllm":
		return []string{"moe::dev::routing::routingMainKernel", "bmm_E4m3_E4m3E4m3_Fp32_t128x8x256u2_s6_et64x8", "moe::dev::finalize::finalizeKernel"}
	case "flashinfer_cutlass", "cutlass":
		return []string{"cutlass_kernels::expandInputRowsKernel", "cutlass_3x_gemm_fp8_blockwise_sm90", "cutlass_kernels::finalizeMoeRoutingKernel"}
	case "deep_gemm":
		return []string{"deep_gemm::fp8_gemm_kernel", "deep_gemm::m_grouped_gemm"}
	}
	return []string{"fused_moe_kernel"}
}

type traceEvent struct {
	Ph   string         `json:"ph"`
	Cat  string         `json:"cat,omitempty"`
	Name string         `json:"name"`
	Pid  int            `json:"pid"`
	Tid  any            `json:"tid"`
	Ts   float64        `json:"ts"`
	Dur  float64        `json:"dur,omitempty"`
	Args map[string]any `json:"args,omitempty"`
}

// buildTrace builds one rank's Chrome trace for a stage from modelled step times (µs).
func (s *Server) buildTrace(rank int, stage string, bs, toks int, steps []float64) []byte {
	return s.buildRankTrace(SimRank{TP: rank, Global: rank, World: s.opts.TP}, stage, bs, toks, steps)
}

// buildRankTrace builds one rank's Chrome trace for a stage from modelled step times (µs).
func (s *Server) buildRankTrace(sr SimRank, stage string, bs, toks int, steps []float64) []byte {
	rank := sr.TP
	shares := s.speed.Shares
	ts := float64(time.Now().UnixMicro())
	var evs []traceEvent
	evs = append(evs, traceEvent{Ph: "M", Name: "process_name", Pid: rank, Tid: 0, Args: map[string]any{"name": "GPU " + strconv.Itoa(rank)}},
		traceEvent{Ph: "M", Name: "thread_name", Pid: rank, Tid: 7, Args: map[string]any{"name": "stream 7"}})
	attn := "BatchDecodeWithPagedKVCacheKernel"
	label := fmt.Sprintf("step[DECODE bs=%d]", bs)
	if stage == "EXTEND" {
		attn = "BatchPrefillWithPagedKVCacheKernel"
		label = fmt.Sprintf("step[EXTEND bs=%d toks=%d]", bs, toks)
	}
	corr := rank * 100000
	for _, step := range steps {
		evs = append(evs, traceEvent{Ph: "X", Cat: "gpu_user_annotation", Name: label, Pid: rank, Tid: 7, Ts: ts, Dur: step})
		t := ts
		kern := func(cat, name string, dur float64) {
			corr++
			evs = append(evs, traceEvent{Ph: "X", Cat: cat, Name: name, Pid: rank, Tid: 7, Ts: t, Dur: dur,
				Args: map[string]any{"device": rank, "stream": 7, "correlation": corr}})
			t += dur
		}
		kern("gpu_memcpy", "Memcpy HtoD (Pageable -> Device)", step*0.005)
		kern("kernel", "nvjet_tst_128x64_64x8_1x1_v_bz_TNT", step*shares["gemm"]*0.5)
		kern("kernel", attn, step*shares["attention"])
		if s.opts.TP > 1 {
			kern("kernel", "ncclDevKernel_AllReduce_Sum_bf16_RING_LL", step*shares["communication"])
		}
		if shares["moe"] > 0 {
			mk := moeKernels(s.opts.MoEBackend)
			for _, k := range mk {
				kern("kernel", k, step*shares["moe"]/float64(len(mk)))
			}
		}
		kern("kernel", "nvjet_tst_64x8_64x16_4x1_v_bz_TNN", step*shares["gemm"]*0.5)
		kern("kernel", "act_and_mul_kernel", step*shares["other"]*0.5)
		ts += step * 1.02
	}
	doc := map[string]any{
		"schemaVersion":       1,
		"deviceProperties":    []map[string]any{{"id": rank, "name": "Simulated GPU", "totalGlobalMem": 150754820096, "computeMajor": 9, "computeMinor": 0, "numSms": 132}},
		"distributedInfo":     map[string]any{"backend": "nccl", "rank": sr.Global, "world_size": sr.World},
		"baseTimeNanoseconds": time.Now().UnixNano(),
		"traceName":           "servesweep-sim",
		"traceEvents":         evs,
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	json.NewEncoder(zw).Encode(doc)
	zw.Close()
	return buf.Bytes()
}

// writeTraces writes extend and decode traces for every rank, like SGLang's
// profile_by_stage, in two halves with a pause between to rehearse slow writes.
func (s *Server) writeTraces(p *profileReq, bs, toks int, prefillUs float64, decode []float64) {
	numSteps := 3
	switch v := p.NumSteps.(type) {
	case string:
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			numSteps = n
		}
	case float64:
		if v > 0 {
			numSteps = int(v)
		}
	}
	if len(decode) > numSteps {
		decode = decode[:numSteps]
	}
	profileID := strconv.FormatFloat(float64(time.Now().UnixNano())/1e9, 'f', 6, 64)
	if err := os.MkdirAll(p.OutputDir, 0o755); err != nil {
		s.log.Printf("cannot create profile dir: %v", err)
		return
	}
	stages := []struct {
		name  string
		steps []float64
	}{{"EXTEND", []float64{prefillUs}}, {"DECODE", decode}}
	if !p.ProfileByStage {
		stages = []struct {
			name  string
			steps []float64
		}{{"", append([]float64{prefillUs}, decode...)}}
	}
	ranks := s.Ranks()
	for _, st := range stages {
		for _, sr := range ranks {
			path := filepath.Join(p.OutputDir, RankFileName(p.ProfilePrefix, profileID, sr, st.name))
			data := s.buildRankTrace(sr, st.name, bs, toks, st.steps)
			f, err := os.Create(path)
			if err != nil {
				s.log.Printf("cannot write trace: %v", err)
				return
			}
			half := len(data) / 2
			f.Write(data[:half])
			time.Sleep(s.scaled(20000))
			f.Write(data[half:])
			f.Close()
		}
	}
	s.log.Printf("Profiling done. Traces are saved to: %s", p.OutputDir)
}
