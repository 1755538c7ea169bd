"""The compute tier's flavor, image, network and demo quota.

Reads ``flavor``, ``image`` (names), ``quota`` and ``network`` (``name``,
``subnet``, ``cidr``, ``pool``) from stdin (JSON); waits for a hypervisor;
prints the flavor's, the image's and the network's IDs (JSON).
"""

import io
import json
import sys
import time

import openstack

cfg = json.load(sys.stdin)
conn = openstack.connect(cloud='devcloud-admin')
flavor = conn.compute.find_flavor(cfg['flavor']) or conn.compute.create_flavor(
    name=cfg['flavor'], ram=64, vcpus=1, disk=1, is_public=True)
image = conn.image.find_image(cfg['image'])
if image is None:
    image = conn.image.create_image(
        name=cfg['image'], data=io.BytesIO(b'\0' * 1024), disk_format='raw',
        container_format='bare', visibility='public', wait=True)
conn.set_compute_quotas('demo', **cfg['quota'])
# Shared, so that every user boots on it; no gateway (nothing routes), no
# DHCP (Neutron refuses DHCP on a loopback subnet, and no agent serves it).
net = cfg['network']
network = (conn.network.find_network(net['name'])
           or conn.network.create_network(name=net['name'], shared=True))
if not list(conn.network.subnets(network_id=network.id)):
    conn.network.create_subnet(
        name=net['subnet'], network_id=network.id, ip_version=4,
        cidr=net['cidr'], gateway_ip=None, enable_dhcp=False,
        allocation_pools=[{'start': net['pool'][0], 'end': net['pool'][1]}])
# The compute node is what the scheduler places servers on.
deadline = time.monotonic() + 60
while not list(conn.compute.hypervisors()):
    if time.monotonic() > deadline:
        sys.exit('no hypervisor is listed: see nova-compute.log')
    time.sleep(1)
print(json.dumps({'flavor_id': flavor.id, 'image_id': image.id,
                  'network_id': network.id}))
