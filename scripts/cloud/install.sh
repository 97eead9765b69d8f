#!/bin/bash
# Install the Debian 12 (bookworm) OpenStack Zed packages the local cloud needs, only the
# missing ones (idempotent: nothing is downloaded when everything is installed).
# Maintainer scripts must neither start daemons nor touch a database:
#   * /usr/sbin/policy-rc.d exits 101 (invoke-rc.d then starts nothing);
#   * dbconfig-no-thanks + debconf answers: no dbconfig-common, no endpoint registration.
#   usage: install.sh [LOG_DIR]
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
LOGDIR=${1:-/work/main/.tools/cloud/log}
mkdir -p "$LOGDIR"

PKGS=(
  dbconfig-no-thanks
  mariadb-server rabbitmq-server memcached uwsgi-core uwsgi-plugin-python3 qemu-utils openssl curl
  python3-openstackclient python3-openstacksdk python3-octaviaclient python3-barbicanclient
  python3-manilaclient python3-swiftclient python3-pymysql python3-boto3
  keystone
  glance-api glance-common
  placement-api
  nova-api nova-conductor nova-scheduler nova-common
  neutron-api neutron-rpc-server neutron-common
  cinder-api cinder-scheduler cinder-volume
  swift swift-proxy swift-account swift-container swift-object
  barbican-api
  octavia-api octavia-worker
  manila-api manila-scheduler manila-share
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} = 0 ]; then
  echo "all ${#PKGS[@]} packages already installed"
  exit 0
fi
echo "missing packages (${#missing[@]}): ${missing[*]}"

# 1. never start daemons from maintainer scripts
if [ ! -x /usr/sbin/policy-rc.d ] || ! grep -q 'exit 101' /usr/sbin/policy-rc.d; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
fi
# 2. never let dbconfig-common touch a database; skip keystone/endpoint registration
cat <<'DEB' | debconf-set-selections
dbconfig-common dbconfig-common/dbconfig-install boolean false
dbconfig-common dbconfig-common/remember-admin-pass boolean false
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
glance-api glance/register-endpoint boolean false
nova-api nova/register-endpoint boolean false
placement-api placement/register-endpoint boolean false
neutron-api neutron/register-endpoint boolean false
cinder-api cinder/register-endpoint boolean false
octavia-api octavia/register-endpoint boolean false
barbican-api barbican/register-endpoint boolean false
manila-api manila/register-endpoint boolean false
DEB

start=$(date +%s)
apt-get update -q
apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef \
  -o Dpkg::Options::=--force-confold "${missing[@]}"
end=$(date +%s)
echo "apt update+install seconds: $((end-start)) (${#missing[@]} packages asked)" | tee -a "$LOGDIR/apt-install-time.txt"
