"""nova-compute, its fake driver's node pinned to the host's identity.

``python nova-compute.py <compute_id file> <host> <nova-compute arguments>``

nova.virt.fake takes its node UUID from a sentinel that is random in each
process, and nova-compute refuses to start on a host whose node changed
("Duplicate compute node record"): a second ``up`` would fail. The sentinel
is pinned to the node identity nova keeps in state_path/compute_id.
"""

import os
import sys

from oslo_utils.fixture import uuidsentinel

compute_id, host = sys.argv[1:3]
with open(compute_id) as f:
    uuidsentinel._sentinels['node_' + host] = f.read().strip()
from nova.cmd.compute import main  # noqa: E402  (the sentinel first)

sys.argv[:3] = [os.path.join(os.path.dirname(sys.executable), 'nova-compute')]
sys.exit(main())
