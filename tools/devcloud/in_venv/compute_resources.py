"""The compute tier's flavor, image and demo quota; waits for a hypervisor.

Reads ``flavor``, ``image`` (names) and ``quota`` from stdin (JSON); prints
the flavor's and the image's IDs (JSON).
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
# The compute node is what the scheduler places servers on.
deadline = time.monotonic() + 60
while not list(conn.compute.hypervisors()):
    if time.monotonic() > deadline:
        sys.exit('no hypervisor is listed: see nova-compute.log')
    time.sleep(1)
print(json.dumps({'flavor_id': flavor.id, 'image_id': image.id}))
