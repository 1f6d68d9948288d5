#!/usr/bin/env bash
# install-slurm.sh — installs Debian's Slurm (slurmctld, slurmd, clients) and munge
# for the Slurm executor's tests, only when missing.
set -euo pipefail
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then
  exit 0
fi
echo "install-slurm: installing Debian's slurmctld slurmd slurm-client munge (for the Slurm executor tests)" >&2
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq slurmctld slurmd slurm-client munge >&2
