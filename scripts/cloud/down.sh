#!/bin/bash
# Stop everything up.sh started, using only the ids recorded in RUN_DIR/pids.
# Every service was started with setsid, so its recorded PID is also its process-group id:
# we signal exactly that group (the service and its own workers), nothing else. Then check that
# none of the cloud's ports is still listening.
#   usage: down.sh [RUN_DIR]      (default <repo>/.tools/cloud)
set -uo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUN=${1:-$REPO/.tools/cloud}
PIDS=$RUN/pids
. "$HERE/ports.sh"
T0=$SECONDS
grp_alive() { [ -n "$(pgrep -g "$1" 2>/dev/null)" ]; }
stop_groups() {  # stop_groups GRACE_SECONDS NAME...
  local grace=$1; shift; local n pid left end
  for n in "$@"; do
    [ -f "$PIDS/$n.pid" ] || continue
    pid=$(cat "$PIDS/$n.pid")
    [[ $pid =~ ^[0-9]+$ ]] && [ "$pid" -gt 1 ] || { rm -f "$PIDS/$n.pid"; continue; }
    grp_alive "$pid" && kill -TERM -- "-$pid" 2>/dev/null
  done
  end=$((SECONDS+grace))
  while [ $SECONDS -lt $end ]; do
    left=0
    for n in "$@"; do [ -f "$PIDS/$n.pid" ] && grp_alive "$(cat "$PIDS/$n.pid")" && left=1; done
    [ $left = 0 ] && break; sleep 1
  done
  for n in "$@"; do
    [ -f "$PIDS/$n.pid" ] || continue
    pid=$(cat "$PIDS/$n.pid")
    if grp_alive "$pid"; then
      echo "  $n (pgid $pid) still running after SIGTERM + ${grace}s -> SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null; sleep 1
    fi
    rm -f "$PIDS/$n.pid"
  done
}
if [ -d "$PIDS" ] && ls "$PIDS"/*.pid >/dev/null 2>&1; then
  infra="mysql rabbitmq epmd memcached"
  svcs=$(ls "$PIDS"/*.pid | xargs -rn1 basename | sed 's/\.pid$//' | grep -vxE "${infra// /|}")
  stop_groups 20 $svcs          # OpenStack services (oslo.service drains for a while)
  stop_groups 30 rabbitmq memcached
  stop_groups 10 epmd
  stop_groups 60 mysql
else
  echo "nothing recorded in $PIDS"
fi
# verify: nothing of ours still listens
# listening on loopback or any address (IPv4 or IPv6)
left=$(ss -Htlnu 2>/dev/null | awk '{print $5}' \
  | sed -n 's/^\(127\.[0-9.]*\|0\.0\.0\.0\|\[::\]\|\[::1\]\|\*\):\([0-9]*\)$/\2/p' | sort -un)
busy=""
for p in "${CLOUD_PORTS[@]}"; do
  [ "$p" = 4369 ] && [ -f "$RUN/state/epmd-foreign" ] && continue   # an epmd up.sh found, not ours
  grep -qx "$p" <<<"$left" && busy="$busy $p"
done
if [ -n "$busy" ]; then
  echo "STILL LISTENING on:$busy"; ss -Htlnp | grep -E ":($(echo $busy | tr ' ' '|'))\b" || true
  exit 1
fi
echo "stopped in $((SECONDS-T0)) s; none of the cloud's ports (${CLOUD_PORTS[*]}) is listening"
