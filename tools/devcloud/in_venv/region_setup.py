"""The compute endpoints of the keypair tier's extra regions in Keystone.

Reads from stdin (JSON): ``auth_url``, ``admin_password``, ``service_type``
and ``regions``, a map of region name to the compute URL it should have,
or to null when the region is not served (its endpoints go, the region
stays). Idempotent: a region's endpoints are replaced only when their URL
changed.

A served region also lists the one Keystone (``auth_url``) as its identity
service, as clouds of several regions sharing one Keystone do: clients
asked for that region (``--os-region-name``) look Keystone up in it.
"""

import json
import sys

import openstack

cfg = json.load(sys.stdin)
conn = openstack.connect(
    auth_url=cfg['auth_url'], username='admin',
    password=cfg['admin_password'], project_name='admin',
    user_domain_id='default', project_domain_id='default',
    region_name='RegionOne')
idn = conn.identity
services = {s.type: s for s in idn.services()}


def ensure_endpoints(service, region: str, url: str | None) -> None:
    """``service``'s endpoints in ``region`` all at ``url``, or none."""
    present = [e for e in idn.endpoints(service_id=service.id)
               if e.region_id == region]
    if url and present and all(e.url == url for e in present):
        return
    for endpoint in present:
        idn.delete_endpoint(endpoint)
    if url:
        for iface in ('public', 'internal', 'admin'):
            idn.create_endpoint(service_id=service.id, interface=iface,
                                url=url, region_id=region)


for region, url in cfg['regions'].items():
    if url and not idn.find_region(region):
        idn.create_region(id=region, description=f'devcloud {region}')
    ensure_endpoints(services[cfg['service_type']], region, url)
    ensure_endpoints(services['identity'], region,
                     cfg['auth_url'] if url else None)
print(json.dumps({'regions': sorted(r for r, u in cfg['regions'].items()
                                    if u)}))
