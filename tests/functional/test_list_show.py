"""keypair list and keypair show through the real openstack binary."""

from __future__ import annotations

from tests.functional import base


class ListShowTest(base.FunctionalTestCase):

    def make_keypairs(self, count: int, cloud: str | None = None):
        conn = base.connection(cloud or self.cloud)
        made = []
        for _ in range(count):
            name = self.unique_name('ls')
            path = self.path(name)
            self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f', path)
            with open(path + '.pub') as f:
                conn.compute.create_keypair(name=name, public_key=f.read())
            made.append(name)
        return made

    def test_limit_and_marker_work_without_a_pinned_version(self):
        first, second = sorted(self.make_keypairs(2))
        page = self.openstack('keypair', 'list', '--limit', '1',
                              '--marker', first, '-f', 'json').json()
        names = [row['Name'] for row in page]
        self.assertNotIn(first, names)
        self.assertTrue(names, 'the page after the marker is empty')
        self.assertTrue(all(n > first for n in names))

    def test_columns_are_cores_and_long_adds_sha256(self):
        (name,) = self.make_keypairs(1)
        rows = self.openstack('keypair', 'list', '-f', 'json').json()
        self.assertEqual({'Name', 'Fingerprint', 'Type'}, set(rows[0]))
        long_rows = self.openstack('keypair', 'list', '--long',
                                   '-f', 'json').json()
        row = next(r for r in long_rows if r['Name'] == name)
        keygen = self.ssh_keygen('-l', '-f', self.path(name) + '.pub')
        self.assertEqual(keygen.split()[1], row['Fingerprint (SHA256)'])
        self.assertEqual('ssh-ed25519', row['Algorithm'])
        self.assertEqual(256, row['Bits'])
        self.assertTrue(row['User ID'])

    def test_pinned_version_too_old_for_limit_says_so(self):
        result = self.openstack('--os-compute-api-version', '2.1',
                                'keypair', 'list', '--limit', '1', expect=1)
        self.assertCleanFailure(result, '2.35', '--os-compute-api-version')

    def test_show_public_key_prints_the_bare_key(self):
        (name,) = self.make_keypairs(1)
        result = self.openstack('keypair', 'show', name, '--public-key')
        with open(self.path(name) + '.pub') as f:
            self.assertEqual(f.read().split()[1], result.stdout.split()[1])

    def test_show_public_key_is_one_line_in_every_format(self):
        names = self.make_keypairs(2)
        for fmt in ('json', 'value', 'shell'):
            keys = ''.join(
                self.openstack('keypair', 'show', name, '--public-key',
                               '-f', fmt).stdout for name in names)
            lines = keys.splitlines()
            self.assertEqual(2, len(lines), fmt)
            for name, line in zip(names, lines, strict=True):
                self.assertEqual(self.nova_keypair(name).public_key.strip(),
                                 line)
            self.assertTrue(keys.endswith('\n'))

    def test_limit_0_lists_everything_as_core_does(self):
        names = self.make_keypairs(2)
        rows = self.openstack('keypair', 'list', '--limit', '0',
                              '-f', 'json').json()
        self.assertLessEqual(set(names), {r['Name'] for r in rows})

    def test_show_missing_is_one_line(self):
        name = self.unique_name()
        result = self.openstack('keypair', 'show', name, expect=1)
        self.assertCleanFailure(result, f"key pair '{name}'", '404')


class AdminListTest(ListShowTest):
    cloud = base.ADMIN

    def test_admin_lists_another_users_and_a_projects_key_pairs(self):
        (mine,) = self.make_keypairs(1, base.ALT)
        rows = self.openstack('keypair', 'list', '--user',
                              base.target().alt_user_name,
                              '-f', 'json').json()
        self.assertIn(mine, [r['Name'] for r in rows])
        rows = self.openstack('keypair', 'list', '--project',
                              base.target().project_name,
                              '--long', '-f', 'json').json()
        row = next(r for r in rows if r['Name'] == mine)
        demo2_id = base.connection(base.ALT).current_user_id
        self.assertEqual(demo2_id, row['User ID'])

    def test_show_as_admin_for_another_user(self):
        (mine,) = self.make_keypairs(1, base.ALT)
        shown = self.openstack('keypair', 'show', mine, '--user',
                               base.target().alt_user_name,
                               '-f', 'json').json()
        self.assertEqual(base.connection(base.ALT).current_user_id,
                         shown['user_id'])

    def test_project_with_marker_is_refused(self):
        result = self.openstack('keypair', 'list', '--project',
                                base.target().project_name,
                                '--marker', 'x', expect=1)
        self.assertCleanFailure(result,
                                '--project is not compatible with --marker')


class NonAdminTest(base.FunctionalTestCase):

    def test_non_admin_listing_another_user_is_forbidden(self):
        base.require(self, base.ALT)
        result = self.openstack('keypair', 'list', '--user',
                                base.target().alt_user_name, expect=1)
        self.assertCleanFailure(result, 'key pairs of user', 'HTTP 403')
