#!/usr/bin/python3
"""Shape the local cloud like OVHcloud Public Cloud (idempotent; plain REST through keystoneauth).

    provision.py catalog SERVICE...        service project/users/roles + endpoint catalogue (region GRA11)
    provision.py wait-services SERVICE...  wait for nova-compute (+ its placement provider),
                                           cinder-volume and manila-share to report up
    provision.py resources SERVICE...      project hdh + non-admin user hdh-deployer, flavors, volume
                                           types (+ LUKS encryption specs), "Debian 12" image, Ext-Net,
                                           quotas (quotas.json), share type, LB flavors, openrc files

Environment: CLOUD_PW (admin + service accounts), HDH_PW (hdh-deployer), REGION; for `resources`
also RUN_DIR (where hdh-openrc and clouds.yaml are written) and IMAGE_FILE.
"""
import json
import os
import sys
import time

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from keystoneauth1 import exceptions as ks_exc

KS = 'http://127.0.0.1:5000/v3'
HERE = os.path.dirname(os.path.abspath(__file__))
PW = os.environ['CLOUD_PW']
REGION = os.environ.get('REGION', 'GRA11')
PROJECT, USER = 'hdh', 'hdh-deployer'

# user: [(service name, type, url)]; every endpoint public+internal+admin in REGION
CATALOG = {
    'glance': [('glance', 'image', 'http://127.0.0.1:9292')],
    'placement': [('placement', 'placement', 'http://127.0.0.1:8778')],
    'nova': [('nova', 'compute', 'http://127.0.0.1:8774/v2.1')],
    'neutron': [('neutron', 'network', 'http://127.0.0.1:9696')],
    'cinder': [('cinderv3', 'volumev3', 'http://127.0.0.1:8776/v3/%(project_id)s'),
               ('cinder', 'block-storage', 'http://127.0.0.1:8776/v3/%(project_id)s')],
    'swift': [('swift', 'object-store', 'http://127.0.0.1:8080/v1/AUTH_%(project_id)s')],
    'barbican': [('barbican', 'key-manager', 'http://127.0.0.1:9311')],
    'octavia': [('octavia', 'load-balancer', 'http://127.0.0.1:9876')],
    'manila': [('manilav2', 'sharev2', 'http://127.0.0.1:8786/v2'),
               ('manila', 'shared-file-system', 'http://127.0.0.1:8786/v2')],
}

# OVHcloud Public Cloud flavors: (name, vCPU, RAM GiB, disk GB). b3-8 (CPU) and a100-180 (GPU)
# are the ones the profile and the stack use; the others are their neighbours in OVH's range
# and the GPU flavors the profile names (figures from OVHcloud's public price list, [K]).
FLAVORS = [
    ('b3-8', 2, 8, 50), ('b3-16', 4, 16, 100), ('b3-32', 8, 32, 200), ('b3-64', 16, 64, 400),
    ('b3-128', 32, 128, 400),
    ('c3-4', 2, 4, 50), ('c3-8', 4, 8, 100), ('c3-16', 8, 16, 200), ('c3-32', 16, 32, 400),
    ('r3-16', 2, 16, 50), ('r3-32', 4, 32, 100), ('r3-64', 8, 64, 200), ('r3-128', 16, 128, 400),
    ('d2-2', 1, 2, 25), ('d2-4', 2, 4, 50), ('d2-8', 4, 8, 50),
    ('t1-45', 8, 45, 300), ('t2-45', 15, 45, 400),
    ('a10-45', 30, 45, 400), ('a10-90', 60, 90, 400),
    ('a100-180', 15, 180, 300), ('a100-360', 30, 360, 500), ('a100-720', 60, 720, 500),
    ('h100-380', 30, 380, 200), ('h100-760', 60, 760, 200), ('h100-1520', 120, 1520, 200),
    ('l4-90', 22, 90, 400), ('l4-180', 45, 180, 400), ('l4-360', 90, 360, 400),
    ('l40s-90', 15, 90, 400), ('l40s-180', 30, 180, 400), ('l40s-360', 60, 360, 400),
]
LUKS = {'provider': 'luks', 'cipher': 'aes-xts-plain64', 'key_size': 256, 'control_location': 'front-end'}
VOLUME_TYPES = [  # name, description, encrypted
    ('classic', 'OVHcloud Classic: 250 IOPS', False),
    ('high-speed', 'OVHcloud High Speed: up to 3000 IOPS', False),
    ('high-speed-gen2', 'OVHcloud High Speed Gen2: 30 IOPS/GB up to 20000 IOPS', False),
    ('classic-luks', 'OVHcloud Classic, LUKS-encrypted (keys in Barbican)', True),
    ('high-speed-luks', 'OVHcloud High Speed, LUKS-encrypted (keys in Barbican)', True),
]
SHARE_TYPE = 'standard-1az'
LB_FLAVORS = ['small', 'medium', 'large', 'xl']


def log(msg):
    print(f'  provision: {msg}', flush=True)


def admin_session():
    auth = v3.Password(auth_url=KS, username='admin', password=PW, project_name='admin',
                       user_domain_id='default', project_domain_id='default')
    return ks_session.Session(auth=auth)


def ep(sess, service_type, **kw):
    return dict(endpoint_filter={'service_type': service_type, 'interface': 'public',
                                 'region_name': REGION}, **kw)


def get(sess, stype, url, **kw):
    return sess.get(url, **ep(sess, stype, **kw)).json()


def post(sess, stype, url, body, **kw):
    r = sess.post(url, json=body, **ep(sess, stype, **kw))
    return r.json() if r.content else {}


def put(sess, stype, url, body, **kw):
    r = sess.put(url, json=body, **ep(sess, stype, **kw))
    return r.json() if r.content else {}


# ------------------------------------------------------------------------------------ catalog
def ks_find(sess, coll, **params):
    q = '&'.join(f'{k}={v}' for k, v in params.items())
    return sess.get(f'{KS}/{coll}?{q}').json()[coll]


def ks_ensure(sess, coll, single, match, body):
    found = ks_find(sess, coll, **match)
    if found:
        return found[0]
    return sess.post(f'{KS}/{coll}', json={single: body}).json()[single]


def catalog(services):
    sess = admin_session()
    service_project = ks_ensure(sess, 'projects', 'project', {'name': 'service'},
                                {'name': 'service', 'domain_id': 'default'})
    roles = {r['name']: r for r in sess.get(f'{KS}/roles').json()['roles']}
    for rn in ('service', 'member', 'reader', 'ResellerAdmin'):
        if rn not in roles:
            roles[rn] = sess.post(f'{KS}/roles', json={'role': {'name': rn}}).json()['role']
    for user, svcs in CATALOG.items():
        if user not in services:
            continue
        found = ks_find(sess, 'users', name=user)
        if found:
            u = found[0]
            sess.patch(f'{KS}/users/{u["id"]}', json={'user': {'password': PW}})
        else:
            u = sess.post(f'{KS}/users', json={'user': {
                'name': user, 'password': PW, 'domain_id': 'default',
                'default_project_id': service_project['id']}}).json()['user']
        for rn in ('admin', 'service'):
            sess.put(f'{KS}/projects/{service_project["id"]}/users/{u["id"]}/roles/{roles[rn]["id"]}')
        for name, stype, url in svcs:
            s = ks_find(sess, 'services', type=stype)
            s = s[0] if s else sess.post(f'{KS}/services', json={'service': {'name': name, 'type': stype}}).json()['service']
            have = {(e['interface'], e['region_id']) for e in ks_find(sess, 'endpoints', service_id=s['id'])}
            for iface in ('public', 'internal', 'admin'):
                if (iface, REGION) not in have:
                    sess.post(f'{KS}/endpoints', json={'endpoint': {
                        'service_id': s['id'], 'url': url, 'interface': iface, 'region_id': REGION}})
    log(f'catalogue ok in region {REGION}: {" ".join(s for s in CATALOG if s in services)}')


# ------------------------------------------------------------------------------- wait-services
def wait_until(what, fn, timeout=180):
    t0 = time.time()
    last = None
    while time.time() - t0 < timeout:
        try:
            if fn():
                log(f'{what} after {time.time() - t0:.0f}s')
                return
        except (ks_exc.ClientException, KeyError, IndexError, ValueError) as e:
            last = e
        time.sleep(1)
    sys.exit(f'FAILED: {what} not reached in {timeout}s ({last})')


def wait_services(services):
    sess = admin_session()

    def service_up(stype, binary, url='/os-services', count=1, **kw):
        def check():
            svcs = get(sess, stype, url, **kw)['services']
            return sum(s['binary'] == binary and s['state'] == 'up' for s in svcs) >= count
        return check

    computes = int(os.environ.get('NOVA_COMPUTES', '1'))
    wait_until(f'{computes} nova-compute up', service_up('compute', 'nova-compute', count=computes))

    def rp_ready():
        h = {'OpenStack-API-Version': 'placement 1.14'}
        rps = get(sess, 'placement', '/resource_providers', headers=h)['resource_providers']
        ready = [rp for rp in rps if 'VCPU' in get(
            sess, 'placement', f'/resource_providers/{rp["uuid"]}/inventories', headers=h)['inventories']]
        return len(ready) >= computes
    wait_until(f'{computes} fake hypervisors with inventory in placement', rp_ready)
    if 'cinder' in services:
        wait_until('cinder-volume up', service_up('volumev3', 'cinder-volume'))
    if 'manila' in services:
        wait_until('manila-share up', service_up(
            'sharev2', 'manila-share', '/services', headers={'X-OpenStack-Manila-API-Version': '2.60'}))


# ----------------------------------------------------------------------------------- resources
def ensure_project_user(sess):
    project = ks_ensure(sess, 'projects', 'project', {'name': PROJECT},
                        {'name': PROJECT, 'domain_id': 'default',
                         'description': 'HDH platform (OVHcloud-like customer project)'})
    found = ks_find(sess, 'users', name=USER)
    body = {'name': USER, 'password': os.environ['HDH_PW'], 'domain_id': 'default',
            'default_project_id': project['id'], 'description': 'non-admin deployer (member role only)'}
    if found:
        user = found[0]
        sess.patch(f'{KS}/users/{user["id"]}', json={'user': {'password': os.environ['HDH_PW']}})
    else:
        user = sess.post(f'{KS}/users', json={'user': body}).json()['user']
    roles = {r['name']: r['id'] for r in sess.get(f'{KS}/roles').json()['roles']}
    # member only: keystone's bootstrap makes member imply reader, so tokens carry both
    sess.put(f'{KS}/projects/{project["id"]}/users/{user["id"]}/roles/{roles["member"]}')
    assigned = sess.get(f'{KS}/role_assignments?user.id={user["id"]}&include_names=true').json()['role_assignments']
    names = sorted(a['role']['name'] for a in assigned)
    if names != ['member']:
        sys.exit(f'FAILED: {USER} has roles {names}, expected only member')
    log(f'project {PROJECT} ({project["id"]}), user {USER} with role(s) {names} (+ implied reader)')
    return project, user


def ensure_flavors(sess):
    have = {f['name'] for f in get(sess, 'compute', '/flavors?is_public=None')['flavors']}
    made = []
    for name, vcpus, ram_gib, disk in FLAVORS:
        if name not in have:
            post(sess, 'compute', '/flavors', {'flavor': {
                'name': name, 'vcpus': vcpus, 'ram': ram_gib * 1024, 'disk': disk,
                'os-flavor-access:is_public': True}})
            made.append(name)
    log(f'flavors: {len(FLAVORS)} present ({len(made)} created)')


def ensure_volume_types(sess):
    have = {t['name']: t for t in get(sess, 'volumev3', '/types?is_public=None')['volume_types']}
    for name, desc, encrypted in VOLUME_TYPES:
        t = have.get(name) or post(sess, 'volumev3', '/types', {'volume_type': {
            'name': name, 'description': desc, 'os-volume-type-access:is_public': True}})['volume_type']
        if encrypted:
            enc = get(sess, 'volumev3', f'/types/{t["id"]}/encryption')
            if not enc.get('encryption_id'):
                post(sess, 'volumev3', f'/types/{t["id"]}/encryption', {'encryption': LUKS})
            enc = get(sess, 'volumev3', f'/types/{t["id"]}/encryption')
            got = {k: enc.get(k) for k in LUKS}
            if got != LUKS:
                sys.exit(f'FAILED: encryption of {name} is {got}')
    # Cinder's db sync makes a `__DEFAULT__` type; OVHcloud has none (its default is classic)
    if '__DEFAULT__' in have:
        r = sess.delete(f'/types/{have["__DEFAULT__"]["id"]}', raise_exc=False, **ep(sess, 'volumev3'))
        if r.status_code >= 300:
            log(f'could not delete __DEFAULT__ volume type: HTTP {r.status_code}')
    log('volume types: ' + ', '.join(n + (' (luks aes-xts-plain64/256 front-end)' if e else '')
                                     for n, _, e in VOLUME_TYPES) + '; default: classic')


def ensure_image(sess, path):
    imgs = get(sess, 'image', '/v2/images?name=Debian%2012')['images']
    active = [i for i in imgs if i['status'] == 'active']
    if active:
        log(f'image "Debian 12" present ({active[0]["id"]})')
        return
    for i in imgs:  # a half-made one from an interrupted run
        sess.delete(f'/v2/images/{i["id"]}', **ep(sess, 'image'))
    img = post(sess, 'image', '/v2/images', {
        'name': 'Debian 12', 'disk_format': 'qcow2', 'container_format': 'bare', 'visibility': 'public',
        'os_distro': 'debian', 'os_version': '12', 'os_type': 'linux', 'image_original_user': 'debian',
        'hw_disk_bus': 'virtio', 'hw_vif_model': 'virtio',
        'description': 'tiny empty qcow2 placeholder: the fake virt driver never boots it'})
    with open(path, 'rb') as f:
        sess.put(f'/v2/images/{img["id"]}/file', data=f.read(),
                 headers={'Content-Type': 'application/octet-stream'}, **ep(sess, 'image'))
    wait_until('image "Debian 12" active',
               lambda: get(sess, 'image', f'/v2/images/{img["id"]}')['status'] == 'active', 60)


def ensure_ext_net(sess):
    nets = get(sess, 'network', '/v2.0/networks?name=Ext-Net')['networks']
    net = nets[0] if nets else post(sess, 'network', '/v2.0/networks', {'network': {
        'name': 'Ext-Net', 'router:external': True, 'shared': True,
        'provider:network_type': 'flat', 'provider:physical_network': 'public',
        'description': "OVHcloud's public network (local stand-in: no packet flows)"}})['network']
    subs = get(sess, 'network', f'/v2.0/subnets?network_id={net["id"]}')['subnets']
    if not subs:
        post(sess, 'network', '/v2.0/subnets', {'subnet': {
            'name': 'Ext-Net-IPv4', 'network_id': net['id'], 'ip_version': 4, 'cidr': '198.51.100.0/24',
            'gateway_ip': '198.51.100.1', 'enable_dhcp': False,
            'allocation_pools': [{'start': '198.51.100.10', 'end': '198.51.100.250'}]}})
    log('network Ext-Net (external, shared, flat) with subnet Ext-Net-IPv4 198.51.100.0/24')


def set_quotas(sess, project_id, services):
    q = json.load(open(os.path.join(HERE, 'quotas.json')))['quotas']
    put(sess, 'compute', f'/os-quota-sets/{project_id}', {'quota_set': q['nova']})
    put(sess, 'network', f'/v2.0/quotas/{project_id}', {'quota': q['neutron']})
    if 'cinder' in services:
        put(sess, 'volumev3', f'/os-quota-sets/{project_id}', {'quota_set': q['cinder']})
    if 'manila' in services:
        put(sess, 'sharev2', f'/quota-sets/{project_id}', {'quota_set': q['manila']},
            headers={'X-OpenStack-Manila-API-Version': '2.40'})
    got = get(sess, 'compute', f'/os-quota-sets/{project_id}')['quota_set']
    bad = {k: got.get(k) for k, v in q['nova'].items() if got.get(k) != v}
    if bad:
        sys.exit(f'FAILED: nova quotas not applied: {bad}')
    log('quotas for project hdh: ' + '; '.join(f'{s} ' + ', '.join(f'{k}={v}' for k, v in qs.items())
                                               for s, qs in q.items()
                                               if s in ('nova', 'neutron') or s in services))


def ensure_share_type(sess):
    h = {'X-OpenStack-Manila-API-Version': '2.46'}
    types = get(sess, 'sharev2', '/types?is_public=all', headers=h)['share_types']
    if not any(t['name'] == SHARE_TYPE for t in types):
        post(sess, 'sharev2', '/types', {'share_type': {
            'name': SHARE_TYPE, 'share_type_access:is_public': True,
            'description': 'NFS file storage on the private network (share network required)',
            'extra_specs': {'driver_handles_share_servers': True, 'snapshot_support': True}}}, headers=h)
    log(f'share type {SHARE_TYPE} (driver_handles_share_servers=True, default)')


def ensure_lb_flavors(sess):
    profs = get(sess, 'load-balancer', '/v2/lbaas/flavorprofiles?name=amphora-single')['flavorprofiles']
    prof = profs[0] if profs else post(sess, 'load-balancer', '/v2/lbaas/flavorprofiles', {'flavorprofile': {
        'name': 'amphora-single', 'provider_name': 'amphora',
        'flavor_data': json.dumps({'loadbalancer_topology': 'SINGLE'})}})['flavorprofile']
    have = {f['name'] for f in get(sess, 'load-balancer', '/v2/lbaas/flavors')['flavors']}
    for name in LB_FLAVORS:
        if name not in have:
            post(sess, 'load-balancer', '/v2/lbaas/flavors', {'flavor': {
                'name': name, 'flavor_profile_id': prof['id'], 'enabled': True,
                'description': f'OVHcloud Load Balancer size {name} (noop amphora here)'}})
    log('load balancer flavors: ' + ', '.join(LB_FLAVORS))


def write_client_files(run):
    hdh_pw = os.environ['HDH_PW']
    common = dict(auth_url=KS, region=REGION)
    os.umask(0o077)
    with open(os.path.join(run, 'hdh-openrc'), 'w') as f:
        f.write(f"""# non-admin deployer of project {PROJECT} (role member, implies reader), like an OVHcloud customer
export OS_AUTH_URL={KS}
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME={USER}
export OS_PASSWORD={hdh_pw}
export OS_PROJECT_NAME={PROJECT}
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME={REGION}
export OS_INTERFACE=public
""")

    def cloud(user, pw, project):
        return (f"    auth:\n      auth_url: {common['auth_url']}\n      username: {user}\n"
                f"      password: {pw}\n      project_name: {project}\n      user_domain_name: Default\n"
                f"      project_domain_name: Default\n    region_name: {REGION}\n    interface: public\n"
                f"    identity_api_version: 3\n")
    with open(os.path.join(run, 'clouds.yaml'), 'w') as f:
        f.write('# local OVHcloud-like OpenStack (scripts/cloud/up.sh); OS_CLOUD=local-openstack is the\n'
                '# non-admin deployer, local-openstack-admin the cloud operator\nclouds:\n'
                '  local-openstack:\n' + cloud(USER, hdh_pw, PROJECT) +
                '  local-openstack-admin:\n' + cloud('admin', PW, 'admin'))
    log(f'wrote {run}/hdh-openrc, {run}/clouds.yaml (clouds local-openstack, local-openstack-admin)')


def check_deployer(services):
    auth = v3.Password(auth_url=KS, username=USER, password=os.environ['HDH_PW'], project_name=PROJECT,
                       user_domain_id='default', project_domain_id='default')
    sess = ks_session.Session(auth=auth)
    access = auth.get_access(sess)
    roles = sorted(access.role_names)
    types = {e['type'] for e in access.service_catalog.catalog}
    regions = {x['region_id'] for e in access.service_catalog.catalog for x in e['endpoints']}
    log(f'{USER} token: roles {roles}, regions {sorted(regions)}, {len(types)} service types')


def resources(services):
    sess = admin_session()
    project, _ = ensure_project_user(sess)
    ensure_flavors(sess)
    if 'cinder' in services:
        ensure_volume_types(sess)
    ensure_image(sess, os.environ['IMAGE_FILE'])
    ensure_ext_net(sess)
    set_quotas(sess, project['id'], services)
    if 'manila' in services:
        ensure_share_type(sess)
    if 'octavia' in services:
        ensure_lb_flavors(sess)
    write_client_files(os.environ['RUN_DIR'])
    check_deployer(services)


if __name__ == '__main__':
    cmd, svcs = sys.argv[1], set(sys.argv[2:])
    {'catalog': catalog, 'wait-services': wait_services, 'resources': resources}[cmd](svcs)
