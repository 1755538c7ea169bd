"""keypair delete and keypair verify through the real openstack binary."""

from __future__ import annotations

from tests.functional import base


class DeleteTest(base.FunctionalTestCase):

    def make(self, cloud: str | None = None) -> str:
        name = self.unique_name('del')
        path = self.path(name)
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f', path)
        with open(path + '.pub') as f:
            base.connection(cloud or self.cloud).compute.create_keypair(
                name=name, public_key=f.read())
        return name

    def test_goes_on_past_a_missing_key_and_counts_failures(self):
        names = [self.make() for _ in range(3)]
        missing = self.unique_name('missing')
        result = self.openstack('keypair', 'delete', names[0], missing,
                                names[1], names[2], expect=1)
        self.assertCleanFailure(result, '1 of 4 keys failed to delete.',
                                f"Failed to delete key with name "
                                f"'{missing}'")
        for name in names:
            self.assertIsNone(self.nova_keypair(name))

    def test_an_invalid_name_does_not_stop_the_others(self):
        for extra in ([], ['--ignore-missing']):
            good = self.make()
            result = self.openstack('keypair', 'delete', *extra, good,
                                    'bad/name', expect=1)
            self.assertCleanFailure(result, '1 of 2 keys failed to delete.',
                                    "'bad/name'")
            self.assertIsNone(self.nova_keypair(good))

    def test_ignore_missing_counts_missing_as_deleted(self):
        name = self.make()
        self.openstack('keypair', 'delete', '--ignore-missing', name,
                       self.unique_name('missing'))
        self.assertIsNone(self.nova_keypair(name))

    def test_admin_deletes_another_users_key_pair(self):
        name = self.make(base.ALT)
        self.openstack('keypair', 'delete', name, '--user',
                       base.target().alt_user_name,
                       cloud=base.ADMIN)
        self.assertIsNone(self.nova_keypair(name, base.ALT))


class VerifyTest(base.FunctionalTestCase):

    def test_matching_and_mismatching_private_keys(self):
        name = self.unique_name('ver')
        key = self.path('mine')
        secret = self.secret('pass', 'verify-pw')
        self.openstack('keypair', 'create', name, '--private-key', key,
                       '--passphrase-file', secret)
        ok = self.openstack('keypair', 'verify', name, '--private-key', key,
                            '--passphrase-file', secret)
        self.assertIn('matches', ok.stdout)
        other = self.path('other')
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f', other)
        result = self.openstack('keypair', 'verify', name,
                                '--private-key', other, expect=1)
        self.assertCleanFailure(result, 'does not match')
        self.assertEqual(2, result.stderr.count('SHA256:'))

    def test_exit_codes_tell_no_answer_from_a_mismatch(self):
        name = self.unique_name('ver')
        key = self.path('mine')
        self.openstack('keypair', 'create', name, '--private-key', key)
        wrong_login = ['--os-password', 'not-the-password']
        for login, args, reason in (
                ([], [self.unique_name('missing'), '--private-key', key],
                 '404'),
                ([], [name, '--private-key', self.path('nothing')],
                 'does not exist'),
                ([], [name], '--private-key'),
                (wrong_login, [name, '--private-key', key], '401')):
            result = self.openstack(*login, 'keypair', 'verify', *args,
                                    expect=2)
            self.assertNotIn('Traceback', result.stderr)
            self.assertIn(reason, result.stderr)
