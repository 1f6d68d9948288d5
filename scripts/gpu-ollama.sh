#!/usr/bin/env bash
# gpu-ollama.sh — a real engine on a GPU through servesweep's own GPU path:
# builds the pinned Ollama's CUDA backend for the GPU's own architecture from
# the Ollama Go module's ggml sources, installs it beside the binary, and runs
# the GPU validation sweep (partial offload × flash attention × KV cache type ×
# quantization on a GPU-sized MoE test model). See docs/notes-gpu.md and
# shared/reference/real-gpu-engine.md.
#
#   scripts/gpu-ollama.sh prepare DIR   # where Go is: servesweep, the ollama binary
#                                       # and the ggml sources into DIR (≈16 MB)
#   scripts/gpu-ollama.sh gpu DIR       # on the GPU machine (nvcc, cmake, ninja):
#                                       # build (once), generate the model (once),
#                                       # sweep; logs and report into ${OUT:-./gpu-ollama}
#
# Environment (gpu): PREFIX (install root, default /root/ol), MODELS (default
# /root/models), SWEEP_SECONDS (stop the sweep with SIGINT after this long and
# keep what it measured; run the script again to --resume), RUN (run directory,
# default $PREFIX/run; a DIR/run.tar.xz from an earlier call is resumed),
# SIZE (testmodel size, default medium), SKIP_BUSY=1 (skip the busy check),
# SWEEP_KIND=beyond (instead of the validation grid: a concurrency ladder with
# telemetry — NVML power/energy, J/token — the frontier and the quality guard on
# the GPU; DIR/gpu.test, a `go test -c ./internal/gpu` binary, runs the NVML
# sampler test first when present; STOP_AT_SATURATION=false climbs every rung).
set -uo pipefail
OLLAMA_VERSION="${OLLAMA_VERSION:-v0.17.4}"
mode="${1:-}"
DIR="${2:-}"
[[ -n "$mode" && -n "$DIR" ]] || { sed -n '2,20p' "$0"; exit 2; }
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1

prepare() {
  set -e
  mkdir -p "$DIR"
  local root; root=$(cd "$(dirname "$0")/.." && pwd)
  local ol; ol=$("$root/scripts/install-ollama.sh" | tail -1)
  local mod; mod="$(go env GOMODCACHE)/github.com/ollama/ollama@$OLLAMA_VERSION"
  [[ -d "$mod/ml/backend/ggml/ggml" ]] || { echo "gpu-ollama: $mod missing (run scripts/install-ollama.sh)" >&2; exit 1; }
  tar -C "$mod" -cJf "$DIR/src.tar.xz" CMakeLists.txt CMakePresets.json ml/backend/ggml/ggml
  (cd "$root" && GOOS=linux GOARCH=amd64 go build -trimpath -o "$DIR/servesweep" ./cmd/servesweep)
  strip -o "$DIR/ollama" "$ol" && strip "$DIR/servesweep"
  xz -T2 -6 -f "$DIR/ollama" "$DIR/servesweep"
  cp "$0" "$DIR/gpu-ollama.sh"
  ls -la "$DIR"
}

log() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$LOG"; }

build_cuda() {
  local lib="$PREFIX/lib/ollama/cuda_v13/libggml-cuda.so"
  if [[ -f "$lib" ]]; then log "CUDA backend present: $lib"; return 0; fi
  if [[ -f "$DIR/cuda.tar.xz" ]]; then # built by an earlier call on this kind of machine
    tar -C "$PREFIX/lib/ollama" -xJf "$DIR/cuda.tar.xz"
    cp -L /usr/local/cuda/lib64/{libcudart.so.13,libcublas.so.13,libcublasLt.so.13} "$PREFIX/lib/ollama/cuda_v13/"
    log "CUDA backend unpacked from $DIR/cuda.tar.xz"; return 0
  fi
  local cc; cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1)
  local arch="${cc/./}-real"
  log "building ggml-cuda for compute capability $cc (CMAKE_CUDA_ARCHITECTURES=$arch)"
  rm -rf "$PREFIX/src" && mkdir -p "$PREFIX/src" && tar -C "$PREFIX/src" -xJf "$DIR/src.tar.xz"
  local t0=$SECONDS
  (cd "$PREFIX/src" &&
    cmake -B build -G Ninja -DCMAKE_CUDA_ARCHITECTURES="$arch" -DOLLAMA_RUNNER_DIR=cuda_v13 \
      -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_DISABLE_FIND_PACKAGE_Vulkan=ON >"$OUTDIR/cmake.log" 2>&1 &&
    cmake --build build -j "$(nproc)" --target ggml-cuda >>"$OUTDIR/cmake.log" 2>&1 &&
    cmake --install build --component CUDA >>"$OUTDIR/cmake.log" 2>&1 &&
    cp -a build/lib/ollama/libggml-base.so* "$PREFIX/lib/ollama/") || { tail -30 "$OUTDIR/cmake.log" | tee -a "$LOG"; return 1; }
  log "built and installed in $((SECONDS - t0)) s: $(ls "$PREFIX/lib/ollama/cuda_v13" | tr '\n' ' ')"
  # xz on all cores: single-threaded it took 90 s on the H200 machine's 16 cores.
  tar -C "$PREFIX/lib/ollama" -cf - cuda_v13/libggml-cuda.so $(cd "$PREFIX/lib/ollama" && ls libggml-base.so*) | xz -T0 -3 >"$OUTDIR/cuda.tar.xz"
}

sweep_file() {
  cat <<EOS
name: ollama-gpu-validation
engine: ollama
engine_command: [$PREFIX/bin/ollama]
gpu_label: 1x-H200
gpu_hour_price: 3.50
# What the 16 vCPUs would cost without the GPU: CPU-only configurations (num_gpu 0) are priced so.
cpu_hour_price: 0.80
batch_sizes: [1, 4]
input_lens: [256]
output_lens: [64]
repeats: 3
launch_timeout: 300s
request_timeout: 300s
stop_grace: 20s
env:
  OLLAMA_MODELS: $MODELS/ollama   # one store for all configurations (a copy each would fill the disk)
server_params:
  --quantization: [f16, q8_0, q4_K_M]
  --num-gpu: ["99", "6", "0"]      # all 13 layers (12 blocks + output), half, none
  OLLAMA_FLASH_ATTENTION: ["0", "1"]
  OLLAMA_KV_CACHE_TYPE: [f16, q8_0]
  --num-thread: ["8"]              # 8 of 16 vCPUs: the default 16 stalled CPU layers
models:
  qwen3-moe-$SIZE:
    path: $MODEL
    name: qwen3-moe $SIZE (servesweep testmodel, random weights)
    is_moe: true
EOS
}

# The beyond-batch-1 sweep: f16, q8_0 and q4_K_M fully on the GPU, a
# concurrency ladder (stops at saturation), NVML telemetry every 200 ms,
# energy priced at power_price, and the quality guard against f16.
sweep_file_beyond() {
  cat <<EOS
name: ollama-gpu-beyond-batch-1
engine: ollama
engine_command: [$PREFIX/bin/ollama]
gpu_label: 1x-H200
gpu_hour_price: 3.50
power_price: 0.15
batch_sizes: [1]
input_lens: [256]
output_lens: [64]
repeats: 3
launch_timeout: 300s
request_timeout: 300s
stop_grace: 20s
telemetry: {period: 200ms}
load: {concurrency: [1, 2, 4, 8, 16, 32], stop_at_saturation: ${STOP_AT_SATURATION:-true}}
frontier: {target_tokens_per_s_per_user: 200}
quality: {prompts: 8, max_tokens: 32}
env:
  OLLAMA_MODELS: $MODELS/ollama
  OLLAMA_NUM_PARALLEL: "32"
server_params:
  --quantization: [f16, q8_0, q4_K_M]
  --num-gpu: ["99"]
  OLLAMA_FLASH_ATTENTION: ["1"]
  --num-thread: ["8"]
models:
  qwen3-moe-$SIZE:
    path: $MODEL
    name: qwen3-moe $SIZE (servesweep testmodel, random weights)
    is_moe: true
EOS
}

busy_check() {
  log "busy check: a CUDA process holds 20 GiB of GPU 0; a one-configuration sweep must be refused (gpu_busy)"
  python3 -c "
import torch, time
x = torch.empty(20 << 30, dtype=torch.uint8, device='cuda:0'); x.fill_(1); torch.cuda.synchronize()
print('holding', flush=True); time.sleep(120)" >"$PREFIX/holder.log" 2>&1 &
  local holder=$!
  for _ in $(seq 1 300); do grep -q holding "$PREFIX/holder.log" && break; sleep 0.1; done
  sweep_file | sed 's/\["99", "6", "0"\]/["99"]/; s/\[f16, q8_0, q4_K_M\]/[f16]/; s/OLLAMA_FLASH_ATTENTION: \["0", "1"\]/OLLAMA_FLASH_ATTENTION: ["1"]/; s/OLLAMA_KV_CACHE_TYPE: \[f16, q8_0\]/OLLAMA_KV_CACHE_TYPE: [f16]/' >"$PREFIX/busy.yaml"
  rm -rf "$PREFIX/busy"
  "$SS" run "$PREFIX/busy.yaml" --out "$PREFIX/busy" 2>&1 | tee -a "$LOG" | tail -3
  grep -ho '"failure_kind":"[a-z_]*"' "$PREFIX/busy/servers.jsonl" | tee -a "$LOG"
  kill -9 "$holder"; wait "$holder" 2>/dev/null
  "$SS" gpus --check 0 --wait-release 30s 2>&1 | tail -1 | tee -a "$LOG"
}

gpu() {
  PREFIX="${PREFIX:-/root/ol}" MODELS="${MODELS:-/root/models}" SIZE="${SIZE:-medium}"
  RUN="${RUN:-$PREFIX/run}"
  OUTDIR="${OUT:-$PWD/gpu-ollama}"
  mkdir -p "$OUTDIR" "$PREFIX/bin" "$PREFIX/lib/ollama" "$MODELS"
  LOG="$OUTDIR/gpu-ollama.log"
  export PATH="/usr/local/cuda/bin:/opt/torch/.venv/bin:$PREFIX/bin:$PATH"
  log "gpu-ollama.sh on $(hostname): $(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader | head -1); $(nproc) CPUs; nvcc $(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
  [[ -x "$PREFIX/bin/ollama" ]] || xz -dc "$DIR/ollama.xz" >"$PREFIX/bin/ollama"
  xz -dc "$DIR/servesweep.xz" >"$PREFIX/bin/servesweep"
  chmod +x "$PREFIX/bin/ollama" "$PREFIX/bin/servesweep"
  SS="$PREFIX/bin/servesweep"
  build_cuda || { log "CUDA build failed"; return 1; }
  MODEL="$MODELS/qwen3-moe-$SIZE/model.gguf"
  if [[ ! -f "$MODEL" ]]; then
    local t0=$SECONDS
    "$SS" testmodel --arch qwen3-moe --size "$SIZE" --out "$MODELS/qwen3-moe-$SIZE" 2>&1 | tee -a "$LOG"
    log "generated $(du -h "$MODEL" | cut -f1) in $((SECONDS - t0)) s"
  fi
  "$SS" gpus 2>&1 | tee -a "$LOG"
  if [[ -f "$DIR/gpu.test" ]]; then
    log "NVML sampler test (internal/gpu) on the real GPU"
    local gt; gt="$(cd "$DIR" && pwd)/gpu.test"
    (cd /tmp && "$gt" -test.run 'NVML' -test.v 2>&1 | tail -20 | tee -a "$LOG")
  fi
  if [[ "${SWEEP_KIND:-}" == beyond ]]; then
    sweep_file_beyond >"$OUTDIR/sweep.yaml"
  else
    [[ "${SKIP_BUSY:-}" == 1 || -d "$RUN" || -f "$DIR/run.tar.xz" ]] || busy_check
    sweep_file >"$OUTDIR/sweep.yaml"
  fi
  local resume=()
  if [[ ! -d "$RUN" && -f "$DIR/run.tar.xz" ]]; then
    mkdir -p "$(dirname "$RUN")" && tar -C "$(dirname "$RUN")" -xJf "$DIR/run.tar.xz"
    # The carried run was planned with the same paths; its run.json names them.
  fi
  local out=(--out "$RUN")
  [[ -f "$RUN/run.json" ]] && resume=(--resume "$RUN") out=()
  log "sweep: servesweep run ${resume[*]} (stops with SIGINT after ${SWEEP_SECONDS:-no limit} s)"
  "$SS" plan "$OUTDIR/sweep.yaml" 2>&1 | tail -5 | tee -a "$LOG"
  local limit=()
  [[ -n "${SWEEP_SECONDS:-}" ]] && limit=(timeout -s INT -k 60 "$SWEEP_SECONDS")
  "${limit[@]}" "$SS" run "$OUTDIR/sweep.yaml" "${out[@]}" "${resume[@]}" 2>&1 | tee -a "$LOG"
  log "sweep exit ${PIPESTATUS[0]}"
  log "what ran where (server logs)"
  for d in "$RUN"/*/; do
    [[ -f "$d/server.log" ]] || continue
    printf '%s: %s | %s | %s\n' "$(basename "$d")" \
      "$(grep -o 'CUDA_VISIBLE_DEVICES:[^ ]*' "$d/server.log" | head -1)" \
      "$(grep -o 'inference compute.*library=[^ ]*' "$d/server.log" | grep -o 'library=[^ ]*' | sort -u | tr '\n' ' ')" \
      "$(grep -o 'offloaded [0-9]*/[0-9]* layers to GPU\|flash attention enabled but not supported by [a-z]*\|quantized kv cache requested but flash attention disabled\|enabling flash attention' "$d/server.log" | sort -u | tr '\n' ';')"
  done | tee -a "$LOG"
  "$SS" report "$RUN" >/dev/null 2>&1; cp "$RUN/report.md" "$OUTDIR/report.md" 2>/dev/null
  "$SS" report "$RUN" --format json >"$OUTDIR/report.json" 2>/dev/null
  "$SS" report "$RUN" --format html >"$OUTDIR/report.html" 2>/dev/null
  tar -C "$(dirname "$RUN")" -cJf "$OUTDIR/run.tar.xz" "$(basename "$RUN")"
  log "done: $OUTDIR"
}

case "$mode" in
  prepare) prepare ;;
  gpu) gpu ;;
  *) echo "gpu-ollama: unknown mode $mode (prepare or gpu)" >&2; exit 2 ;;
esac
