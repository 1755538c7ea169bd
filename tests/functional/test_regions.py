"""--region and --all-regions through the real ``openstack`` binary, over
two regions of one cloud (the devcloud serves RegionOne and RegionTwo, each
a Nova of its own). Skipped, saying why, on a cloud with one region.

The SDK only arranges state (a different key in one region, a quota of 0)
and checks what each region's Nova holds after.
"""

from __future__ import annotations

import os

from keypairs_osc import keys
from tests.functional import base
from tools import loopback_proxy as proxy


def _public_key() -> str:
    return keys.public_key_of(keys.generate('ed25519')).openssh


class RegionsTestCase(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.one, self.two = base.two_regions(self)
        self.both = ('--region', self.one, '--region', self.two)

    def in_region(self, region: str, name: str, cloud: str | None = None):
        return self.nova_keypair(name, cloud, region)

    def put(self, region: str, name: str, public_key: str) -> None:
        """A key pair made in one region through the SDK."""
        base.connection_in(self.cloud, region).compute.create_keypair(
            name=name, public_key=public_key)


class RegionsTest(RegionsTestCase):

    def test_create_to_a_file_one_key_in_both_regions(self):
        name = self.unique_name('reg')
        key = self.path('id')
        shown = self.openstack('keypair', 'create', name, *self.both,
                               '--private-key', key, '-f', 'json').json()
        self.assertEqual([self.one, self.two], shown['regions'])
        self.assertPrivateFile(key)
        derived = self.ssh_keygen('-y', '-f', key).split()[1]
        for region in (self.one, self.two):
            stored = self.in_region(region, name)
            self.assertIsNotNone(stored, f'not in {region}')
            self.assertEqual(derived, stored.public_key.split()[1])
        listed = self.openstack('keypair', 'list', '--long', *self.both,
                                '-f', 'json').json()
        local = {row['Region']: row['Local Key'] for row in listed
                 if row['Name'] == name}
        self.assertEqual({self.one: key, self.two: key}, local,
                         'the record notes both regions')

    def test_import_into_both_exist_ok_per_region(self):
        name = self.unique_name('reg')
        public = _public_key()
        path = self.write('id.pub', public)
        self.openstack('keypair', 'import', name, '--region', self.one,
                       '--public-key', path)
        self.assertIsNone(self.in_region(self.two, name))
        shown = self.openstack('keypair', 'import', name, *self.both,
                               '--exist-ok', '--public-key', path,
                               '-f', 'json').json()
        self.assertEqual([self.one, self.two], shown['regions'])
        self.assertEqual(public.split()[1],
                         self.in_region(self.two, name).public_key.split()[1])

    def test_import_exist_ok_refuses_another_key_in_one_region(self):
        name = self.unique_name('reg')
        self.put(self.two, name, _public_key())
        path = self.write('id.pub', _public_key())
        result = self.openstack('keypair', 'import', name, *self.both,
                                '--exist-ok', '--public-key', path,
                                '-f', 'json', expect=1)
        self.assertEqual([self.one], result.json()['regions'])
        self.assertEqual(
            [f"region {self.two}: key pair '{name}': already exists with a "
             'different public key'],
            [line.split(' (')[0] for line in result.stderr.splitlines()])

    def test_list_shows_regions_and_drift(self):
        same, drifted, lonely = (self.unique_name('same'),
                                 self.unique_name('drift'),
                                 self.unique_name('lonely'))
        path = self.write('id.pub', _public_key())
        for name in (same, drifted):
            self.openstack('keypair', 'import', name, *self.both,
                           '--public-key', path)
        self.openstack('keypair', 'import', lonely, '--region', self.one,
                       '--public-key', path)
        # The drift: another key under the same name in one region.
        base.connection_in(self.cloud, self.two).compute.delete_keypair(
            drifted)
        self.put(self.two, drifted, _public_key())
        rows = self.openstack('keypair', 'list', '--long', *self.both,
                              '-f', 'json').json()
        drift = {(row['Region'], row['Name']): row['Drift'] for row in rows
                 if row['Name'] in (same, drifted, lonely)}
        self.assertEqual({
            (self.one, same): '', (self.two, same): '',
            (self.one, drifted): 'fingerprint differs',
            (self.two, drifted): 'fingerprint differs',
            (self.one, lonely): f'missing in {self.two}',
        }, drift)
        plain = self.openstack('keypair', 'list', '--all-regions',
                               '-f', 'json').json()
        self.assertEqual(['Region', 'Name', 'Fingerprint', 'Type'],
                         list(plain[0]))

    def test_show_an_entry_per_region(self):
        name = self.unique_name('reg')
        path = self.write('id.pub', _public_key())
        self.openstack('keypair', 'import', name, *self.both,
                       '--public-key', path)
        entries = self.openstack('keypair', 'show', name, *self.both,
                                 '-f', 'json').json()
        self.assertEqual([self.one, self.two],
                         [entry['region'] for entry in entries])
        self.assertEqual(1, len({entry['fingerprint'] for entry in entries}))
        table = self.openstack('keypair', 'show', name, *self.both).stdout
        self.assertEqual(2, table.count('| Field '))

    def test_verify_per_region(self):
        name = self.unique_name('reg')
        key = self.path('id')
        self.openstack('keypair', 'create', name, *self.both,
                       '--private-key', key)
        matched = self.openstack('keypair', 'verify', name, *self.both,
                                 '--private-key', key)
        self.assertEqual([f'region {self.one}', f'region {self.two}'],
                         [line.split(':')[0]
                          for line in matched.stdout.splitlines()])
        base.connection_in(self.cloud, self.two).compute.delete_keypair(name)
        self.put(self.two, name, _public_key())
        differs = self.openstack('keypair', 'verify', name, *self.both,
                                 '--private-key', key, expect=1)
        self.assertIn(f'region {self.one}: private key', differs.stdout)
        self.assertTrue(differs.stderr.startswith(f'region {self.two}: '),
                        differs.stderr)
        self.assertIn('does not match', differs.stderr)

    def test_delete_in_both_regions(self):
        name = self.unique_name('reg')
        path = self.write('id.pub', _public_key())
        self.openstack('keypair', 'import', name, *self.both,
                       '--public-key', path)
        self.openstack('keypair', 'delete', name, *self.both)
        for region in (self.one, self.two):
            self.assertIsNone(self.in_region(region, name), region)

    def test_an_unknown_region_is_one_line_naming_the_known(self):
        result = self.openstack('keypair', 'list', '--region', 'Atlantis',
                                expect=1)
        self.assertCleanFailure(result, "unknown region 'Atlantis'",
                                self.one, self.two)
        self.assertEqual(1, len(result.stderr.strip().splitlines()))


class RegionRefusesTest(RegionsTestCase):
    """A create the second region refuses leaves nothing anywhere."""

    def setUp(self):
        super().setUp()
        limited = base.LimitedUser.create(self, 'regions', key_pairs=10)
        # Keystone may be in one region only: compute's own call.
        base.connection_in(base.ADMIN, self.two).compute.update_quota_set(
            limited.project.id, force=True, key_pairs=0)
        self.add_cloud('limited', limited)
        self.limited = limited

    def test_quota_0_in_the_second_region_nothing_kept(self):
        name = self.unique_name('reg')
        key = self.path('id')
        result = self.openstack('keypair', 'create', name, *self.both,
                                '--private-key', key, cloud='limited',
                                expect=1)
        self.assertCleanFailure(result, f'region {self.two}', 'quota',
                                f'deleted again from {self.one}',
                                'nothing was kept')
        self.assertEqual(1, len(result.stderr.strip().splitlines()))
        self.assertFalse(os.path.exists(key))
        self.assertEqual([], self.listdir())
        for region in (self.one, self.two):
            keypairs = [k.name for k in base.run_cloud.user_keypairs(
                base.connection_in(base.ADMIN, region),
                self.limited.user.id)]
            self.assertEqual([], keypairs, f'left in {region}')


class RegionUnreachableTest(RegionsTestCase):
    """The fault proxy makes one region unreachable in mid-command."""

    def unreachable(self, region: str, method: str) -> None:
        self.region_proxy(region).rule = (
            lambda m, path: 'drop' if m == method else None)

    def test_mid_list_the_other_region_is_shown(self):
        name = self.unique_name('reg')
        path = self.write('id.pub', _public_key())
        self.openstack('keypair', 'import', name, *self.both,
                       '--public-key', path)
        self.unreachable(self.two, 'GET')
        result = self.openstack('keypair', 'list', *self.both, '-f', 'json',
                                expect=1)
        regions = {row['Region'] for row in result.json()
                   if row['Name'] == name}
        self.assertEqual({self.one}, regions)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(1, len(lines), result.stderr)
        self.assertTrue(lines[0].startswith(f'region {self.two}: key pairs: '),
                        lines[0])
        self.assertIn('connect', lines[0])

    def test_mid_delete_counts_the_pair_that_failed(self):
        name = self.unique_name('reg')
        path = self.write('id.pub', _public_key())
        self.openstack('keypair', 'import', name, *self.both,
                       '--public-key', path)
        front = self.region_proxy(self.two)
        front.rule = proxy.every('DELETE', '/os-keypairs/', 'drop')
        result = self.openstack('keypair', 'delete', name, *self.both,
                                expect=1)
        self.assertCleanFailure(result, '1 of 2 keys failed to delete.',
                                f"'{name}' in region {self.two}")
        self.assertIsNone(self.in_region(self.one, name))
        front.rule = None
        self.assertIsNotNone(self.in_region(self.two, name))
