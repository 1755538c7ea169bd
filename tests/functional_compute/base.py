"""What the compute suite shares: booting servers and being their guest.

On the devcloud's compute tier the tests play the guest's part (cloud-init,
cloudbase-init) through the real metadata API, signed as its networking
proxy signs; on any other cloud servers boot from what
``KEYPAIRS_FUNCTIONAL_IMAGE``, ``_FLAVOR`` and ``_NETWORK`` name.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import urllib.request
import uuid

from tests.functional import base
from tests.functional import sshd


#: What servers boot from on a cloud other than the devcloud: DevStack's.
BOOT_DEFAULTS = {'image': 'cirros-0.6.3-x86_64-disk', 'flavor': 'm1.tiny',
                 'network': 'private'}


def compute_info() -> dict:
    """What servers boot from, and on the devcloud its metadata API."""
    if not base.target().devcloud:
        return {what: os.environ.get(f'KEYPAIRS_FUNCTIONAL_{what.upper()}',
                                     default)
                for what, default in BOOT_DEFAULTS.items()}
    with open(os.environ['DEVCLOUD_COMPUTE_INFO']) as f:
        return {**json.load(f), 'network': None}


class ComputeTestCase(base.FunctionalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.info = compute_info()
        cls.server_host = sshd.SSHServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.server_host.stop()
        super().tearDownClass()

    def boot(self, key_name: str, cloud: str | None = None):
        conn = base.connection(cloud or self.cloud)
        image = conn.image.find_image(self.info['image'],
                                      ignore_missing=False)
        flavor = conn.compute.find_flavor(self.info['flavor'],
                                          ignore_missing=False)
        if self.info['network']:
            network = conn.network.find_network(self.info['network'],
                                                ignore_missing=False)
            networks: str | list = [{'uuid': network.id}]
        else:
            networks = 'none'
        server = conn.compute.create_server(
            name=f'{base.target().prefix}-srv-{uuid.uuid4().hex[:8]}',
            image_id=image.id, flavor_id=flavor.id, key_name=key_name,
            networks=networks)
        self.addCleanup(self._delete_server, conn, server)
        return conn.compute.wait_for_server(server, wait=120, interval=1)

    @staticmethod
    def _delete_server(conn, server) -> None:
        try:
            conn.compute.delete_server(server, ignore_missing=True)
        except Exception:  # noqa: S110 - cleanup must not fail a test
            pass

    def metadata(self, server, path: str, post: bytes | None = None) -> str:
        """The metadata API as its networking proxy lets the guest use it.

        A GET by default, as cloud-init reads; with ``post``, a POST of
        those bytes, as cloudbase-init posts the password.
        """
        if 'metadata_secret' not in self.info:
            self.skipTest('using the metadata API as a guest needs the '
                          "devcloud's metadata secret")
        signature = hmac.new(self.info['metadata_secret'].encode(),
                             server.id.encode(), hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            self.info['metadata_url'].rstrip('/') + path, data=post,
            method='POST' if post is not None else 'GET',
            headers={'X-Instance-ID': server.id,
                     'X-Tenant-ID': server.project_id,
                     'X-Instance-ID-Signature': signature})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode()

    def authorized_keys_from_metadata(self, server) -> list[str]:
        """What cloud-init would write into ~/.ssh/authorized_keys."""
        meta = json.loads(self.metadata(server,
                                        '/openstack/latest/meta_data.json'))
        ec2_key = self.metadata(server,
                                '/latest/meta-data/public-keys/0/openssh-key')
        keys = list(meta.get('public_keys', {}).values())
        self.assertEqual([ec2_key.strip()], [k.strip() for k in keys])
        return keys

    def ssh_in(self, server, *extra: str, expect: int = 0):
        return self.openstack(
            'keypair', 'ssh', server.id, '--address', '127.0.0.1',
            '--port', str(self.server_host.port),
            '--login', getpass.getuser(), *extra,
            '-o', 'StrictHostKeyChecking=no',
            '-o', 'UserKnownHostsFile=/dev/null', '--option', 'BatchMode=yes',
            '--', 'echo', 'ok', expect=expect)
