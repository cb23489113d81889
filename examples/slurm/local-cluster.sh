#!/usr/bin/env bash
# A one-node SLURM cluster on localhost, for trying examples/slurm/ and for the integration test
# (test/examples/slurm.test.ts). Not for production: everything lives in one directory.
#
#   local-cluster.sh start DIR   write DIR/slurm.conf, start munged, slurmctld and slurmd, wait for the
#                                node to be idle, print the line to source (export SLURM_CONF=DIR/slurm.conf)
#   local-cluster.sh stop DIR    stop exactly the daemons `start` recorded in DIR/pids
#
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge packages. There is no init
# system to rely on: munged runs as the munge user on its own socket and key in DIR (so several
# clusters can run side by side), slurmctld and slurmd run in the foreground as children of this
# script's session, on free ports. proctrack/linuxproc and task/none avoid cgroups; the
# scheduler runs every second with no batch delay, so jobs start at once.
set -euo pipefail

die() { echo "local-cluster: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 start|stop DIR"
cmd=$1
dir=$2

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# kill one recorded daemon if it is still the process we started (pid reuse guard)
stop_pid() {
  local name=$1 pid=$2
  [ -r "/proc/$pid/comm" ] || return 0
  [ "$(cat "/proc/$pid/comm")" = "$name" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do [ -e "/proc/$pid" ] || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

case "$cmd" in
start)
  [ "$(id -u)" -eq 0 ] || die "needs root (munged runs as the munge user, slurmd as root)"
  for c in munged slurmctld slurmd sinfo setpriv node; do command -v "$c" >/dev/null || die "$c not found (apt-get install -y slurmctld slurmd slurm-client munge)"; done
  id munge >/dev/null 2>&1 || die "no munge user (is the munge package installed?)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ ! -e "$dir/pids" ] || die "$dir/pids exists: a cluster may be running there (stop it first)"
  chmod 755 "$dir"
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  # munged checks permissions: the socket directory must be searchable by all, the key private
  chown munge:munge "$dir/munge"
  chmod 755 "$dir/munge"
  setpriv --reuid=munge --regid=munge --clear-groups test -x "$dir/munge" ||
    die "the munge user cannot reach $dir/munge: every directory above it must be searchable by all (chmod o+x)"
  if [ ! -s "$dir/munge/munge.key" ]; then
    head -c 1024 /dev/urandom > "$dir/munge/munge.key"
    chown munge:munge "$dir/munge/munge.key"
    chmod 400 "$dir/munge/munge.key"
  fi
  ctld_port=${SLURMCTLD_PORT:-$(free_port)}
  slurmd_port=${SLURMD_PORT:-$(free_port)}
  cat > "$dir/slurm.conf" <<CONF
ClusterName=gaugeflow-local
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0,sched_interval=1
ReturnToService=2
MpiDefault=none
NodeName=localnode NodeAddr=127.0.0.1 NodeHostname=$(hostname) CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=localnode Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  : > "$dir/pids"
  setpriv --reuid=munge --regid=munge --clear-groups \
    munged -F --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" --log-file="$dir/munge/munged.log" \
    > "$dir/log/munged.out" 2>&1 < /dev/null &
  echo "munged $!" >> "$dir/pids" # setpriv execs munged: same pid
  for _ in $(seq 1 50); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.1; done
  [ -S "$dir/munge/munge.socket" ] || { cat "$dir/log/munged.out" >&2; "$0" stop "$dir"; die "munged did not start"; }
  slurmctld -D -i > "$dir/log/slurmctld.out" 2>&1 < /dev/null &
  echo "slurmctld $!" >> "$dir/pids"
  slurmd -D -N localnode > "$dir/log/slurmd.out" 2>&1 < /dev/null &
  echo "slurmd $!" >> "$dir/pids"
  for _ in $(seq 1 300); do
    state=$(sinfo -h -N -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.1
  done
  if [ "$state" != idle ]; then
    tail -n 20 "$dir"/log/*.out >&2 || true
    "$0" stop "$dir"
    die "the node did not come up idle (state '${state}')"
  fi
  echo "export SLURM_CONF=$dir/slurm.conf"
  ;;
stop)
  [ -e "$dir/pids" ] || exit 0
  # slurmd, slurmctld, then munged (the reverse of start)
  tac "$dir/pids" | while read -r name pid; do stop_pid "$name" "$pid"; done
  rm -f "$dir/pids"
  ;;
*) die "usage: $0 start|stop DIR" ;;
esac
