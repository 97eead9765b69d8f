#!/bin/bash
# Bring up a real, single-node OpenStack Zed (Debian 12 packages) on 127.0.0.1, shaped like
# OVHcloud Public Cloud: region GRA11, a non-admin project user, OVH's volume types, flavors,
# image name and Ext-Net. Nova runs the fake virt driver (no hypervisor: servers go ACTIVE and
# nothing boots), Cinder/Manila/Octavia run fake/dummy/noop back ends.
#
#   usage: up.sh [RUN_DIR]          (default <repo>/.tools/cloud)
#   env:   SERVICES="cinder swift barbican octavia manila"   optional services (default: the
#                                    ones the OVHcloud profile's `openstack.services` lists)
#          PROFILE=path.yaml         profile to read them from
#          NOVA_COMPUTES=3           fake compute hosts (anti-affinity groups need distinct hosts)
#          SKIP_INSTALL=1            do not even check the Debian packages
#
# Everything (configs, data, logs, pid files, credentials) lives under RUN_DIR; down.sh stops it.
# Returns 0 only when every API answers and the post-boot provisioning is done.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUN=${1:-$REPO/.tools/cloud}; mkdir -p "$RUN"; RUN=$(cd "$RUN" && pwd)
PROFILE=${PROFILE:-$REPO/providers/profiles/ovhcloud-public-cloud.yaml}
REGION=GRA11
S3REGION=gra
PY=/usr/bin/python3                              # never a pyenv/venv python3 from PATH
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV || true
for v in $(env | sed -n 's/^\(OS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done   # caller's cloud
ETC=$RUN/etc; LOG=$RUN/log; DATA=$RUN/data; PIDS=$RUN/pids
. "$HERE/ports.sh"
T_START=$(date +%s%N); T0=$T_START
ts() { local d=$(( ($(date +%s%N) - T0) / 100000000 )); printf '[%4d.%ds] %s\n' $((d/10)) $((d%10)) "$*"; }
mkdir -p "$ETC" "$LOG" "$DATA" "$PIDS" "$RUN/home" "$RUN/state"

# ---------------------------------------------------------------- which services
KNOWN="cinder swift barbican octavia manila"
CORE="keystone glance placement nova neutron"
if [ -z "${SERVICES:-}" ]; then
  wanted=$($PY -c 'import sys,yaml; print(" ".join(yaml.safe_load(open(sys.argv[1]))["openstack"]["services"]))' "$PROFILE")
  SERVICES=""
  for s in $wanted; do
    if [[ " $CORE " == *" $s "* ]]; then :
    elif [[ " $KNOWN " == *" $s "* ]]; then SERVICES="$SERVICES $s"
    else echo "warning: the profile lists '$s', which this recipe cannot run: left out" >&2; fi
  done
fi
SERVICES=$(echo $SERVICES)
has() { [[ " $SERVICES " == *" $1 "* ]]; }
ts "services: core ($CORE) + ${SERVICES:-none}"

# ---------------------------------------------------------------- already running?
alive=""; dead=""
for f in "$PIDS"/*.pid; do
  [ -f "$f" ] || continue
  if [ -n "$(pgrep -g "$(cat "$f")" 2>/dev/null)" ]; then alive="$alive $(basename "$f" .pid)"
  else dead="$dead $(basename "$f" .pid)"; rm -f "$f"; fi
done
[ -z "$dead" ] || echo "removed stale pid files:$dead"
if [ -n "$alive" ]; then
  urls="5000/v3 9292/ 8778/ 9696/ 8774/"
  for s in cinder:8776/ swift:8080/healthcheck barbican:9311/ octavia:9876/ manila:8786/; do
    has "${s%%:*}" && urls="$urls ${s#*:}"
  done
  down=""
  for u in $urls; do curl -s -o /dev/null -m 5 "http://127.0.0.1:$u" || down="$down $u"; done
  if [ -z "$dead" ] && [ -z "$down" ] && [ -f "$RUN/hdh-openrc" ]; then
    echo "already running: every API answers ($(echo $alive | wc -w) process groups); nothing started"
    exit 0
  fi
  echo "the cloud in $RUN is partly running (groups:$alive; not answering:${down:- none}; dead:${dead:- none})" >&2
  echo "run $HERE/down.sh $RUN first" >&2; exit 1
fi
busy=""
for p in "${CLOUD_PORTS[@]}"; do
  [ "$p" = 4369 ] && continue            # a foreign epmd is fine: RabbitMQ registers with it
  (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && busy="$busy $p"
done
[ -z "$busy" ] || { echo "ports already in use by other processes:$busy" >&2; exit 1; }

# ---------------------------------------------------------------- install (only what is missing)
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  ts "checking Debian packages"
  "$HERE/install.sh" "$LOG" > "$LOG/install.log" 2>&1 || { tail -30 "$LOG/install.log"; exit 1; }
  tail -1 "$LOG/install.log" | sed 's/^/           /'
fi
T0=$(date +%s%N)
ts "boot starts (configs, DB, services)"

# ---------------------------------------------------------------- credentials (made once)
if [ ! -f "$RUN/secrets.env" ]; then
  rnd() { $PY -c 'import secrets;print(secrets.token_urlsafe(18).replace("-","x").replace("_","y"))'; }
  umask 077
  { echo "CLOUD_PW=$(rnd)"; echo "HDH_PW=$(rnd)"; echo "SWIFT_HASH=$(rnd)"
    echo "BARBICAN_KEK=$($PY -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())')"
  } > "$RUN/secrets.env"
  umask 022
fi
. "$RUN/secrets.env"
PW=$CLOUD_PW
export CLOUD_PW HDH_PW REGION

# ---------------------------------------------------------------- helpers
render() {  # render TEMPLATE DEST [SERVICE-USER]
  mkdir -p "$(dirname "$2")"
  sed -e "s#@RUN@#$RUN#g" -e "s#@PW@#$PW#g" -e "s#@REGION@#$REGION#g" -e "s#@S3REGION@#$S3REGION#g" \
      -e "s#@HASH@#$SWIFT_HASH#g" -e "s#@KEK@#$BARBICAN_KEK#g" "$HERE/etc/$1" > "$2"
  if [ -n "${3:-}" ]; then
    sed -e "s#@PW@#$PW#g" -e "s#@SVC@#$3#g" -e "s#@REGION@#$REGION#g" "$HERE/etc/_authtoken.snip" >> "$2"
  fi
  chmod 600 "$2"
}
start_bg() {  # start_bg NAME CMD...   (own session => pgid == pid, recorded in pids/NAME.pid)
  local name=$1; shift
  setsid "$@" >>"$LOG/$name.log" 2>&1 </dev/null &
  echo $! > "$PIDS/$name.pid"
}
uwsgi_app() {  # [VAR=value...] uwsgi_app NAME PORT PROCESSES THREADS WSGI_FILE [more uwsgi args]
  local name=$1 port=$2 procs=$3 threads=$4 file=$5; shift 5
  start_bg "$name" env ${APPENV:-} uwsgi --plugin python3 --master --die-on-term --need-app --enable-threads \
    --lazy-apps --thunder-lock --processes "$procs" --threads "$threads" --worker-reload-mercy 8 --reload-mercy 8 \
    --http-socket "127.0.0.1:$port" --buffer-size 65535 --add-header 'Connection: close' \
    --procname-prefix-spaced "hdh-$name" --wsgi-file "$file" "$@"
}
dead() { [ -f "$PIDS/$1.pid" ] && [ -z "$(pgrep -g "$(cat "$PIDS/$1.pid")" 2>/dev/null)" ]; }
fail() { echo "FAILED: $*" >&2; [ -f "$LOG/${2:-none}.log" ] && tail -30 "$LOG/$2.log" >&2; exit 1; }
wait_http() {  # wait_http NAME URL [timeout]
  local t=${3:-180} i=0
  until curl -s -o /dev/null -m 5 "$2"; do
    i=$((i+1)); if [ $i -ge $t ] || dead "$1"; then echo "FAILED waiting for $1 ($2)"; tail -30 "$LOG/$1.log"; exit 1; fi
    sleep 1
  done
  ts "$1 answers on $2"
}
wait_port() {  # wait_port NAME PORT [timeout]
  local t=${3:-120} i=0
  until (exec 3<>/dev/tcp/127.0.0.1/$2) 2>/dev/null; do
    i=$((i+1)); if [ $i -ge $t ] || dead "$1"; then echo "FAILED waiting for $1 port $2"; tail -30 "$LOG/$1.log"; exit 1; fi
    sleep 1
  done
  ts "$1 listens on $2"
}
sql() { mariadb --socket="$RUN/mysqld/mysqld.sock" -uroot "$@"; }
rmq() { env HOME="$DATA/rabbitmq" RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_CONF_ENV_FILE=/dev/null \
        ERL_EPMD_ADDRESS=127.0.0.1 /usr/lib/rabbitmq/bin/rabbitmqctl "$@"; }
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# ---------------------------------------------------------------- configs
ts "render configs"
render keystone.conf   "$ETC/keystone/keystone.conf"
render glance-api.conf "$ETC/glance/glance-api.conf" glance
cp /etc/glance/glance-api-paste.ini "$ETC/glance/"
render placement.conf  "$ETC/placement/placement.conf" placement
render nova.conf       "$ETC/nova/nova.conf" nova
cp /etc/nova/api-paste.ini "$ETC/nova/"
# nova-compute must not see DB credentials ("No DB access allowed in nova-compute")
NOVA_COMPUTES=${NOVA_COMPUTES:-3}
for i in $(seq 1 "$NOVA_COMPUTES"); do
  awk '/^\[/{skip=($0=="[database]"||$0=="[api_database]")} !skip' "$ETC/nova/nova.conf" \
    | sed "s/^host = hdh-controller$/host = hdh-compute-$i/" > "$ETC/nova/nova-compute-$i.conf"
  chmod 600 "$ETC/nova/nova-compute-$i.conf"
done
render neutron.conf    "$ETC/neutron/neutron.conf" neutron
mkdir -p "$DATA"/{keystone,glance/images,glance/staging,glance/tasks,glance/lock,nova/instances,nova/tmp,neutron/lock}
if has cinder; then
  render cinder.conf "$ETC/cinder/cinder.conf" cinder
  mkdir -p "$DATA/cinder/lock" "$DATA/cinder/coord"
fi
if has swift; then
  mkdir -p "$ETC/swift" "$DATA/swift/d1" "$DATA/swift-recon"
  render swift.conf "$ETC/swift/swift.conf"
  for s in proxy account container object; do render "swift-$s-server.conf" "$ETC/swift/$s-server.conf"; done
  for r in account:6202 container:6201 object:6200; do     # one device, one replica; rings made once
    n=${r%%:*}; p=${r##*:}
    [ -f "$ETC/swift/$n.ring.gz" ] && continue
    ( cd "$ETC/swift"
      swift-ring-builder $n.builder create 10 1 1 >/dev/null
      swift-ring-builder $n.builder add r1z1-127.0.0.1:$p/d1 100 >/dev/null
      swift-ring-builder $n.builder rebalance >/dev/null || true )
  done
fi
if has barbican; then
  render barbican.conf "$ETC/barbican/barbican.conf" barbican
  sed -e 's#^/v1: barbican_api$#/v1: barbican-api-keystone#' /etc/barbican/barbican-api-paste.ini \
    > "$ETC/barbican/barbican-api-paste.ini"
  # barbican reads its config only from the default search path: give it a private HOME
  mkdir -p "$RUN/home/barbican/.barbican"
  ln -sf "$ETC/barbican/barbican.conf" "$RUN/home/barbican/.barbican/barbican.conf"
fi
if has octavia; then
  render octavia.conf "$ETC/octavia/octavia.conf" octavia
  render octavia-policy.yaml "$ETC/octavia/policy.yaml"
  mkdir -p "$DATA/octavia/lock"
  [ -f "$ETC/octavia/ca.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
    -subj /CN=hdh-local-octavia-ca -keyout "$ETC/octavia/ca.key" -out "$ETC/octavia/ca.pem" 2>/dev/null
fi
if has manila; then
  render manila.conf "$ETC/manila/manila.conf" manila
  mkdir -p "$DATA/manila/lock"
fi

# ---------------------------------------------------------------- infra: MariaDB, epmd, RabbitMQ, memcached
ts "start MariaDB, RabbitMQ, memcached"
# MariaDB runs as whoever runs this script (root here, as every other service of the cloud), never as `mysql`:
# the checkout may sit under a directory only its owner can enter (a CI clone in `mktemp -d`, mode 0700), and
# `mysql` could then not reach its own data directory (found on a new machine, 2026-12-03: Errcode 13).
DB_USER=$(id -un)
if [ ! -d "$DATA/mysql/mysql" ]; then
  mkdir -p "$DATA/mysql"
  mariadb-install-db --no-defaults --user="$DB_USER" --datadir="$DATA/mysql" \
     --auth-root-authentication-method=socket --skip-test-db > "$LOG/mysql-install.log" 2>&1
fi
mkdir -p "$RUN/mysqld"
start_bg mysql /usr/sbin/mariadbd --no-defaults --user="$DB_USER" --datadir="$DATA/mysql" \
  --socket="$RUN/mysqld/mysqld.sock" --pid-file="$RUN/mysqld/mysqld.pid" --bind-address=127.0.0.1 --port=3306 \
  --max-connections=4000 --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
  --skip-name-resolve --character-set-server=utf8 --collation-server=utf8_general_ci \
  --log-error="$RUN/mysqld/error.log"
# epmd in the foreground under our own recorded id (otherwise Erlang daemonises one that no
# recorded process group holds); a foreign one already listening is used as it is
if (exec 3<>/dev/tcp/127.0.0.1/4369) 2>/dev/null; then
  touch "$RUN/state/epmd-foreign"
else
  rm -f "$RUN/state/epmd-foreign"
  start_bg epmd /usr/bin/epmd -address 127.0.0.1 -port 4369
  wait_port epmd 4369 30
fi
mkdir -p "$DATA/rabbitmq"
cat > "$ETC/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:5672
loopback_users = none
log.console = true
log.file = false
EOF
echo '[].' > "$ETC/rabbitmq-plugins"
start_bg rabbitmq env HOME="$DATA/rabbitmq" RABBITMQ_NODENAME=rabbit@localhost \
  RABBITMQ_CONF_ENV_FILE=/dev/null RABBITMQ_CONFIG_FILE="$ETC/rabbitmq.conf" \
  RABBITMQ_ENABLED_PLUGINS_FILE="$ETC/rabbitmq-plugins" RABBITMQ_MNESIA_BASE="$DATA/rabbitmq/mnesia" \
  RABBITMQ_LOG_BASE="$LOG" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=5672 \
  RABBITMQ_DIST_PORT=25672 ERL_EPMD_ADDRESS=127.0.0.1 \
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
  /usr/lib/rabbitmq/bin/rabbitmq-server
start_bg memcached /usr/bin/memcached -u memcache -l 127.0.0.1 -p 11211 -U 0 -m 128

wait_port mysql 3306
DBS="keystone glance placement nova nova_api nova_cell0 neutron"
for s in cinder barbican octavia manila; do has $s && DBS="$DBS $s"; done
{
  for db in $DBS; do
    user=${db%%_*}
    echo "CREATE DATABASE IF NOT EXISTS $db CHARACTER SET utf8;"
    echo "CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$PW';"
    echo "CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$PW';"
    echo "GRANT ALL ON $db.* TO '$user'@'127.0.0.1'; GRANT ALL ON $db.* TO '$user'@'localhost';"
  done
} | sql
ts "databases present: $DBS"

# ---------------------------------------------------------------- db sync (parallel; skipped when
# done before with the same package version)
KSM="keystone-manage --config-file $ETC/keystone/keystone.conf"
mkdir -p "$DATA/dbsync"
DBSYNC_PIDS=()
dbsync() {  # dbsync NAME DEBIAN-PACKAGE CMD...
  local n=$1 pkg=$2; shift 2
  local mark="$DATA/dbsync/$n" ver; ver=$(pkgver "$pkg")
  if [ -f "$mark" ] && [ "$(cat "$mark")" = "$ver" ]; then return 0; fi
  ( "$@" > "$LOG/dbsync-$n.log" 2>&1 || { echo "db sync $n FAILED"; tail -20 "$LOG/dbsync-$n.log"; exit 1; }
    echo "$ver" > "$mark" ) & DBSYNC_PIDS+=($!)
}
dbsync keystone python3-keystone $KSM db_sync
dbsync glance python3-glance glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync
dbsync placement python3-placement placement-manage --config-file "$ETC/placement/placement.conf" db sync
dbsync nova python3-nova sh -c "set -e; N='nova-manage --config-file $ETC/nova/nova.conf';
  \$N api_db sync
  \$N cell_v2 map_cell0 --database_connection mysql+pymysql://nova:$PW@127.0.0.1/nova_cell0
  \$N cell_v2 list_cells | grep -q ' cell1 ' || \$N cell_v2 create_cell --name cell1
  \$N db sync"
dbsync neutron python3-neutron neutron-db-manage --config-file "$ETC/neutron/neutron.conf" upgrade heads
has cinder && dbsync cinder python3-cinder cinder-manage --config-file "$ETC/cinder/cinder.conf" db sync
has barbican && dbsync barbican python3-barbican env HOME="$RUN/home/barbican" barbican-manage db upgrade
has octavia && dbsync octavia python3-octavia octavia-db-manage --config-file "$ETC/octavia/octavia.conf" upgrade head
has manila && dbsync manila python3-manila manila-manage --config-file "$ETC/manila/manila.conf" db sync
wait_port rabbitmq 5672 180
# the broker's user lives in its mnesia: set up once (each rabbitmqctl call costs seconds)
RMQ_MARK="$DATA/rabbitmq/openstack-user.$(printf %s "$PW" | sha256sum | cut -c1-16)"
if [ ! -f "$RMQ_MARK" ]; then
  until rmq await_startup >/dev/null 2>&1; do dead rabbitmq && fail "rabbitmq died" rabbitmq; sleep 1; done
  rmq list_users -q 2>/dev/null | grep -q '^openstack\b' || rmq add_user openstack "$PW" >/dev/null
  rmq change_password openstack "$PW" >/dev/null
  rmq set_permissions openstack '.*' '.*' '.*' >/dev/null
  touch "$RMQ_MARK"
fi
ts "rabbitmq ready"
FAIL=0; for p in "${DBSYNC_PIDS[@]}"; do wait "$p" || FAIL=1; done
[ $FAIL = 0 ] || fail "a db sync failed (see $LOG/dbsync-*.log)"
ts "db syncs finished (${#DBSYNC_PIDS[@]} run, the others were up to date)"

# ---------------------------------------------------------------- keystone
if [ ! -f "$DATA/keystone/bootstrapped-$REGION" ]; then
  $KSM fernet_setup --keystone-user root --keystone-group root >> "$LOG/keystone-bootstrap.log" 2>&1
  $KSM credential_setup --keystone-user root --keystone-group root >> "$LOG/keystone-bootstrap.log" 2>&1
  $KSM bootstrap --bootstrap-password "$PW" --bootstrap-admin-url http://127.0.0.1:5000/v3/ \
    --bootstrap-internal-url http://127.0.0.1:5000/v3/ --bootstrap-public-url http://127.0.0.1:5000/v3/ \
    --bootstrap-region-id "$REGION" >> "$LOG/keystone-bootstrap.log" 2>&1
  touch "$DATA/keystone/bootstrapped-$REGION"
fi
APPENV="OS_KEYSTONE_CONFIG_DIR=$ETC/keystone" uwsgi_app keystone 5000 2 1 /usr/bin/keystone-wsgi-public
wait_http keystone http://127.0.0.1:5000/v3
umask 077
cat > "$RUN/admin-openrc" <<EOF
# cloud administrator of the local OVHcloud-like cloud (operator side: an OVHcloud customer has no such account)
export OS_AUTH_URL=http://127.0.0.1:5000/v3
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=admin
export OS_PASSWORD=$PW
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$REGION
export OS_INTERFACE=public
EOF
umask 022
$PY "$HERE/provision.py" catalog $CORE $SERVICES | tee -a "$LOG/provision.log"
ts "keystone catalogue ready (region $REGION)"

# ---------------------------------------------------------------- services
APPENV="OS_GLANCE_CONFIG_DIR=$ETC/glance" uwsgi_app glance 9292 1 8 /usr/bin/glance-wsgi-api \
  --chunked-input-limit 10485760 --chunked-input-timeout 60 --socket-timeout 30
APPENV="OS_PLACEMENT_CONFIG_DIR=$ETC/placement" uwsgi_app placement 8778 1 8 /usr/bin/placement-api
# neutron-api and nova-api are eventlet-monkey-patched: more than one uwsgi thread per process
# deadlocks/loses RPC replies under load, so they get processes, not threads
APPENV="PYTHONPATH=$HERE/pylib" uwsgi_app neutron-api 9696 2 1 /usr/bin/neutron-api \
  --pyargv "--config-file $ETC/neutron/neutron.conf"
start_bg neutron-rpc env PYTHONPATH="$HERE/pylib" neutron-rpc-server --config-file "$ETC/neutron/neutron.conf"
APPENV="OS_NOVA_CONFIG_DIR=$ETC/nova" uwsgi_app nova-api 8774 2 1 /usr/bin/nova-api-wsgi
start_bg nova-conductor nova-conductor --config-file "$ETC/nova/nova.conf"
start_bg nova-scheduler nova-scheduler --config-file "$ETC/nova/nova.conf"
if has barbican; then
  APPENV="HOME=$RUN/home/barbican BARBICAN_PASTE=$ETC/barbican/barbican-api-paste.ini" \
    uwsgi_app barbican-api 9311 1 8 "$HERE/wsgi/barbican-api.py"
fi
if has cinder; then
  uwsgi_app cinder-api 8776 1 8 /usr/bin/cinder-wsgi --pyargv "--config-file $ETC/cinder/cinder.conf"
  start_bg cinder-scheduler cinder-scheduler --config-file "$ETC/cinder/cinder.conf"
  start_bg cinder-volume env PYTHONPATH="$HERE/pylib" cinder-volume --config-file "$ETC/cinder/cinder.conf"
fi
if has swift; then
  for s in account container object proxy; do
    start_bg swift-$s swift-$s-server "$ETC/swift/$s-server.conf" -v
  done
fi
if has octavia; then
  uwsgi_app octavia-api 9876 1 8 /usr/bin/octavia-wsgi --pyargv "--config-file $ETC/octavia/octavia.conf"
  start_bg octavia-worker octavia-worker --config-file "$ETC/octavia/octavia.conf"
fi
if has manila; then
  uwsgi_app manila-api 8786 1 8 /usr/bin/manila-wsgi --pyargv "--config-file $ETC/manila/manila.conf"
  start_bg manila-scheduler manila-scheduler --config-file "$ETC/manila/manila.conf"
  start_bg manila-share manila-share --config-file "$ETC/manila/manila.conf"
fi
wait_http placement http://127.0.0.1:8778/
for i in $(seq 1 "$NOVA_COMPUTES"); do
  start_bg nova-compute-$i "$HERE/bin/nova-compute" --config-file "$ETC/nova/nova-compute-$i.conf"
done

wait_http glance http://127.0.0.1:9292/
wait_http neutron-api http://127.0.0.1:9696/
wait_http nova-api http://127.0.0.1:8774/
has barbican && wait_http barbican-api http://127.0.0.1:9311/
has cinder   && wait_http cinder-api http://127.0.0.1:8776/
has swift    && wait_http swift-proxy http://127.0.0.1:8080/healthcheck
has octavia  && wait_http octavia-api http://127.0.0.1:9876/
has manila   && wait_http manila-api http://127.0.0.1:8786/

# ---------------------------------------------------------------- agents, then the OVHcloud shape
NOVA_COMPUTES=$NOVA_COMPUTES $PY "$HERE/provision.py" wait-services $SERVICES | tee -a "$LOG/provision.log"
nova-manage --config-file "$ETC/nova/nova.conf" cell_v2 discover_hosts > "$LOG/nova-discover.log" 2>&1
ts "$NOVA_COMPUTES fake nova-compute hosts up and mapped to cell1"
for n in $(ls "$PIDS" | sed 's/\.pid$//'); do dead "$n" && fail "$n died during boot" "$n"; done
mkdir -p "$DATA/images"
[ -f "$DATA/images/debian-12.qcow2" ] || qemu-img create -q -f qcow2 "$DATA/images/debian-12.qcow2" 2G
RUN_DIR=$RUN IMAGE_FILE=$DATA/images/debian-12.qcow2 PLAN_COUNTS="$HERE/quotas.json" \
  $PY "$HERE/provision.py" resources $SERVICES | tee -a "$LOG/provision.log"
ts "project hdh, flavors, volume types, image, Ext-Net, quotas ready"

for n in $(ls "$PIDS" | sed 's/\.pid$//'); do dead "$n" && fail "$n died" "$n"; done
T_END=$(date +%s%N)
d=$(( (T_END - T_START) / 100000000 ))
echo "ALL SERVICES READY: core ($CORE) + $SERVICES, region $REGION; $(ls "$PIDS" | wc -l) process groups"
echo "up.sh took $((d/10)).$((d%10)) s"
echo "non-admin user:  source $RUN/hdh-openrc     (or OS_CLIENT_CONFIG_FILE=$RUN/clouds.yaml OS_CLOUD=local-openstack)"
echo "admin:           source $RUN/admin-openrc   (OS_CLOUD=local-openstack-admin)"
