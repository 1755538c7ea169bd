"""From key pair to login, on a real Nova that boots servers.

Runs against the devcloud's compute tier (``tools/devcloud.py up
--compute``): Keystone, Nova (API, conductor, scheduler, compute with the
fake virt driver, metadata API), Placement, Glance and Neutron, all real.
A key pair made with the plugin boots a server; its key is read back from
the metadata API as cloud-init reads it and put into the authorized_keys of
a real sshd, and ``openstack keypair ssh`` logs in.

Against any other cloud (``OS_CLOUD``), servers boot from the image, flavor
and network that ``KEYPAIRS_FUNCTIONAL_IMAGE``, ``_FLAVOR`` and ``_NETWORK``
name (DevStack's by default); the steps that read the metadata API with the
devcloud's own secret, or log in through the devcloud's loopback sshd, are
skipped there, saying so.
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

    def metadata(self, server, path: str) -> str:
        """Read the metadata API as the networking proxy lets cloud-init."""
        if 'metadata_secret' not in self.info:
            self.skipTest('reading the metadata API as a guest needs the '
                          "devcloud's metadata secret")
        signature = hmac.new(self.info['metadata_secret'].encode(),
                             server.id.encode(), hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            self.info['metadata_url'].rstrip('/') + path,
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


class FromKeyPairToLoginTest(ComputeTestCase):

    def test_create_boot_read_metadata_and_log_in(self):
        name = self.unique_name('login')
        key = self.path('id')
        self.openstack('keypair', 'create', name, '--private-key', key)
        server = self.boot(name)
        self.assertEqual(name, server.key_name)
        self.server_host.authorize(self.authorized_keys_from_metadata(server))
        result = self.ssh_in(server)
        self.assertEqual('ok', result.stdout.strip())
        shown = self.openstack('keypair', 'show', name, '-f', 'json').json()
        self.assertEqual([f'{server.name} ({server.id})'], shown['servers'])
        rows = self.openstack('keypair', 'list', '--long', '-f',
                              'json').json()
        row = next(r for r in rows if r['Name'] == name)
        self.assertEqual(key, row['Local Key'])

    def test_rebuild_with_another_key_is_followed(self):
        first, second = self.unique_name('rot'), self.unique_name('rot')
        self.openstack('keypair', 'create', first, '--private-key',
                       self.path('first'))
        self.openstack('keypair', 'create', second, '--private-key',
                       self.path('second'))
        server = self.boot(first)
        conn = base.connection(self.cloud)
        image = conn.image.find_image(self.info['image'],
                                      ignore_missing=False)
        self.openstack('--os-compute-api-version', '2.54', 'server',
                       'rebuild', '--key-name', second, '--image', image.id,
                       '--wait', server.id)
        server = conn.compute.get_server(server.id)
        self.assertEqual(second, server.key_name)
        keys = self.authorized_keys_from_metadata(server)
        stored = self.nova_keypair(second).public_key
        self.assertEqual(stored.split()[1], keys[0].split()[1])
        shown = self.openstack('keypair', 'show', first, '-f', 'json').json()
        self.assertEqual([], shown['servers'])
        shown = self.openstack('keypair', 'show', second, '-f',
                               'json').json()
        self.assertEqual([f'{server.name} ({server.id})'], shown['servers'])
        self.server_host.authorize(keys)
        self.assertEqual('ok', self.ssh_in(server).stdout.strip())

    def test_same_name_of_another_user_claims_no_servers(self):
        name = self.unique_name('same')
        self.openstack('keypair', 'create', name, '--private-key',
                       self.path('mine'))
        server = self.boot(name)
        self.openstack('keypair', 'create', name, '--private-key',
                       self.path('theirs'), cloud=base.ALT)
        theirs = self.openstack('keypair', 'show', name, '-f', 'json',
                                cloud=base.ALT).json()
        self.assertEqual([], theirs['servers'])
        mine = self.openstack('keypair', 'show', name, '-f', 'json').json()
        self.assertEqual([f'{server.name} ({server.id})'], mine['servers'])

    def test_deleted_in_use_key_pair_still_logs_the_owner_in(self):
        name = self.unique_name('gone')
        self.openstack('keypair', 'create', name, '--private-key',
                       self.path('id'))
        server = self.boot(name)
        skipped = self.openstack('keypair', 'delete', name, '--if-unused')
        self.assertIn('Skipped', skipped.stderr)
        self.assertIsNotNone(self.nova_keypair(name))
        deleted = self.openstack('keypair', 'delete', name)
        self.assertIn(server.id, deleted.stderr)
        self.assertIsNone(self.nova_keypair(name))
        self.server_host.authorize(self.authorized_keys_from_metadata(server))
        self.assertEqual('ok', self.ssh_in(server).stdout.strip())

    def test_wrong_identity_is_refused(self):
        name = self.unique_name('wrong')
        self.openstack('keypair', 'create', name, '--private-key',
                       self.path('id'))
        server = self.boot(name)
        other = self.path('other')
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f', other)
        result = self.ssh_in(server, '--identity', other, expect=1)
        self.assertCleanFailure(result, 'is not the private key')
