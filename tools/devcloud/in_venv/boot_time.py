"""How long the compute tier takes to boot a server, request to ACTIVE.

``OS_CLIENT_CONFIG_FILE=.devcloud/compute/clouds.yaml
.devcloud/compute/venv/bin/python tools/devcloud/in_venv/boot_time.py
<network name, or none> [<count>]``

Boots ``count`` servers (default 10) one after another as the demo user,
each on the network (a port, bound by devcloud_ml2) or with ``--nic none``,
polls every 0.1 s until ACTIVE, and deletes it. Prints the median, the
fastest and the slowest, for the contributor guide's figures.
"""

import statistics
import sys
import time

import openstack

network = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10
conn = openstack.connect(cloud='devcloud-demo')
image = conn.image.find_image('devcloud-image', ignore_missing=False)
flavor = conn.compute.find_flavor('devcloud-tiny', ignore_missing=False)
networks = 'none' if network == 'none' else [
    {'uuid': conn.network.find_network(network, ignore_missing=False).id}]
times = []
for i in range(count):
    started = time.monotonic()
    server = conn.compute.create_server(
        name=f'boot-time-{i}', image_id=image.id, flavor_id=flavor.id,
        networks=networks)
    try:
        conn.compute.wait_for_server(server, interval=0.1, wait=120)
        times.append(time.monotonic() - started)
    finally:
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, interval=0.5, wait=120)
print(f'{network}: {count} boots, median {statistics.median(times):.2f} s, '
      f'fastest {min(times):.2f} s, slowest {max(times):.2f} s')
