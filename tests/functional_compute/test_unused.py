"""Retire the unused: keypair delete --unused keeps the key pair a server
was booted with, on a real Nova that boots servers.

One server (no network: only its key_name matters), booted with one of
three key pairs of a unique prefix; a fourth key pair has another prefix.
"""

from __future__ import annotations

import uuid

from tests.functional import base
from tests.functional_compute.base import ComputeTestCase


class RetireUnusedTest(ComputeTestCase):

    def make(self, name: str) -> None:
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f',
                        self.path(name))
        with open(self.path(name) + '.pub') as f:
            base.connection(self.cloud).compute.create_keypair(
                name=name, public_key=f.read())

    def test_delete_unused_with_a_prefix_deletes_only_the_unused(self):
        tag = f'ret{uuid.uuid4().hex[:8]}'
        prefix = f'{base.target().prefix}-{tag}-'
        used, *spare = [self.unique_name(tag) for _ in range(3)]
        other = self.unique_name('other')
        for name in (used, *spare, other):
            self.make(name)
        server = self.boot(used, network=False)
        self.assertEqual(used, server.key_name)

        rows = self.openstack('keypair', 'list', '--unused', '-f',
                              'json').json()
        listed = {row['Name'] for row in rows}
        self.assertNotIn(used, listed)
        self.assertLessEqual({*spare, other}, listed)

        dry = self.openstack('keypair', 'delete', '--unused',
                             '--name-prefix', prefix, '--dry-run')
        self.assertEqual(sorted(f"Would delete key pair '{n}'"
                                for n in spare),
                         sorted(dry.stdout.splitlines()))
        result = self.openstack('keypair', 'delete', '--unused',
                                '--name-prefix', prefix)
        self.assertEqual(sorted(f"Deleted key pair '{n}'" for n in spare),
                         sorted(result.stdout.splitlines()))
        for name in spare:
            self.assertIsNone(self.nova_keypair(name))
        self.assertIsNotNone(self.nova_keypair(used))
        self.assertIsNotNone(self.nova_keypair(other))
        again = self.openstack('keypair', 'delete', '--unused',
                               '--name-prefix', prefix)
        self.assertEqual('No unused key pairs to delete\n', again.stdout)
