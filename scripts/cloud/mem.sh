#!/bin/bash
# Resident memory of everything up.sh started (each service = one process group).
#   usage: mem.sh [RUN_DIR]   prints per-service process count, RSS and PSS (MiB) and totals
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=${1:-$(cd "$HERE/../.." && pwd)/.tools/cloud}
printf '%-18s %5s %9s %9s\n' service procs RSS_MiB PSS_MiB
tr=0; tp=0; tn=0; ir=0; ip=0; inn=0
for f in "$RUN"/pids/*.pid; do
  [ -f "$f" ] || continue
  n=$(basename "$f" .pid); g=$(cat "$f")
  r=0; p=0; c=0
  for pid in $(pgrep -g "$g"); do
    [ -r /proc/$pid/smaps_rollup ] || continue
    read -r rss pss < <(awk '/^Rss:/{r=$2} /^Pss:/{p=$2} END{print r+0, p+0}' /proc/$pid/smaps_rollup)
    r=$((r+rss)); p=$((p+pss)); c=$((c+1))
  done
  awk -v n="$n" -v c=$c -v r=$r -v p=$p 'BEGIN{printf "%-18s %5d %9.1f %9.1f\n", n, c, r/1024, p/1024}'
  case $n in mysql|rabbitmq|epmd|memcached) ir=$((ir+r)); ip=$((ip+p)); inn=$((inn+c));;
             *) tr=$((tr+r)); tp=$((tp+p)); tn=$((tn+c));; esac
done
awk -v c=$tn -v r=$tr -v p=$tp 'BEGIN{printf "%-18s %5d %9.1f %9.1f\n", "OPENSTACK TOTAL", c, r/1024, p/1024}'
awk -v c=$inn -v r=$ir -v p=$ip 'BEGIN{printf "%-18s %5d %9.1f %9.1f\n", "infra (db/mq/mc)", c, r/1024, p/1024}'
awk -v c=$((tn+inn)) -v r=$((tr+ir)) -v p=$((tp+ip)) 'BEGIN{printf "%-18s %5d %9.1f %9.1f\n", "ALL", c, r/1024, p/1024}'
