#!/usr/bin/python3
"""Count what a one-enclave hdhport plan asks of the cloud and write quotas.json (2x, rounded up,
never below OpenStack's defaults).

    /work/main/.venv/bin/hdhport plan --profile ovhcloud-public-cloud --enclaves 1 --out /tmp/plan1
    scripts/cloud/plan_counts.py /tmp/plan1/plan.json [> scripts/cloud/quotas.json]

Flavor sizes come from provision.FLAVORS. Counted: instances, vCPU, RAM, volumes (explicit +
boot volumes Nova creates from images) and their GB, security groups (+ the project's default)
and rules (+ the default group's 4), server groups and their largest membership, ports (explicit +
implicit instance NICs + router interfaces + load-balancer VIPs + 2 per Manila share server),
key pairs, networks, subnets, routers, shares and their GB, share networks.
"""
import collections
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault('CLOUD_PW', 'unused')
from provision import FLAVORS  # noqa: E402

plan = json.load(open(sys.argv[1]))
res = plan['resources']
by = collections.defaultdict(list)
for r in res:
    by[r['type'].split(':')[1]].append(r['inputs'])
flv = {n: (c, r * 1024) for n, c, r, _ in FLAVORS}

inst = by['compute/instance']
vcpu = sum(flv[i['flavorName']][0] for i in inst)
ram = sum(flv[i['flavorName']][1] for i in inst)
boot = [b for i in inst for b in i.get('blockDevices', [])
        if b.get('destinationType') == 'volume' and b.get('sourceType') != 'volume']
vols = by['blockstorage/volume']
implicit_nics = sum(1 for i in inst for n in i.get('networks', []) if 'port' not in n)
members = collections.Counter(h['group'] for i in inst for h in i.get('schedulerHints', []) if 'group' in h)
counts = {
    'instances': len(inst), 'vcpus': vcpu, 'ram_mb': ram,
    'flavors_used': dict(collections.Counter(i['flavorName'] for i in inst)),
    'volumes': len(vols) + len(boot), 'volume_gb': sum(v['size'] for v in vols) + sum(b.get('volumeSize') or 0 for b in boot),
    'security_groups': len(by['networking/secGroup']) + 1,
    'security_group_rules': len(by['networking/secGroupRule']) + 4,
    'server_groups': len(by['compute/serverGroup']),
    'server_group_members_max': max(members.values()) if members else 0,
    'ports': (len(by['networking/port']) + implicit_nics + len(by['networking/routerInterface'])
              + len(by['loadbalancer/loadBalancer']) + 2 * len(by['sharedfilesystem/shareNetwork'])),
    'key_pairs': len(by['compute/keypair']),
    'networks': len(by['networking/network']), 'subnets': len(by['networking/subnet']),
    'routers': len(by['networking/router']),
    'shares': len(by['sharedfilesystem/share']), 'share_gb': sum(s['size'] for s in by['sharedfilesystem/share']),
    'share_networks': len(by['sharedfilesystem/shareNetwork']),
}


def q(n, default, step=10):
    """2x the count, rounded up to `step`, never below the OpenStack default."""
    return max(default, int(math.ceil(2 * n / step) * step))


quotas = {
    'nova': {'instances': q(counts['instances'], 10), 'cores': q(counts['vcpus'], 20, 50),
             'ram': q(counts['ram_mb'], 51200, 102400), 'key_pairs': q(counts['key_pairs'], 100),
             'server_groups': q(counts['server_groups'], 10),
             'server_group_members': q(counts['server_group_members_max'], 10)},
    'cinder': {'volumes': q(counts['volumes'], 10), 'gigabytes': q(counts['volume_gb'], 1000, 1000),
               'snapshots': q(counts['volumes'], 10), 'backups': 10, 'backup_gigabytes': 1000},
    'neutron': {'security_group': q(counts['security_groups'], 10),
                'security_group_rule': q(counts['security_group_rules'], 100, 100),
                'port': q(counts['ports'], 500), 'network': q(counts['networks'], 100),
                'subnet': q(counts['subnets'], 100), 'router': q(counts['routers'], 10),
                'floatingip': 50},
    'manila': {'shares': q(counts['shares'], 50), 'gigabytes': q(counts['share_gb'], 1000, 1000),
               'share_networks': q(counts['share_networks'], 10)},
}
print(json.dumps({'source': f'plan of stack {plan["stack"]}, enclaves {plan["config"].get("hdh:enclaves")} '
                            '(scripts/cloud/plan_counts.py)',
                  'counts': counts, 'quotas': quotas}, indent=1))
