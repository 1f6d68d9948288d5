"""Generate real PyTorch-profiler traces on GPUs for servesweep's trace tests.

A small tensor-parallel MoE transformer (attention + routed experts, one
all-reduce after attention and one after the MoE block) runs over WORLD GPUs
with NCCL; an "extend" stage (one prefill step) and a "decode" stage (N steps)
are profiled separately, each step wrapped in SGLang's step ranges
(step[EXTEND bs=.. toks=..], step[DECODE bs=..]), and written per rank with
SGLang's file names: <id>-TP-<rank>-EXTEND.trace.json.gz / -DECODE.

    torchrun --nproc-per-node 2 scripts/make-real-traces.py OUTDIR
"""
import os, sys, time, torch, torch.distributed as dist
import torch.nn.functional as F

out = sys.argv[1] if len(sys.argv) > 1 else "traces"
os.makedirs(out, exist_ok=True)
dist.init_process_group("nccl")
rank, world = dist.get_rank(), dist.get_world_size()
torch.cuda.set_device(rank)
dev = torch.device("cuda", rank)
torch.manual_seed(0)

H, HEADS, LAYERS, E, TOPK, I_MOE = 2048, 16, 4, 16, 2, 1024
hd = H // HEADS
h_local = HEADS // world
e_local = E // world  # expert parallel over the TP group

class Layer(torch.nn.Module):
    def __init__(s):
        super().__init__()
        s.qkv = torch.nn.Linear(H, 3 * h_local * hd, bias=False, dtype=torch.bfloat16, device=dev)
        s.o = torch.nn.Linear(h_local * hd, H, bias=False, dtype=torch.bfloat16, device=dev)
        s.router = torch.nn.Linear(H, E, bias=False, dtype=torch.bfloat16, device=dev)
        s.w1 = torch.randn(e_local, H, 2 * I_MOE, dtype=torch.bfloat16, device=dev) * 0.02
        s.w2 = torch.randn(e_local, I_MOE, H, dtype=torch.bfloat16, device=dev) * 0.02

    def forward(s, x, kv):
        T = x.shape[0]
        q, k, v = s.qkv(x).view(T, 3, h_local, hd).unbind(1)
        kv.append((k, v))
        K = torch.cat([a for a, _ in kv]); V = torch.cat([b for _, b in kv])
        a = F.scaled_dot_product_attention(q.transpose(0, 1)[None], K.transpose(0, 1)[None], V.transpose(0, 1)[None], is_causal=(T > 1))
        x = x + s._reduce(s.o(a[0].transpose(0, 1).reshape(T, -1)))
        w, idx = torch.topk(torch.softmax(s.router(x).float(), -1), TOPK)
        y = torch.zeros_like(x)
        for j in range(e_local):
            e = rank * e_local + j
            rows, slot = (idx == e).nonzero(as_tuple=True)
            if rows.numel() == 0:
                continue
            g, u = (x[rows] @ s.w1[j]).chunk(2, -1)
            y[rows] += (F.silu(g) * u @ s.w2[j]) * w[rows, slot, None].to(x.dtype)
        return x + s._reduce(y)

    def _reduce(s, t):
        dist.all_reduce(t)
        return t

layers = [Layer() for _ in range(LAYERS)]
def forward(x, cache):
    for l, kv in zip(layers, cache):
        x = l(x, kv)
    return x

PROMPT, DECODE = 512, 6
prof_id = f"{time.time():.6f}"
acts = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
with torch.no_grad():
    for _ in range(2):  # warm-up
        cache = [[] for _ in layers]; forward(torch.randn(PROMPT, H, dtype=torch.bfloat16, device=dev), cache)
    torch.cuda.synchronize()
    cache = [[] for _ in layers]
    with torch.profiler.profile(activities=acts) as p:
        with torch.profiler.record_function(f"step[EXTEND bs=1 toks={PROMPT}]"):
            x = forward(torch.randn(PROMPT, H, dtype=torch.bfloat16, device=dev), cache)
        torch.cuda.synchronize()
    p.export_chrome_trace(os.path.join(out, f"{prof_id}-TP-{rank}-EXTEND.trace.json.gz"))
    with torch.profiler.profile(activities=acts) as p:
        for _ in range(DECODE):
            with torch.profiler.record_function("step[DECODE bs=1]"):
                x = forward(torch.randn(1, H, dtype=torch.bfloat16, device=dev), cache)
            torch.cuda.synchronize()
    p.export_chrome_trace(os.path.join(out, f"{prof_id}-TP-{rank}-DECODE.trace.json.gz"))
dist.barrier()
if rank == 0:
    print("wrote", sorted(os.listdir(out)))
dist.destroy_process_group()
