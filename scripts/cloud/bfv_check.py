#!/usr/bin/python3
"""Boot a server the way the hdhport stack does (pulumi-openstack blockDevices): Nova creates the
boot volume from an image, of an encrypted volume type (BDM v2, microversion 2.67), then the
server goes ACTIVE; then delete it (delete_on_termination) and wait until volume and server are gone.
    bfv_check.py NAME FLAVOR IMAGE-NAME NETWORK-NAME VOLUME-TYPE      (credentials from OS_* env)
"""
import os
import sys
import time

from keystoneauth1 import session
from keystoneauth1.identity import v3

name, flavor, image, network, vtype = sys.argv[1:6]
auth = v3.Password(auth_url=os.environ['OS_AUTH_URL'], username=os.environ['OS_USERNAME'],
                   password=os.environ['OS_PASSWORD'], project_name=os.environ['OS_PROJECT_NAME'],
                   user_domain_name='Default', project_domain_name='Default')
s = session.Session(auth=auth)
region = os.environ['OS_REGION_NAME']


def ep(t, **kw):
    return dict(endpoint_filter={'service_type': t, 'interface': 'public', 'region_name': region}, **kw)


MV = {'OpenStack-API-Version': 'compute 2.67'}
img = s.get('/v2/images?name=' + image.replace(' ', '%20'), **ep('image')).json()['images'][0]['id']
net = s.get('/v2.0/networks?name=' + network, **ep('network')).json()['networks'][0]['id']
flv = [f for f in s.get('/flavors', **ep('compute')).json()['flavors'] if f['name'] == flavor][0]['id']
srv = s.post('/servers', json={'server': {
    'name': name, 'flavorRef': flv, 'networks': [{'uuid': net}],
    'block_device_mapping_v2': [{'boot_index': 0, 'uuid': img, 'source_type': 'image',
                                 'destination_type': 'volume', 'volume_size': 20,
                                 'volume_type': vtype, 'delete_on_termination': True}]}},
             headers=MV, **ep('compute')).json()['server']
t0, status = time.time(), None
while time.time() - t0 < 180:
    status = s.get(f'/servers/{srv["id"]}', headers=MV, **ep('compute')).json()['server']['status']
    if status in ('ACTIVE', 'ERROR'):
        break
    time.sleep(2)
srv = s.get(f'/servers/{srv["id"]}', headers=MV, **ep('compute')).json()['server']
vols = [v['id'] for v in srv.get('os-extended-volumes:volumes_attached', [])]
vinfo = [s.get(f'/volumes/{v}', **ep('volumev3')).json()['volume'] for v in vols]
print(f'server {status} in {time.time() - t0:.0f}s; boot volume(s): '
      + ', '.join(f'{v["volume_type"]} encrypted={v["encrypted"]}' for v in vinfo))
s.delete(f'/servers/{srv["id"]}', **ep('compute'))
t1 = time.time()
while time.time() - t1 < 120:
    if s.get(f'/servers/{srv["id"]}', raise_exc=False, **ep('compute')).status_code == 404 and all(
            s.get(f'/volumes/{v}', raise_exc=False, **ep('volumev3')).status_code == 404 for v in vols):
        break
    time.sleep(2)
else:
    sys.exit('server or its boot volume not deleted in 120s')
ok = status == 'ACTIVE' and vinfo and all(v['volume_type'] == vtype and v['encrypted'] for v in vinfo)
sys.exit(0 if ok else 1)
