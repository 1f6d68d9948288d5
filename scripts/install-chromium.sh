#!/usr/bin/env bash
# install-chromium.sh — installs Debian's headless Chromium for the browser tests, only when missing.
# Prints the path of the chromium binary on its last line of stdout.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then command -v chromium; exit 0; fi
echo "install-chromium: installing Debian's chromium (for the HTML report tests)" >&2
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
command -v chromium
