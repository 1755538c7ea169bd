"""Wait until the given Nova services are up, as seen since they started.

Reads ``binaries``, ``since`` (a time stamp) and ``timeout`` (s) from stdin
(JSON). A service counts once it reports "up" with a heartbeat sent since
``since`` (a record from before a restart looks up too). Exits 3, printing
the services still missing, when ``timeout`` passes.
"""

import datetime
import json
import sys
import time

import openstack

cfg = json.load(sys.stdin)
conn = openstack.connect(cloud='devcloud-admin')
deadline = time.monotonic() + cfg['timeout']


def fresh(service):
    if service.state != 'up' or not service.updated_at:
        return False
    seen = datetime.datetime.fromisoformat(service.updated_at.rstrip('Z'))
    seen = seen.replace(tzinfo=datetime.UTC)
    return seen.timestamp() >= cfg['since']


while True:
    try:
        up = {s.binary for s in conn.compute.services() if fresh(s)}
        missing = sorted(set(cfg['binaries']) - up)
    except Exception as exc:
        missing = [f'the compute API ({exc})']
    if not missing:
        sys.exit(0)
    if time.monotonic() > deadline:
        print(', '.join(missing))
        sys.exit(3)
    time.sleep(1)
