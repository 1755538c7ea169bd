"""keypair create through the real openstack binary."""

from __future__ import annotations

import os

from tests.functional import base


def _blob(openssh_line: str) -> str:
    return openssh_line.split()[1]


class CreateToFileTest(base.FunctionalTestCase):

    def test_saved_key_matches_nova_and_ssh_keygen(self):
        name = self.unique_name()
        key = self.path('id_test')
        created = self.openstack('keypair', 'create', name,
                                 '--private-key', key, '-f', 'json').json()
        # The same fields as core prints.
        self.assertEqual({'created_at', 'fingerprint', 'id', 'is_deleted',
                          'name', 'type', 'user_id'}, set(created))
        self.assertPrivateFile(key)
        stored = self.nova_keypair(name)
        self.assertEqual(created['fingerprint'], stored.fingerprint)
        derived = self.ssh_keygen('-y', '-f', key)
        self.assertEqual(_blob(stored.public_key), _blob(derived))
        with open(key + '.pub') as f:
            self.assertEqual(_blob(stored.public_key), _blob(f.read()))
        shown = self.openstack('keypair', 'show', name, '-f', 'json').json()
        keygen_line = self.ssh_keygen('-l', '-E', 'sha256', '-f', key)
        self.assertEqual(keygen_line.split()[1], shown['fingerprint_sha256'])
        self.assertEqual('ssh-ed25519', shown['algorithm'])

    def test_rsa_pem_with_passphrase_opens_with_ssh_keygen(self):
        name = self.unique_name()
        key = self.path('id_rsa')
        secret = self.secret('pass', 'correct horse battery\n')
        self.openstack('keypair', 'create', name, '--private-key', key,
                       '--key-type', 'rsa', '--key-size', '2048',
                       '--private-key-format', 'pem',
                       '--passphrase-file', secret,
                       '--comment', 'me@laptop')
        self.assertPrivateFile(key)
        with open(key) as f:
            text = f.read()
        self.assertIn('BEGIN RSA PRIVATE KEY', text)
        self.assertIn('ENCRYPTED', text)
        derived = self.ssh_keygen('-y', '-f', key,
                                  passphrase='correct horse battery')
        stored = self.nova_keypair(name)
        self.assertEqual(_blob(stored.public_key), _blob(derived))
        self.assertTrue(stored.public_key.strip().endswith('me@laptop'))

    def test_ecdsa_openssh_with_passphrase_opens_with_ssh_keygen(self):
        name = self.unique_name()
        key = self.path('id_ecdsa')
        secret = self.secret('pass', 'sesame')
        self.openstack('keypair', 'create', name, '--private-key', key,
                       '--key-type', 'ecdsa', '--key-size', '384',
                       '--passphrase-file', secret)
        with open(key) as f:
            self.assertIn('BEGIN OPENSSH PRIVATE KEY', f.read())
        derived = self.ssh_keygen('-y', '-f', key, passphrase='sesame')
        self.assertTrue(derived.startswith('ecdsa-sha2-nistp384 '))
        self.assertEqual(_blob(self.nova_keypair(name).public_key),
                         _blob(derived))
        fingerprint = self.ssh_keygen('-l', '-f', key + '.pub').split()[1]
        shown = self.openstack('keypair', 'show', name, '-f', 'value',
                               '-c', 'fingerprint_sha256')
        self.assertEqual(fingerprint, shown.stdout.strip())

    def test_existing_key_file_is_never_overwritten(self):
        name = self.unique_name()
        key = self.write('id_old', 'OLD PRIVATE KEY\n', mode=0o600)
        result = self.openstack('keypair', 'create', name,
                                '--private-key', key, expect=1)
        self.assertCleanFailure(result, 'already exists', '--force')
        with open(key) as f:
            self.assertEqual('OLD PRIVATE KEY\n', f.read())
        self.assertIsNone(self.nova_keypair(name))

    def test_force_keeps_the_old_key_as_bak(self):
        name = self.unique_name()
        key = self.write('id_old', 'OLD PRIVATE KEY\n', mode=0o600)
        self.openstack('keypair', 'create', name, '--private-key', key,
                       '--force')
        self.assertPrivateFile(key)
        self.assertPrivateFile(key + '.bak')
        with open(key + '.bak') as f:
            self.assertEqual('OLD PRIVATE KEY\n', f.read())
        self.assertIsNotNone(self.nova_keypair(name))

    def test_empty_file_is_written_in_place(self):
        name = self.unique_name()
        key = self.write('harness-tmp', b'', mode=0o644)
        inode = os.stat(key).st_ino
        self.openstack('keypair', 'create', name, '--private-key', key)
        self.assertPrivateFile(key)
        self.assertEqual(inode, os.stat(key).st_ino)
        self.assertGreater(os.path.getsize(key), 100)

    def test_the_comment_is_in_the_private_key_as_ssh_keygen_keeps_it(self):
        secret = self.secret('pass', 'comment-passphrase')
        for extra in ([], ['--passphrase-file', secret]):
            key = self.path(f'id{len(extra)}')
            self.openstack('keypair', 'create', self.unique_name(),
                           '--comment', 'alice@laptop', '--private-key', key,
                           *extra)
            os.unlink(key + '.pub')  # so ssh-keygen reads the key itself
            derived = self.ssh_keygen(
                '-y', '-f', key,
                passphrase='comment-passphrase' if extra else None)
            self.assertTrue(derived.strip().endswith(' alice@laptop'),
                            derived)

    def test_a_damaged_record_is_kept_aside_not_wiped(self):
        for what in ('first', 'second'):
            self.openstack('keypair', 'create', self.unique_name(),
                           '--private-key', self.path(what))
        with open(self.record, 'a') as f:
            f.write('garbage')
        with open(self.record) as f:
            damaged = f.read()
        third = self.unique_name()
        result = self.openstack('keypair', 'create', third,
                                '--private-key', self.path('third'))
        directory = os.path.dirname(self.record)
        (aside,) = [n for n in os.listdir(directory)
                    if n.startswith('keys.json.corrupt-')]
        with open(os.path.join(directory, aside)) as f:
            self.assertEqual(damaged, f.read())
        warnings = [line for line in result.stderr.splitlines() if line]
        self.assertEqual(1, len(warnings), result.stderr)
        self.assertIn(aside, warnings[0])
        rows = self.openstack('keypair', 'list', '--long', '-f',
                              'json').json()
        row = next(r for r in rows if r['Name'] == third)
        self.assertEqual(self.path('third'), row['Local Key'])

    def test_symlink_target_is_refused_before_any_request(self):
        name = self.unique_name()
        victim = self.write('victim', 'precious\n')
        link = self.path('link')
        os.symlink(victim, link)
        result = self.openstack('keypair', 'create', name,
                                '--private-key', link, expect=1)
        self.assertCleanFailure(result, 'symbolic link')
        with open(victim) as f:
            self.assertEqual('precious\n', f.read())
        self.assertIsNone(self.nova_keypair(name))


class CreateTargetRefusedTest(base.FunctionalTestCase):
    """Targets where a key could be read by others: refused, nothing sent."""

    def assertRefusedBeforeAnyRequest(self, target: str, *reason: str):
        name = self.unique_name()
        self.nova_proxy.exchanges.clear()
        result = self.openstack('keypair', 'create', name,
                                '--private-key', target, expect=1)
        self.assertCleanFailure(result, *reason)
        self.assertEqual([], [ex for ex in self.nova_proxy.exchanges
                              if ex.method == 'POST'])
        self.assertIsNone(self.nova_keypair(name))

    def test_an_empty_file_another_user_owns_in_a_sticky_directory(self):
        if os.geteuid() != 0:
            self.skipTest('making a file another user owns needs root')
        sticky = self.path('shared')
        os.mkdir(sticky)
        os.chmod(sticky, 0o1777)  # noqa: S103 - the hostile setting
        trap = os.path.join(sticky, 'id')
        self.write('shared/id', b'', mode=0o666)
        os.chown(trap, 65534, 65534)  # nobody
        self.assertRefusedBeforeAnyRequest(trap, 'another user')
        self.assertEqual(0, os.path.getsize(trap))

    def test_a_file_with_another_hard_link(self):
        target = self.write('id', b'')
        os.link(target, self.path('other-name'))
        self.assertRefusedBeforeAnyRequest(target, 'hard links')
        self.assertEqual(0, os.path.getsize(target))

    def test_a_path_ending_in_a_slash(self):
        self.assertRefusedBeforeAnyRequest(self.path('newdir') + '/',
                                           'names a directory')
        self.assertEqual([], self.listdir())

    def test_a_file_in_the_kernels_interfaces(self):
        self.assertRefusedBeforeAnyRequest('/proc/self/comm', 'kernel')


class CreateToStdoutTest(base.FunctionalTestCase):

    def test_private_key_alone_on_stdout_even_with_json(self):
        name = self.unique_name()
        result = self.openstack('keypair', 'create', name, '-f', 'json')
        self.assertTrue(result.stdout.startswith(
            '-----BEGIN OPENSSH PRIVATE KEY-----'))
        self.assertTrue(result.stdout.rstrip().endswith(
            '-----END OPENSSH PRIVATE KEY-----'))
        self.assertNotIn('{}', result.stdout)
        key = self.write('from-stdout', result.stdout)
        derived = self.ssh_keygen('-y', '-f', key)
        self.assertEqual(_blob(self.nova_keypair(name).public_key),
                         _blob(derived))


class CreateRefusedTest(base.FunctionalTestCase):
    """A refused create leaves no file behind, and says why in one line."""

    def test_duplicate_name_leaves_no_orphan_file(self):
        name = self.unique_name()
        base.connection(self.cloud).compute.create_keypair(
            name=name, public_key=self.ssh_keygen_public())
        key = self.path('id_dup')
        result = self.openstack('keypair', 'create', name,
                                '--private-key', key, expect=1)
        self.assertCleanFailure(result, f"key pair '{name}'",
                                'already exists')
        self.assertEqual(['pub-source', 'pub-source.pub'], self.listdir())

    def test_invalid_name_is_refused_locally(self):
        result = self.openstack('keypair', 'create', 'bad/name',
                                '--private-key', self.path('k'), expect=1)
        self.assertCleanFailure(result, 'bad/name', 'invalid')
        self.assertEqual([], self.listdir())

    def test_names_appear_in_errors_exactly_as_given(self):
        result = self.openstack('keypair', 'create', '  lead  x',
                                '--private-key', self.path('k'), expect=1)
        self.assertCleanFailure(result, "key pair name '  lead  x' has "
                                'leading or trailing whitespace')

    def test_non_admin_user_option_is_forbidden(self):
        name = self.unique_name()
        base.require(self, base.ALT)
        result = self.openstack('keypair', 'create', name, '--user',
                                base.target().alt_user_name,
                                '--private-key', self.path('k'), expect=1)
        self.assertCleanFailure(result, f"key pair '{name}'", 'HTTP 403')
        self.assertEqual([], self.listdir())
        self.assertIsNone(self.nova_keypair(name, base.ALT))

    def test_generation_options_with_public_key_are_errors(self):
        public = self.ssh_keygen_public()
        path = self.write('given.pub', public)
        name = self.unique_name()
        result = self.openstack('keypair', 'create', name, '--public-key',
                                path, '--comment', 'ignored?', '--force',
                                expect=1)
        self.assertCleanFailure(result, '--comment, --force',
                                'cannot be used with --public-key')
        self.assertIsNone(self.nova_keypair(name))

    def test_x509_without_a_certificate_is_refused_before_any_request(self):
        name = self.unique_name()
        self.nova_proxy.exchanges.clear()
        result = self.openstack('keypair', 'create', name, '--type', 'x509',
                                '--private-key', self.path('k'), expect=1)
        self.assertCleanFailure(result, '--type x509 needs a PEM certificate',
                                '--public-key <certificate.pem>')
        self.assertEqual([], [ex for ex in self.nova_proxy.exchanges
                              if ex.method == 'POST'])
        self.assertEqual([], self.listdir())

    def test_key_size_with_ed25519_is_an_error(self):
        result = self.openstack('keypair', 'create', self.unique_name(),
                                '--key-size', '2048', expect=1)
        self.assertCleanFailure(result, '--key-size does not apply to '
                                'ed25519 keys')

    def test_pem_with_ed25519_is_an_error(self):
        result = self.openstack('keypair', 'create', self.unique_name(),
                                '--private-key-format', 'pem', expect=1)
        self.assertCleanFailure(result, 'ed25519 keys have no traditional '
                                'PEM form')

    def ssh_keygen_public(self) -> str:
        path = self.path('pub-source')
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f', path)
        with open(path + '.pub') as f:
            return f.read()


class CreateAsAdminTest(base.FunctionalTestCase):
    cloud = base.ADMIN

    def test_admin_creates_for_another_user(self):
        name = self.unique_name()
        key = self.path('for-demo2')
        self.openstack('keypair', 'create', name, '--user',
                       base.target().alt_user_name, '--private-key', key)
        self.assertIsNotNone(self.nova_keypair(name, base.ALT))
        self.assertIsNone(self.nova_keypair(name, base.ADMIN))
        self.assertPrivateFile(key)

    def test_two_users_may_hold_the_same_name(self):
        name = self.unique_name()
        self.openstack('keypair', 'create', name, '--user',
                       base.target().user_name,
                       '--private-key', self.path('a'))
        self.openstack('keypair', 'create', name, '--user',
                       base.target().alt_user_name,
                       '--private-key', self.path('b'))
        first = self.nova_keypair(name, base.USER)
        second = self.nova_keypair(name, base.ALT)
        self.assertNotEqual(first.fingerprint, second.fingerprint)
