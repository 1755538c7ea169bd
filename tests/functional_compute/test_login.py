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

from tests.functional import base
from tests.functional_compute.base import ComputeTestCase


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
