"""nova-compute, its fake driver pinned to the host and given consoles.

``python nova-compute.py <compute_id file> <host> <console dir>
<nova-compute arguments>``

nova.virt.fake takes its node UUID from a sentinel that is random in each
process, and nova-compute refuses to start on a host whose node changed
("Duplicate compute node record"): a second ``up`` would fail. The sentinel
is pinned to the node identity nova keeps in state_path/compute_id.

The fake driver answers every console request with one fixed text. Here an
instance's console output is the file ``<console dir>/<instance uuid>``
when there is one (a test writes it, as the guest would print it), its
last 100 KiB as bytes, as the libvirt driver reads its console log; Nova's
compute manager then takes the requested tail and decodes it as it does for
every driver. Without a file, the fake driver's own text.
"""

import os
import sys

from oslo_utils.fixture import uuidsentinel

compute_id, host, console_dir = sys.argv[1:4]
with open(compute_id) as f:
    uuidsentinel._sentinels['node_' + host] = f.read().strip()
from nova.cmd.compute import main  # noqa: E402  (the sentinel first)
from nova.virt import fake  # noqa: E402  (after nova.cmd's set-up)

MAX_CONSOLE_BYTES = 100 * 1024  # as nova.virt.libvirt.driver
fake_console_output = fake.FakeDriver.get_console_output


def get_console_output(self, context, instance):
    path = os.path.join(console_dir, instance.uuid)
    try:
        with open(path, 'rb') as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - MAX_CONSOLE_BYTES))
            return f.read()
    except FileNotFoundError:
        return fake_console_output(self, context, instance)


fake.FakeDriver.get_console_output = get_console_output
sys.argv[:4] = [os.path.join(os.path.dirname(sys.executable), 'nova-compute')]
sys.exit(main())
