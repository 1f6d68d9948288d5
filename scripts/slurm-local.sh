#!/usr/bin/env bash
# slurm-local.sh — a real single-machine Slurm cluster for servesweep's tests:
# munged, slurmctld and slurmd on localhost, 8 GPUs declared as a GRES backed by null devices.
#   scripts/slurm-local.sh start DIR   # writes DIR/slurm.conf, starts the daemons, waits for the node
#   scripts/slurm-local.sh stop DIR    # stops the daemons it started (by PID)
# Clients use SLURM_CONF=DIR/slurm.conf. Needs root and Debian's slurmctld, slurmd, munge.
set -euo pipefail
cmd=${1:?start or stop}; dir=$(realpath -m "${2:?DIR}")
host=$(hostname -s)
case "$cmd" in
start)
  mkdir -p "$dir"/{state,spool,log}
  port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
  cat > "$dir/slurm.conf" <<EOC
ClusterName=servesweep-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(port)
SlurmdPort=$(port)
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 Gres=gpu:8 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
EOC
  # Slurm 22.05 drops GPUs without device files ("Removing file-less GPU"), so the
  # eight GPUs are character devices like /dev/null: counted, never opened.
  mkdir -p "$dir/dev"
  for i in 0 1 2 3 4 5 6 7; do [[ -e "$dir/dev/gpu$i" ]] || mknod "$dir/dev/gpu$i" c 1 3; done
  echo "NodeName=$host Name=gpu File=$dir/dev/gpu[0-7]" > "$dir/gres.conf"
  if ! munge -n </dev/null >/dev/null 2>&1; then
    [[ -f /etc/munge/munge.key ]] || mungekey --create >/dev/null
    mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
    munged --force --pid-file "$dir/munged.pid" 2>/dev/null || su -s /bin/sh munge -c "munged --pid-file $dir/munged.pid" || true
  fi
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF" -i
  slurmd -f "$SLURM_CONF" -N "$host"
  for i in $(seq 1 100); do
    state=$(sinfo -h -o %t 2>/dev/null || true)
    [[ "$state" == idle* ]] && { echo "slurm-local: node $host idle (SLURM_CONF=$SLURM_CONF)" >&2; exit 0; }
    sleep 0.2
  done
  echo "slurm-local: the node did not become idle; logs in $dir/log" >&2; exit 1 ;;
stop)
  pids=()
  for f in slurmd slurmctld munged; do
    if [[ -f "$dir/$f.pid" ]]; then
      pid=$(cat "$dir/$f.pid"); kill "$pid" 2>/dev/null && pids+=("$pid") || true
    fi
  done
  # Wait (up to 10 s) until they are gone, so nothing writes into DIR afterwards.
  for i in $(seq 1 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" != Z* ]] && alive=1; done
    [[ $alive == 0 ]] && exit 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done ;;
esac
