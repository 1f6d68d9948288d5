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
	name := profileID + "-TP-" + strconv.Itoa(tpRank)
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
		"distributedInfo":     map[string]any{"backend": "nccl", "rank": rank, "world_size": s.opts.TP},
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
	for _, st := range stages {
		for rank := 0; rank < s.opts.TP; rank++ {
			epRank := rank % s.opts.EP
			path := filepath.Join(p.OutputDir, TraceFileName(p.ProfilePrefix, profileID, rank, s.opts.EP, epRank, st.name))
			data := s.buildTrace(rank, st.name, bs, toks, st.steps)
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
