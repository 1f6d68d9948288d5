#!/usr/bin/env bash
# gpu-validate.sh — validates servesweep's GPU path on a real GPU machine:
# discovery (NVML and nvidia-smi), the busy check against a real CUDA process,
# the release wait after that process is killed, and a sweep whose server group
# holds GPU memory (CUDA_VISIBLE_DEVICES and the NVLink-multicast variables
# passed to children, memory released after the stop). Writes logs to ${OUT:-.}.
#   scripts/gpu-validate.sh bin/servesweep
set -uo pipefail
SS=$(realpath "${1:-bin/servesweep}")
OUT=${OUT:-$PWD/gpu-validate}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
log() { echo "== $*" | tee -a "$OUT/validate.log"; }

log "1. discovery"
"$SS" gpus 2>&1 | tee -a "$OUT/validate.log"
"$SS" gpus --json > "$OUT/gpus.json" 2>>"$OUT/validate.log"
nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used --format=csv,noheader,nounits | tee -a "$OUT/validate.log"

log "2. busy check against a real CUDA process holding 20 GiB on GPU 0"
python3 -c "
import torch, time, sys
x = torch.empty(20 << 30, dtype=torch.uint8, device='cuda:0'); x.fill_(1); torch.cuda.synchronize()
print('holding', flush=True); time.sleep(600)" > "$OUT/holder.log" 2>&1 &
HOLDER=$!
for i in $(seq 1 300); do grep -q holding "$OUT/holder.log" && break; sleep 0.1; done
"$SS" gpus --check 0 >>"$OUT/validate.log" 2>&1; echo "check while held: exit $? (want 1)" | tee -a "$OUT/validate.log"
T0=$(date +%s.%N); kill -9 $HOLDER; wait $HOLDER 2>/dev/null
"$SS" gpus --check 0 --wait-release 30s 2>&1 | grep -v "^GPU\|^process\|^topology\|GPU(s) through" | tee -a "$OUT/validate.log"
echo "kill-to-free wall time: $(python3 -c "import time; print(round(time.time() - $T0, 3))") s" | tee -a "$OUT/validate.log"

log "3. a sweep whose server process group holds GPU memory"
cat > "$OUT/holder-server.sh" <<EOS
#!/bin/sh
# A stand-in SGLang server: a CUDA process holding 10 GiB in the same process group, plus the sim server.
python3 -c "import torch,time; x=torch.empty(10<<30,dtype=torch.uint8,device='cuda'); x.fill_(1); torch.cuda.synchronize(); time.sleep(3600)" &
exec "$SS" sim-server "\$@"
EOS
chmod +x "$OUT/holder-server.sh"
cat > "$OUT/sweep.yaml" <<EOS
name: gpu-validate
engine: sglang
engine_command: [$OUT/holder-server.sh]
gpu_label: validate
tp_sizes: [1]
input_lens: [128]
output_lens: [16]
launch_timeout: 120s
stop_grace: 10s
models:
  m: {path: org/validate, extra_args: [--sim-time-scale, "0.05", --sim-startup-ms, "100000"]}
EOS
HF_HUB_OFFLINE=1 "$SS" run "$OUT/sweep.yaml" --out "$OUT/run" 2>&1 | tee -a "$OUT/validate.log"
cp "$OUT/run/servers.jsonl" "$OUT/servers.jsonl" 2>/dev/null
grep -h "environment:" "$OUT/run"/*/server.log | tee -a "$OUT/validate.log"
nvidia-smi --query-gpu=index,memory.used --format=csv,noheader,nounits | tee -a "$OUT/validate.log"
log "done"
