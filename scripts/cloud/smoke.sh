#!/bin/bash
# End-to-end check of the local OVHcloud-like cloud AS THE NON-ADMIN USER hdh-deployer (role
# member): create -> show -> delete of every resource type the hdhport stack uses, with Debian's
# python3-openstackclient. Leaves nothing behind; writes RUN_DIR/smoke-results.txt.
#   usage: smoke.sh [RUN_DIR]      (default <repo>/.tools/cloud)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUN=${1:-$REPO/.tools/cloud}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV || true
for v in $(env | sed -n 's/^\(OS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
PY=/usr/bin/python3
. "$RUN/hdh-openrc"
OUT=$RUN/smoke-results.txt; : > "$OUT"
W=$RUN/smoke; rm -rf "$W"; mkdir -p "$W"
T0=$SECONDS
# services the cloud runs = those with an endpoint in the deployer's catalogue
CATALOG=$(openstack catalog list -f value -c Type 2>/dev/null)
has() { grep -qx "$1" <<<"$CATALOG"; }
os() { openstack "$@"; }
res() { printf '%-4s | %-9s | %-44s | %s\n' "$1" "$2" "$3" "$4" | tee -a "$OUT"; }
check() {  # check SERVICE WHAT CMD... : PASS if CMD succeeds; detail = last output line
  local svc=$1 what=$2; shift 2; local o
  if o=$("$@" 2>&1); then res PASS "$svc" "$what" "$(echo "$o" | tail -n1 | cut -c1-80)"; return 0
  else res FAIL "$svc" "$what" "$(echo "$o" | tail -n1 | cut -c1-80)"; return 1; fi
}
wait_for() {  # wait_for TARGET TIMEOUT CMD... : poll CMD's output until it equals TARGET
  local target=$1 v="" end=$((SECONDS+$2)); shift 2
  while [ $SECONDS -lt $end ]; do
    v=$("$@" 2>/dev/null)
    [ "$v" = "$target" ] && { echo "$v"; return 0; }
    case "$v" in *ERROR*|*error*) echo "$v"; return 1;; esac
    sleep 1
  done
  echo "timeout (last: $v)"; return 1
}
gone() { ! "$@" >/dev/null 2>&1 && echo deleted; }
forbidden() { local o; o=$("$@" 2>&1) && { echo "ALLOWED: $o"; return 1; }
  grep -qiE '403|forbidden|not authorized|policy' <<<"$o" && echo "refused: $(echo "$o" | tail -1 | cut -c1-60)"; }
jget() { $PY -c 'import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]])' "$1"; }
P=smk

# ------------------------------------------------------------------ identity: a customer, not an admin
check keystone "token as hdh-deployer (project hdh)" os token issue -f value -c project_id
check keystone "non-admin: flavor create refused" forbidden os flavor create --vcpus 1 --ram 64 --disk 1 $P-flavor
check keystone "non-admin: project create refused" forbidden os project create $P-proj
check keystone "region GRA11 in every endpoint" sh -c "openstack endpoint list -f value -c Region 2>/dev/null | sort -u | tr '\n' ' ' | grep -qx 'GRA11 ' && echo GRA11 || { openstack catalog list -f json | $PY -c 'import json,sys; r={e[\"region\"] for c in json.load(sys.stdin) for e in c[\"Endpoints\"]}; print(r); sys.exit(r!={\"GRA11\"})'; }"

# ------------------------------------------------------------------ what the provider offers
check glance "image 'Debian 12' active, public" sh -c "openstack image show 'Debian 12' -f value -c status -c visibility | tr '\n' ' ' | grep -x 'active public '"
check nova "flavor b3-8 (2 vCPU, 8 GiB)" sh -c "openstack flavor show b3-8 -f value -c vcpus -c ram | tr '\n' ' ' | grep -x '8192 2 '"
check nova "flavor a100-180 present" os flavor show a100-180 -f value -c name
check neutron "Ext-Net external" sh -c "openstack network show Ext-Net -f value -c router:external | grep -xiE 'true|external'"
if has volumev3; then
  check cinder "volume types listed" sh -c "openstack volume type list -f value -c Name | sort | tr '\n' ' '"
fi
check nova "quota: instances / cores / ram" sh -c "openstack quota show -f json | $PY -c 'import json,sys; d=json.load(sys.stdin); d=d if isinstance(d,dict) else {x[\"Resource\"]:x[\"Limit\"] for x in d}; print(d[\"instances\"], d[\"cores\"], d[\"ram\"]); sys.exit(d[\"instances\"]<106)'"

# ------------------------------------------------------------------ neutron
check neutron "network create" os network create $P-net -f value -c status
check neutron "network show" os network show $P-net -f value -c name
check neutron "subnet create" os subnet create --network $P-net --subnet-range 10.10.0.0/24 $P-subnet -f value -c cidr
check neutron "subnet show" os subnet show $P-subnet -f value -c gateway_ip
check neutron "router create" os router create $P-router -f value -c status
check neutron "router external gateway Ext-Net" os router set --external-gateway Ext-Net $P-router
check neutron "router gateway ip from Ext-Net" sh -c "openstack router show $P-router -f json -c external_gateway_info | grep -o '198.51.100.[0-9]*'"
check neutron "router add subnet" os router add subnet $P-router $P-subnet
check neutron "router show" os router show $P-router -f value -c name
check neutron "security group create" os security group create $P-sg -f value -c name
check neutron "security group rule tcp/22" os security group rule create --protocol tcp --dst-port 22 --remote-ip 10.0.0.0/8 $P-sg -f value -c port_range_max
check neutron "security group show" sh -c "openstack security group show $P-sg -f json -c rules | grep -c tcp"
check neutron "port create" os port create --network $P-net --security-group $P-sg $P-port -f value -c status

# ------------------------------------------------------------------ nova
check nova "key pair create" sh -c "openstack keypair create $P-kp > $W/kp.pem && openstack keypair show $P-kp -f value -c fingerprint"
check nova "server group create (anti-affinity)" os server group create --policy anti-affinity $P-sgrp -f value -c name
SGRP=$(openstack server group show $P-sgrp -f value -c id 2>/dev/null)
# (`server create --wait` exits 0 even when the server goes to ERROR: grep the status)
check nova "server create b3-8 'Debian 12' -> ACTIVE" sh -c "openstack server create --flavor b3-8 --image 'Debian 12' --network $P-net \
  --security-group $P-sg --key-name $P-kp --hint group=$SGRP --wait $P-vm -f value -c status 2>&1 | grep -x ACTIVE"
check nova "server show ACTIVE" wait_for ACTIVE 60 os server show $P-vm -f value -c status
check nova "2nd member of the anti-affinity group ACTIVE" sh -c "openstack server create --flavor b3-8 --image 'Debian 12' --network $P-net \
  --hint group=$SGRP --wait $P-vm2 -f value -c status 2>&1 | grep -x ACTIVE"
check nova "anti-affinity: members on distinct hosts (hostId)" sh -c "for s in $P-vm $P-vm2; do openstack server show \$s -f value -c hostId; done | sort -u | wc -l | grep -x 2"
check nova "server port bound and ACTIVE" sh -c "openstack port list --server $P-vm -f value -c Status | grep -x ACTIVE"

# ------------------------------------------------------------------ cinder: every OVHcloud volume type
if has volumev3; then
  for t in classic high-speed high-speed-gen2 classic-luks high-speed-luks; do
    check cinder "volume create type $t" os volume create --type $t --size 1 $P-vol-$t -f value -c id
  done
  for t in classic high-speed high-speed-gen2 classic-luks high-speed-luks; do
    check cinder "volume $t available" wait_for available 60 os volume show $P-vol-$t -f value -c status
  done
  check cinder "luks volumes encrypted, others not" sh -c "for t in classic high-speed high-speed-gen2 classic-luks high-speed-luks; do printf '%s=%s ' \$t \$(openstack volume show $P-vol-\$t -f value -c encrypted); done | tee /dev/stderr | grep -q 'classic=False high-speed=False high-speed-gen2=False classic-luks=True high-speed-luks=True'"
  if has key-manager; then
    check barbican "luks volume keys stored in Barbican" sh -c "openstack volume show $P-vol-classic-luks -f json | $PY -c 'import json,sys; print(json.load(sys.stdin).get(\"encryption_key_id\") or \"\")' | grep . || openstack secret list -f value -c 'Secret href' | wc -l | grep -v '^0$'"
  fi
  check cinder "attach high-speed-luks volume to server" os server add volume $P-vm $P-vol-high-speed-luks
  check cinder "volume in-use" wait_for in-use 60 os volume show $P-vol-high-speed-luks -f value -c status
  check cinder "detach volume" os server remove volume $P-vm $P-vol-high-speed-luks
  check cinder "volume available again" wait_for available 60 os volume show $P-vol-high-speed-luks -f value -c status
  # the stack boots from encrypted volumes made from the image: Cinder's create-from-image path
  check cinder "boot volume: classic-luks 20 GB from 'Debian 12'" os volume create --type classic-luks --size 20 --image 'Debian 12' --bootable $P-boot -f value -c id
  check cinder "boot volume available" wait_for available 120 os volume show $P-boot -f value -c status
  check nova "server booted from the classic-luks volume -> ACTIVE" sh -c "openstack server create --flavor b3-8 --network $P-net \
    --volume $P-boot --wait $P-bfv -f value -c status 2>&1 | grep -x ACTIVE"
  check nova "as the stack does: Nova makes a high-speed-luks boot volume from the image" $PY "$HERE/bfv_check.py" $P-bfv2 b3-8 'Debian 12' $P-net high-speed-luks
  for t in classic high-speed high-speed-gen2 classic-luks high-speed-luks; do
    check cinder "volume delete $t" os volume delete $P-vol-$t
  done
  for t in classic high-speed high-speed-gen2 classic-luks high-speed-luks; do
    check cinder "volume $t gone" wait_for deleted 60 gone os volume show $P-vol-$t
  done
fi

# ------------------------------------------------------------------ swift (+ S3)
if has object-store; then
  echo "hello swift" > "$W/obj.txt"
  check swift "container create" os container create $P-cont -f value -c container
  TOKEN=$(openstack token issue -f value -c id)
  SURL=$(openstack catalog show object-store -f json | $PY -c 'import json,sys; print([e["url"] for e in json.load(sys.stdin)["endpoints"] if e["interface"]=="public"][0])')
  check swift "container versioning (X-Versions-Enabled)" sh -c "curl -sf -X POST -H 'X-Auth-Token: $TOKEN' -H 'X-Versions-Enabled: true' $SURL/$P-cont -o /dev/null -w '%{http_code} ' && curl -sfI -H 'X-Auth-Token: $TOKEN' $SURL/$P-cont | grep -i '^x-versions-enabled: *true'"
  check swift "object upload" os object create $P-cont "$W/obj.txt" --name obj.txt -f value -c etag
  check swift "object download" sh -c "openstack object save $P-cont obj.txt --file - | grep -x 'hello swift'"
  check swift "container show" os container show $P-cont -f value -c object_count
  EC2=$(openstack ec2 credentials create -f json 2>/dev/null)
  AK=$(echo "$EC2" | jget access 2>/dev/null); SK=$(echo "$EC2" | jget secret 2>/dev/null)
  check swift "S3 (boto3, region gra): bucket+object put/get/delete" $PY "$HERE/s3check.py" "$AK" "$SK"
  [ -n "$AK" ] && openstack ec2 credentials delete "$AK" >/dev/null 2>&1
  check swift "object delete" sh -c "openstack object delete $P-cont obj.txt; curl -sf -X POST -H 'X-Auth-Token: $TOKEN' -H 'X-Versions-Enabled: false' $SURL/$P-cont; for v in \$(curl -sf -H 'X-Auth-Token: $TOKEN' '$SURL/$P-cont?versions&format=json' | $PY -c 'import json,sys; [print(o[\"name\"]+\"?version-id=\"+o[\"version_id\"]) for o in json.load(sys.stdin)]'); do curl -sf -X DELETE -H 'X-Auth-Token: $TOKEN' \"$SURL/$P-cont/\$v\"; done; echo ok"
  check swift "container delete" os container delete $P-cont
  check swift "container gone" gone os container show $P-cont
fi

# ------------------------------------------------------------------ barbican
if has key-manager; then
  check barbican "secret store" os secret store --name $P-secret --payload s3cr3t -f value -c "Secret href"
  SEC=$(openstack secret list --name $P-secret -f value -c "Secret href" | head -1)
  check barbican "secret get payload" sh -c "openstack secret get --payload $SEC -f value | grep -x s3cr3t"
  check barbican "order create (AES-256 key)" os secret order create --name $P-order --algorithm aes --bit-length 256 --mode cbc key -f value -c "Order href"
  ORD=$(openstack secret order list -f json | $PY -c 'import json,sys; print([o["Order href"] for o in json.load(sys.stdin) if o.get("Secret href") or True][-1])')
  check barbican "order ACTIVE" wait_for ACTIVE 30 os secret order get "$ORD" -f value -c Status
  OSEC=$(openstack secret order get "$ORD" -f value -c "Secret href")
  check barbican "container create (generic)" os secret container create --name $P-bcont --type generic --secret "s1=$SEC" -f value -c "Container href"
  CON=$(openstack secret container list --name $P-bcont -f value -c "Container href" | head -1)
  check barbican "container get" os secret container get "$CON" -f value -c Status
  check barbican "container delete" os secret container delete "$CON"
  check barbican "order + its key delete" sh -c "openstack secret order delete $ORD && openstack secret delete $OSEC && echo ok"
  check barbican "secret delete" os secret delete "$SEC"
  check barbican "secret gone" gone os secret get "$SEC"
fi

# ------------------------------------------------------------------ octavia
if has load-balancer; then
  check octavia "load balancer create (flavor small)" os loadbalancer create --name $P-lb --flavor small --vip-subnet-id $P-subnet -f value -c id
  check octavia "load balancer ACTIVE" wait_for ACTIVE 120 os loadbalancer show $P-lb -f value -c provisioning_status
  check octavia "listener create (HTTP:80)" os loadbalancer listener create --name $P-lis --protocol HTTP --protocol-port 80 $P-lb -f value -c id
  check octavia "listener ACTIVE" wait_for ACTIVE 60 os loadbalancer listener show $P-lis -f value -c provisioning_status
  check octavia "pool create" os loadbalancer pool create --name $P-pool --lb-algorithm ROUND_ROBIN --listener $P-lis --protocol HTTP -f value -c id
  check octavia "pool ACTIVE" wait_for ACTIVE 60 os loadbalancer pool show $P-pool -f value -c provisioning_status
  check octavia "member create" os loadbalancer member create --subnet-id $P-subnet --address 10.10.0.50 --protocol-port 80 --name $P-mem $P-pool -f value -c id
  check octavia "health monitor create" os loadbalancer healthmonitor create --name $P-hm --delay 5 --timeout 3 --max-retries 3 --type HTTP $P-pool -f value -c id
  check octavia "load balancer ACTIVE after children" wait_for ACTIVE 60 os loadbalancer show $P-lb -f value -c provisioning_status
  check octavia "load balancer delete --cascade" os loadbalancer delete --cascade $P-lb
  check octavia "load balancer gone" wait_for deleted 120 gone os loadbalancer show $P-lb
fi

# ------------------------------------------------------------------ manila (File Storage, NFS on the private network)
if has sharev2; then
  MV="--os-share-api-version 2.51"
  check manila "share network create (net + subnet)" os share network create $MV --name $P-snet --neutron-net-id "$(openstack network show $P-net -f value -c id)" --neutron-subnet-id "$(openstack subnet show $P-subnet -f value -c id)" -f value -c id
  # (OSC's `share create` looks for a type literally named "default": name the type, as OVH's docs do)
  check manila "server-side default share type is standard-1az" sh -c "curl -sf -H 'X-Auth-Token: $(openstack token issue -f value -c id)' -H 'X-OpenStack-Manila-API-Version: 2.51' http://127.0.0.1:8786/v2/types/default | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"share_type\"][\"name\"])' | grep -x standard-1az"
  check manila "share create NFS 1 GiB (type standard-1az)" os share create $MV NFS 1 --name $P-share --share-type standard-1az --share-network $P-snet -f value -c id
  check manila "share available" wait_for available 180 os share show $P-share -f value -c status
  check manila "share export location on the tenant subnet" sh -c "openstack share export location list $P-share -f value -c Path | grep '^10\.10\.0\.[0-9]*:/' | head -1"
  check manila "share access rule (ip 10.10.0.0/24)" os share access create $P-share ip 10.10.0.0/24 -f value -c id
  check manila "access rule active" wait_for active 60 sh -c "openstack share access list $P-share -f value -c State | head -1"
  check manila "share delete" os share delete $P-share
  check manila "share gone" wait_for deleted 120 gone os share show $P-share
  check manila "share network delete" sh -c "for i in \$(seq 60); do openstack share network delete $P-snet 2>/dev/null && echo deleted && exit 0; sleep 2; done; exit 1"
fi

# ------------------------------------------------------------------ teardown
check nova "server delete" os server delete --wait $P-vm $P-vm2
if has volumev3; then
  check nova "boot-from-volume server delete" os server delete --wait $P-bfv
  check cinder "boot volume delete" sh -c "openstack volume delete $P-boot && echo ok"
  check cinder "boot volume gone" wait_for deleted 60 gone os volume show $P-boot
fi
check nova "server gone" gone os server show $P-vm
check nova "server group delete" os server group delete $P-sgrp
check nova "key pair delete" os keypair delete $P-kp
check nova "key pair gone" gone os keypair show $P-kp
check neutron "port delete" os port delete $P-port
check neutron "router remove subnet" os router remove subnet $P-router $P-subnet
check neutron "router unset gateway" os router unset --external-gateway $P-router
check neutron "router delete" os router delete $P-router
check neutron "security group delete" os security group delete $P-sg
check neutron "subnet delete" os subnet delete $P-subnet
check neutron "network delete" os network delete $P-net
check neutron "network gone" gone os network show $P-net
if has volumev3; then
  check cinder "no volume left in project hdh" sh -c "n=\$(openstack volume list -f value | wc -l); echo \$n left; [ \$n = 0 ]"
fi
if has key-manager; then
  check barbican "no secret left (luks keys deleted with volumes)" sh -c "sleep 2; n=\$(openstack secret list -f value | wc -l); echo \$n left; [ \$n = 0 ]"
fi
pass=$(grep -c '^PASS' "$OUT"); fail=$(grep -c '^FAIL' "$OUT")
echo "=== smoke as hdh-deployer: $pass PASS, $fail FAIL in $((SECONDS-T0)) s (details: $OUT)" | tee -a "$OUT"
[ "$fail" = 0 ]
