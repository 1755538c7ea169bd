"""keypair list --unused and keypair delete --unused through the real
openstack binary. The keypair tier boots no servers: every key pair there is
unused, so a unique name prefix keeps each test to its own key pairs (the
compute suite's test_unused.py proves a used one is kept)."""

from __future__ import annotations

import uuid

from tests.functional import base


class UnusedTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        tag = f'ret{uuid.uuid4().hex[:8]}'
        self.prefix = f'{base.target().prefix}-{tag}-'
        self.mine = [self.unique_name(tag) for _ in range(2)]
        self.other = self.unique_name('other')
        compute = base.connection(self.cloud).compute
        for name in self.mine + [self.other]:
            self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f',
                            self.path(name))
            with open(self.path(name) + '.pub') as f:
                compute.create_keypair(name=name, public_key=f.read())

    def nova_requests(self) -> list[str]:
        return [f'{ex.method} {ex.path.split("?")[0].rsplit("/", 1)[-1]}'
                for ex in self.nova_proxy.exchanges
                if 'os-keypairs' in ex.path or '/servers' in ex.path]

    def test_list_unused_is_list_of_the_unused_in_two_requests(self):
        plain = self.openstack('keypair', 'list', '-f', 'json').json()
        self.nova_proxy.exchanges.clear()
        rows = self.openstack('keypair', 'list', '--unused', '-f',
                              'json').json()
        self.assertEqual(['GET os-keypairs', 'GET detail'],
                         self.nova_requests())
        self.assertEqual(set(plain[0]), set(rows[0]))  # the same columns
        listed = {row['Name'] for row in rows}
        self.assertLessEqual(set(self.mine + [self.other]), listed)

    def test_delete_unused_with_a_prefix_dry_run_then_for_real(self):
        result = self.openstack('keypair', 'delete', '--unused',
                                '--name-prefix', self.prefix, '--dry-run')
        self.assertEqual(sorted(f"Would delete key pair '{n}'"
                                for n in self.mine),
                         sorted(result.stdout.splitlines()))
        for name in self.mine + [self.other]:
            self.assertIsNotNone(self.nova_keypair(name))

        self.nova_proxy.exchanges.clear()
        result = self.openstack('keypair', 'delete', '--unused',
                                '--name-prefix', self.prefix)
        self.assertEqual(sorted(f"Deleted key pair '{n}'"
                                for n in self.mine),
                         sorted(result.stdout.splitlines()))
        self.assertEqual(['GET os-keypairs', 'GET detail']
                         + ['DELETE ' + n for n in sorted(self.mine)],
                         self.nova_requests()[:2]
                         + sorted(self.nova_requests()[2:]))
        for name in self.mine:
            self.assertIsNone(self.nova_keypair(name))
        self.assertIsNotNone(self.nova_keypair(self.other))

    def test_older_than_asks_each_key_pairs_age(self):
        self.nova_proxy.exchanges.clear()
        result = self.openstack('keypair', 'delete', '--unused',
                                '--name-prefix', self.prefix,
                                '--older-than', '1')
        self.assertEqual('No unused key pairs to delete\n', result.stdout)
        # Nova lists no created_at: one GET each, no server listing.
        self.assertEqual(['GET os-keypairs']
                         + [f'GET {n}' for n in sorted(self.mine)],
                         self.nova_requests()[:1]
                         + sorted(self.nova_requests()[1:]))
        result = self.openstack('keypair', 'delete', '--unused',
                                '--name-prefix', self.prefix,
                                '--older-than', '0', '--dry-run')
        self.assertEqual(2, len(result.stdout.splitlines()), result.stdout)
        for name in self.mine:
            self.assertIsNotNone(self.nova_keypair(name))

    def test_bad_input_is_one_line_and_deletes_nothing(self):
        for value in ('-1', 'soon'):
            result = self.openstack('keypair', 'delete', '--unused',
                                    '--name-prefix', self.prefix,
                                    '--older-than', value, expect=1)
            self.assertCleanFailure(result, '--older-than takes a number '
                                            'of days, 0 or more')
            self.assertEqual(1, len(result.stderr.strip().splitlines()))
        result = self.openstack('keypair', 'delete', '--unused',
                                self.mine[0], expect=2)
        self.assertIn('not allowed with', result.stderr)
        result = self.openstack('keypair', 'delete', self.mine[0],
                                '--dry-run', expect=1)
        self.assertCleanFailure(result, '--dry-run goes with --unused')
        result = self.openstack('keypair', 'list', '--unused', '--project',
                                'x', expect=1)
        self.assertCleanFailure(result, '--project is not compatible with '
                                        '--unused')
        for name in self.mine + [self.other]:
            self.assertIsNotNone(self.nova_keypair(name))
