"""One authenticated call per user (and service) before tests start.

It warms every token cache and proves the whole chain (token, catalog,
policy). Reads ``{"compute_tier": bool}`` from stdin: that tier also has
servers, images and ports to list.
"""

import json
import sys

import openstack

compute_tier = json.load(sys.stdin).get('compute_tier')
for cloud in ('devcloud-admin', 'devcloud-demo', 'devcloud-demo2'):
    conn = openstack.connect(cloud=cloud)
    list(conn.compute.keypairs())
    if compute_tier:
        list(conn.compute.servers())
        list(conn.image.images())
        list(conn.network.ports())
