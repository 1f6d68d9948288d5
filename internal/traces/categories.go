package traces

import "strings"

// Categories, in report order.
var Categories = []string{"gemm", "attention", "moe", "communication", "memory", "other"}

// Pattern maps a lowercase substring of a kernel name to its category. The
// first match in Patterns wins, so put specific families before generic ones.
type Pattern struct {
	Substring string
	Category  string
}

// Patterns are the kernel name families of shared/reference/traces-and-memory.md;
// append to extend them.
var Patterns = []Pattern{
	// communication: NCCL, custom all-reduce, all-to-all
	{"nccl", "communication"}, {"cross_device_reduce", "communication"}, {"allreduce", "communication"},
	{"all_reduce", "communication"}, {"allgather", "communication"}, {"all_gather", "communication"},
	{"reduce_scatter", "communication"}, {"reducescatter", "communication"}, {"all_to_all", "communication"},
	{"alltoall", "communication"}, {"lamport", "communication"}, {"deep_ep", "communication"}, {"gloo:", "communication"},
	// MoE: Triton fused MoE, trtllm-gen, CUTLASS MoE, DeepGEMM grouped
	{"fused_moe", "moe"}, {"moe::", "moe"}, {"moe_align", "moe"}, {"bmm_e4m3", "moe"}, {"bmm_bfloat16", "moe"},
	{"bmm_e2m1", "moe"}, {"cutlass_kernels::", "moe"}, {"expandinputrows", "moe"}, {"finalizemoerouting", "moe"},
	{"cutlass_3x_gemm_fp8_blockwise", "moe"}, {"m_grouped", "moe"}, {"grouped_gemm", "moe"}, {"topkgating", "moe"},
	// attention: FlashInfer, FlashAttention, FlashMLA, cuDNN SDPA, TRT-LLM FMHA
	{"batchprefillwithpagedkvcache", "attention"}, {"batchdecodewithpagedkvcache", "attention"},
	{"flashattn", "attention"}, {"flash_fwd", "attention"}, {"flash_fprop", "attention"}, {"fmha", "attention"},
	{"_mla", "attention"}, {"mla_", "attention"}, {"sdpa", "attention"}, {"attention", "attention"}, {"paged_attention", "attention"},
	// memory copies and sets (also by event category)
	{"memcpy", "memory"}, {"memset", "memory"},
	// dense GEMM: cuBLAS(Lt), nvjet, CUTLASS, DeepGEMM dense
	{"nvjet", "gemm"}, {"xmma_gemm", "gemm"}, {"cublas", "gemm"}, {"splitkreduce", "gemm"}, {"cutlass::kernel", "gemm"},
	{"cutlass_80_tensorop", "gemm"}, {"gemm", "gemm"}, {"gemv", "gemm"}, {"sm90_xmma", "gemm"},
}

// Categorize returns the category of a GPU event by its trace category and name.
func Categorize(cat, name string) string {
	if cat == "gpu_memcpy" || cat == "gpu_memset" {
		return "memory"
	}
	n := strings.ToLower(name)
	for _, p := range Patterns {
		if strings.Contains(n, p.Substring) {
			return p.Category
		}
	}
	return "other"
}
