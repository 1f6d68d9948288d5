#!/usr/bin/env bash
# install-ollama.sh — builds Ollama from source with the Go toolchain into a cache
# directory, only when it is missing. See shared/reference/real-engine.md.
#
#   scripts/install-ollama.sh            # installs into ${SERVESWEEP_CACHE:-$HOME/.cache/servesweep}
#   OLLAMA_VERSION=v0.17.4 scripts/install-ollama.sh
#
# Prints the path of the ollama binary on its last line of stdout.
set -euo pipefail

OLLAMA_VERSION="${OLLAMA_VERSION:-v0.17.4}"
MALGO_VERSION="v0.11.24"
CACHE="${SERVESWEEP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/servesweep}"
BIN_DIR="$CACHE/ollama-$OLLAMA_VERSION/bin"
INC_DIR="$CACHE/ollama-$OLLAMA_VERSION/include"
BIN="$BIN_DIR/ollama"

say() { echo "install-ollama: $*" >&2; }

if [[ -x "$BIN" ]]; then
  say "already installed: $BIN"
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { say "the Go toolchain is required (https://go.dev/dl)"; exit 1; }

# 1. Debian headers the module zip lacks (nlohmann/json_fwd.hpp, stb/stb_image.h).
if [[ ! -f /usr/include/nlohmann/json_fwd.hpp || ! -f /usr/include/stb/stb_image.h ]]; then
  say "[1/3] installing Debian headers nlohmann-json3-dev libstb-dev"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nlohmann-json3-dev libstb-dev >&2
else
  say "[1/3] Debian headers present"
fi

# 2. miniaudio.h from the Go module github.com/gen2brain/malgo.
mkdir -p "$INC_DIR/miniaudio" "$BIN_DIR"
if [[ ! -f "$INC_DIR/miniaudio/miniaudio.h" ]]; then
  say "[2/3] fetching miniaudio.h from github.com/gen2brain/malgo@$MALGO_VERSION"
  dir=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "github.com/gen2brain/malgo@$MALGO_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  cp "$dir/miniaudio.h" "$INC_DIR/miniaudio/miniaudio.h"
else
  say "[2/3] miniaudio.h present"
fi

# 3. go install, pinned.
say "[3/3] building github.com/ollama/ollama@$OLLAMA_VERSION (about 6-7 minutes on 2 cores, once)"
start=$(date +%s)
( while sleep 30; do say "  ... still building ($(( $(date +%s) - start ))s)"; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
CGO_ENABLED=1 CGO_CPPFLAGS="-I$INC_DIR -I/usr/include" GOBIN="$BIN_DIR" GOFLAGS=-mod=mod \
  go install "github.com/ollama/ollama@$OLLAMA_VERSION" >&2
say "built in $(( $(date +%s) - start ))s: $BIN"
echo "$BIN"
