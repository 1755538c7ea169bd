"""keypair create and import, with a spec'd SDK proxy standing in for Nova."""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import stat
import struct
from unittest import mock

import fixtures
from keystoneauth1 import exceptions as ks_exceptions
from osc_lib import exceptions
from osc_lib.test import base as osc_base

from keypairs_osc import keys
from keypairs_osc import securefile
from keypairs_osc.v1 import create
from tests import vectors
from tests.unit import base
from tests.unit import fakes
from tests.unit import keymaker


class CreateTest(base.CommandTestCase):

    def test_generated_key_saved_0600_and_only_public_half_sent(self):
        key = self.path('id')
        columns, _ = self.run_cmd('k', '--private-key', key)
        self.assertEqual(base.CORE_CREATE_FIELDS, tuple(columns))
        self.assertEqual(0o600, stat.S_IMODE(os.stat(key).st_mode))
        with open(key, 'rb') as f:
            private = keys.load_private_key(f.read())
        sent = self.sent_public_key()
        self.assertNotIn('PRIVATE', sent)
        self.assertEqual(keys.public_key_of(private).openssh, sent)
        with open(key + '.pub') as f:
            self.assertEqual(sent, f.read().strip())

    def test_each_key_type_and_size_reaches_nova_as_such(self):
        for argv, algorithm, bits in (
                ((), 'ssh-ed25519', 256),
                (('--key-type', 'ecdsa'), 'ecdsa-sha2-nistp256', 256),
                (('--key-type', 'ecdsa', '--key-size', '521'),
                 'ecdsa-sha2-nistp521', 521),
                (('--key-type', 'rsa', '--key-size', '2048'), 'ssh-rsa',
                 2048)):
            self.run_cmd('k', *argv)
            info = keys.parse_public_key(self.sent_public_key()).info
            self.assertEqual((algorithm, bits), (info.algorithm, info.bits))

    def test_comment_goes_into_the_public_key(self):
        self.run_cmd('k', '--comment', 'me@laptop')
        self.assertTrue(self.sent_public_key().endswith(' me@laptop'))

    def test_private_key_formats(self):
        for fmt, marker in (('openssh', 'OPENSSH PRIVATE KEY'),
                            ('pkcs8', 'BEGIN PRIVATE KEY'),
                            ('pem', 'BEGIN EC PRIVATE KEY')):
            key = self.path(f'id-{fmt}')
            self.run_cmd('k', '--key-type', 'ecdsa', '--private-key', key,
                         '--private-key-format', fmt)
            with open(key) as f:
                self.assertIn(marker, f.read())

    def test_passphrase_file_encrypts_and_never_reaches_nova(self):
        secret = self.write('pass', 'open sesame\n')
        key = self.path('id')
        self.run_cmd('k', '--private-key', key, '--passphrase-file', secret)
        with open(key, 'rb') as f:
            data = f.read()
        self.assertTrue(keys.private_key_is_encrypted(data))
        keys.load_private_key(data, b'open sesame')
        for call in self.api_create.mock_calls:
            self.assertNotIn('sesame', repr(call))

    def test_ask_passphrase_twice_must_match(self):
        answers = iter(['one', 'two'])
        with mock.patch('keypairs_osc.passphrase._terminal_available',
                        return_value=True), \
                mock.patch('getpass.getpass',
                           side_effect=lambda prompt: next(answers)):
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k', '--ask-passphrase')
        self.assertIn('do not match', str(err))
        self.api_create.assert_not_called()

    def test_an_empty_passphrase_is_refused_never_an_unencrypted_key(self):
        empty = self.write('empty', b'\n')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd, 'k',
                                '--passphrase-file', empty, '--private-key',
                                self.path('id'))
        self.assertIn('empty', str(err))
        with mock.patch('keypairs_osc.passphrase._terminal_available',
                        return_value=True), \
                mock.patch('getpass.getpass', return_value=''):
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k', '--ask-passphrase',
                                    '--private-key', self.path('id'))
        self.assertIn('empty', str(err))
        self.api_create.assert_not_called()
        self.assertEqual(['empty'], os.listdir(self.tmp))

    def test_ask_passphrase_without_terminal_is_an_error(self):
        with mock.patch('keypairs_osc.passphrase._terminal_available',
                        return_value=False):
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k', '--ask-passphrase')
        self.assertIn('--passphrase-file', str(err))

    def test_bad_sizes_and_formats_fail_before_any_request(self):
        for argv, fragment in (
                (('--key-size', '256'), 'ed25519'),
                (('--key-type', 'rsa', '--key-size', '1024'), '2048'),
                (('--key-type', 'rsa', '--key-size', '32768'), '16384'),
                (('--key-type', 'ecdsa', '--key-size', '300'), '384'),
                (('--private-key-format', 'pem'), 'PEM'),
                (('--private-key-format', 'pkcs8'), 'ssh cannot read')):
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k', *argv)
            self.assertIn(fragment, str(err))
        self.api_create.assert_not_called()

    def test_bad_name_fails_before_any_request(self):
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'a/b', '--private-key', self.path('k'))
        self.assertIn('a/b', str(err))
        self.api_create.assert_not_called()
        self.assertEqual([], os.listdir(self.tmp))

    def test_refused_create_leaves_no_file(self):
        self.api_create.side_effect = fakes.http_error(
            409, "Key pair 'k' already exists.")
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'k', '--private-key', self.path('id'))
        self.assertEqual("key pair 'k': Key pair 'k' already exists. "
                         "(HTTP 409)", str(err))
        self.assertEqual([], os.listdir(self.tmp))

    def test_quota_and_connection_failures_are_one_line(self):
        self.api_get.side_effect = fakes.http_error(404, 'not created')
        for failure, fragment in (
                (fakes.http_error(403, 'Quota exceeded, too many key '
                                  'pairs.'), 'quota'),
                (fakes.http_error(500, 'Unexpected API Error.'), 'HTTP 500'),
                (ks_exceptions.ConnectFailure('refused'), 'cannot connect'),
                (ks_exceptions.ConnectTimeout('slow'), 'timeout')):
            self.api_create.side_effect = failure
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k', '--private-key', self.path('id'))
            self.assertIn(fragment, str(err))
            self.assertNotIn('\n', str(err))
            self.assertEqual([], os.listdir(self.tmp))

    def fail_after_commit(self, failure):
        """Nova stores the key pair, but the client sees ``failure``."""
        stored = {}

        def create(proxy, name, public_key, key_type=None, user_id=None):
            stored[name] = fakes.keypair(name, public_key)
            raise failure

        def get(proxy, name, user_id=None):
            if name not in stored:
                raise fakes.http_error(404, f'Keypair {name} not found')
            return stored[name]

        self.api_create.side_effect = create
        self.api_get.side_effect = get
        return stored

    def test_error_after_nova_committed_keeps_the_private_key(self):
        for failure in (fakes.http_error(500, 'boom'),
                        ks_exceptions.ConnectTimeout('read timed out'),
                        ks_exceptions.ConnectFailure('connection reset')):
            stored = self.fail_after_commit(failure)
            key = self.path(f'id-{len(os.listdir(self.tmp))}')
            with self.assertLogs('keypairs_osc.v1.create', 'WARNING'):
                self.run_cmd('k', '--private-key', key)
            with open(key, 'rb') as f:
                saved = keys.public_key_of(keys.load_private_key(f.read()))
            self.assertEqual(stored['k'].public_key, saved.openssh)

    def test_public_key_register_kept_when_nova_committed(self):
        self.fail_after_commit(fakes.http_error(502, 'bad gateway'))
        pub = self.write('k.pub', fakes.keypair().public_key)
        with self.assertLogs('keypairs_osc.v1.create', 'WARNING'):
            columns, _ = self.run_cmd('k', '--public-key', pub)
        self.assertEqual(base.CORE_CREATE_FIELDS, tuple(columns))

    def test_another_key_under_the_name_after_a_5xx_is_not_kept(self):
        theirs = fakes.keypair('k')  # same name, another key

        def create(proxy, name, public_key, key_type=None, user_id=None):
            raise fakes.http_error(500, 'boom')

        self.api_create.side_effect = create
        self.api_get.return_value = theirs
        key = self.path('id')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd, 'k',
                                '--private-key', key)
        self.assertIn('HTTP 500', str(err))
        self.assertEqual([], os.listdir(self.tmp))
        self.api_delete.assert_not_called()  # theirs stays as it was

    def test_a_private_key_that_cannot_be_printed_is_rolled_back(self):
        self.app.stdout = mock.Mock(spec=io.StringIO)
        self.app.stdout.write.side_effect = BrokenPipeError(32,
                                                            'Broken pipe')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd, 'k')
        self.assertIn('could not print the private key', str(err))
        self.assertIn('deleted from the cloud again', str(err))
        self.api_delete.assert_called_once_with(
            self.app.client_manager.compute, 'k', user_id=None)

    def test_error_before_nova_committed_leaves_nothing(self):
        self.fail_after_commit(fakes.http_error(503, 'unavailable'))
        self.api_create.side_effect = fakes.http_error(503, 'unavailable')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'k', '--private-key', self.path('id'))
        self.assertIn('HTTP 503', str(err))
        self.assertEqual([], os.listdir(self.tmp))

    def test_unanswerable_check_says_what_to_do(self):
        self.api_create.side_effect = fakes.http_error(502, 'bad gateway')
        self.api_get.side_effect = ks_exceptions.ConnectFailure('refused')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'k', '--private-key', self.path('id'))
        self.assertIn('could not check', str(err))
        self.assertIn('openstack keypair show k', str(err))
        self.assertEqual([], os.listdir(self.tmp))

    def test_failed_write_after_create_deletes_the_key_pair(self):
        no_space = OSError(errno.ENOSPC, 'No space left on device')
        with mock.patch.object(securefile, '_write_all',
                               side_effect=no_space):
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k', '--private-key', self.path('id'))
        self.assertIn('no space left', str(err))
        self.assertIn('deleted from the cloud again', str(err))
        self.api_delete.assert_called_once_with(
            self.app.client_manager.compute, 'k', user_id=None)
        self.assertEqual([], os.listdir(self.tmp))

    def test_failed_rollback_tells_the_user_what_to_delete(self):
        self.api_delete.side_effect = ks_exceptions.ConnectFailure('down')
        with mock.patch.object(securefile, '_write_all',
                               side_effect=OSError(errno.EIO, 'I/O error')):
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k', '--private-key', self.path('id'))
        self.assertIn('openstack keypair delete k', str(err))

    def test_existing_file_needs_force_and_is_kept_as_bak(self):
        key = self.write('id', 'OLD KEY\n')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'k', '--private-key', key)
        self.assertIn('--force', str(err))
        self.api_create.assert_not_called()
        old_pub = self.write('id.pub', fakes.keypair().public_key)
        self.run_cmd('k', '--private-key', key, '--force')
        with open(key + '.bak') as f:
            self.assertEqual('OLD KEY\n', f.read())
        # The .pub follows the new key; the old one is kept beside it.
        with open(old_pub) as f:
            self.assertEqual(self.sent_public_key(), f.read().strip())
        with open(old_pub + '.bak') as f:
            self.assertNotEqual(self.sent_public_key(), f.read().strip())

    def test_stdout_gets_the_private_key_and_json_adds_nothing(self):
        parsed = self.parse('k', '-f', 'json')
        # cliff's formatter setup, as the shell does before run().
        self.cmd._formatter_plugins = self.cmd._load_formatter_plugins()
        parsed.formatter = 'json'
        self.cmd.run(parsed)
        out = self.app.stdout.getvalue()
        self.assertTrue(out.startswith('-----BEGIN OPENSSH PRIVATE KEY'))
        self.assertTrue(out.rstrip().endswith('PRIVATE KEY-----'))
        self.assertNotIn('{}', out)

    def test_dash_means_stdout(self):
        self.run_cmd('k', '--private-key', '-')
        self.assertIn('PRIVATE KEY', self.app.stdout.getvalue())
        self.assertEqual([], os.listdir(self.tmp))

    def test_public_key_file_is_imported_with_type_and_user(self):
        pub = self.write('k.pub', fakes.keypair().public_key)
        identity = self.app.client_manager.sdk_connection.identity
        with mock.patch('openstackclient.identity.common.find_user_id_sdk',
                        return_value='uid-2') as find_user:
            self.run_cmd('k', '--public-key', pub, '--type', 'ssh',
                         '--user', 'demo2')
        find_user.assert_called_once_with(identity, 'demo2', None)
        self.api_create.assert_called_once_with(
            self.app.client_manager.compute, 'k', mock.ANY, key_type='ssh',
            user_id='uid-2')


    def test_x509_cannot_be_generated(self):
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--type', 'x509', '--private-key',
                                  self.path('k'))
        self.assertIn('--public-key <certificate.pem>', str(error))
        self.api_create.assert_not_called()
        self.assertEqual([], os.listdir(self.tmp))

    def test_options_of_generation_with_public_key_are_errors(self):
        pub = self.write('k.pub', fakes.keypair().public_key)
        secret = self.write('pass', 'pw\n')
        for extra in (['--key-type', 'ed25519'], ['--key-size', '4096'],
                      ['--comment', 'c'], ['--private-key-format', 'pem'],
                      ['--passphrase-file', secret], ['--ask-passphrase'],
                      ['--force']):
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'k', '--public-key', pub, *extra)
            self.assertIn(extra[0], str(error))
            self.assertIn('--public-key', str(error))
        self.api_create.assert_not_called()


class ImportTest(base.CommandTestCase):
    command_class = create.ImportKeypair

    def test_private_key_given_as_public_is_refused_unsent(self):
        private = keys.serialize_private_key(keys.generate('ed25519'))
        path = self.write('id', private)
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'k', '--public-key', path)
        self.assertIn('--private-key', str(err))
        self.assertNotIn(private.decode().splitlines()[1], str(err))
        self.api_create.assert_not_called()

    def test_public_key_derived_from_encrypted_private_key(self):
        key = keys.generate('ecdsa')
        path = self.write('id', keys.serialize_private_key(
            key, 'pkcs8', b'pw'))
        secret = self.write('pass', 'pw\n')
        self.run_cmd('k', '--private-key', path, '--passphrase-file', secret)
        self.assertEqual(keys.public_key_of(key).openssh,
                         self.sent_public_key())

    def test_encrypted_private_key_without_passphrase_or_terminal(self):
        path = self.write('id', keys.serialize_private_key(
            keys.generate('ed25519'), 'openssh', b'pw'))
        with mock.patch('keypairs_osc.passphrase._terminal_available',
                        return_value=False):
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k', '--private-key', path)
        self.assertIn('encrypted', str(err))

    def test_wrong_passphrase(self):
        path = self.write('id', keys.serialize_private_key(
            keys.generate('ed25519'), 'openssh', b'right'))
        secret = self.write('pass', 'wrong')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'k', '--private-key', path,
                                '--passphrase-file', secret)
        self.assertIn('passphrase', str(err))

    def test_stdin(self):
        line = fakes.keypair().public_key
        self.app.stdin = mock.Mock(buffer=io.BytesIO(line.encode()))
        self.run_cmd('k', '--public-key', '-')
        self.assertEqual(line, self.sent_public_key())

    def test_default_public_key_is_named_on_stderr(self):
        home = self.path('home')
        os.makedirs(os.path.join(home, '.ssh'))
        line = fakes.keypair(key_type='ssh').public_key
        with open(os.path.join(home, '.ssh', 'id_rsa.pub'), 'w') as f:
            f.write(line)
        with mock.patch.dict(os.environ, {'HOME': home}):
            self.run_cmd('k')
        self.assertIn('~/.ssh/id_rsa.pub', self.app.stderr.getvalue())

    def test_no_default_public_key(self):
        with mock.patch.dict(os.environ, {'HOME': self.tmp}):
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k')
        self.assertIn('--public-key', str(err))

    def test_bad_inputs_each_fail_locally(self):
        os.mkfifo(self.path('fifo'))
        self.useFixture(fixtures.MonkeyPatch(
            'keypairs_osc.securefile.STREAM_TIMEOUT', 0.1))
        cases = {
            'empty': (b'', 'empty'),
            'garbage': (b'hello world', 'not a public key'),
            'base64': (b'ssh-ed25519 AAAA$$$', 'base64'),
            'unknown': (b'ssh-foo AAAAB3NzaC1yc2E=', 'unsupported'),
            'big': (b'x' * (64 * 1024 + 1), '64 KiB'),
            'binary': (b'\xff\xfe\x00', 'binary'),
        }
        for name, (data, fragment) in cases.items():
            path = self.write(name, data)
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k', '--public-key', path)
            self.assertIn(fragment, str(err), name)
        for path, fragment in ((self.path('missing'), 'does not exist'),
                               (self.tmp, 'directory'),
                               (self.path('fifo'), 'nothing more was '
                                'written')):
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'k', '--public-key', path)
            self.assertIn(fragment, str(err))
        self.api_create.assert_not_called()

    def test_exist_ok(self):
        existing = fakes.keypair()
        path = self.write('k.pub', existing.public_key)
        self.api_create.side_effect = fakes.http_error(409, 'exists')
        self.api_get.return_value = existing
        columns, values = self.run_cmd('k', '--public-key', path,
                                       '--exist-ok')
        self.assertEqual('k', dict(zip(columns, values, strict=True))['name'])
        other = self.write('other.pub', fakes.keypair().public_key)
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'k', '--public-key', other, '--exist-ok')
        self.assertIn('different public key', str(err))

    def test_conflict_without_exist_ok_fails(self):
        path = self.write('k.pub', fakes.keypair().public_key)
        self.api_create.side_effect = fakes.http_error(409, 'exists')
        self.assertRaises(exceptions.CommandError, self.run_cmd,
                          'k', '--public-key', path)
        self.api_get.assert_not_called()


def fingerprint(line: str) -> str:
    """ssh-keygen's SHA256 fingerprint of an OpenSSH line, computed here."""
    digest = hashlib.sha256(base64.b64decode(line.split()[1])).digest()
    return 'SHA256:' + base64.b64encode(digest).decode().rstrip('=')


def openssh_comment(data: bytes) -> str:
    """The comment inside an unencrypted OpenSSH ed25519 private key file,
    read as PROTOCOL.key lays it out."""
    def string(raw: bytes, at: int) -> tuple[bytes, int]:
        size = struct.unpack('>I', raw[at:at + 4])[0]
        return raw[at + 4:at + 4 + size], at + 4 + size

    lines = data.decode().splitlines()
    raw = base64.b64decode(''.join(lines[1:-1]))
    at = len(b'openssh-key-v1\0')
    for _ in ('cipher', 'kdf', 'kdf options'):
        _, at = string(raw, at)
    at += 4  # the number of keys: one
    _, at = string(raw, at)  # its public key
    section, _ = string(raw, at)
    # Two check integers, the key type, its public and private halves,
    # then the comment.
    key_type, at = string(section, 8)
    if key_type != b'ssh-ed25519':
        raise ValueError(f'not an ed25519 key: {key_type!r}')
    for _ in ('public', 'private'):
        _, at = string(section, at)
    return string(section, at)[0].decode()


class CreateMoreTest(base.CommandTestCase):
    """keypair create: its messages, --user all the way, and the order in
    which it checks, asks and registers."""

    def as_user(self):
        return mock.patch('openstackclient.identity.common.find_user_id_sdk',
                          return_value='uid-2')

    def test_generation_options_with_public_key_named_in_one_line(self):
        pub = self.write('k.pub', fakes.keypair().public_key)
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--public-key', pub, '--key-type',
                                  'rsa', '--comment', 'c', '--force')
        self.assertEqual(
            '--key-type, --comment, --force cannot be used with '
            '--public-key: that key is not generated here (leave out '
            '--public-key to generate one)', str(error))

    def test_a_directory_as_public_key(self):
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--public-key', self.tmp)
        self.assertEqual(f'{self.tmp}: is a directory, not a public key file',
                         str(error))

    def test_what_is_not_a_public_key_names_its_file(self):
        path = self.write('k.pub', 'hello world\n')
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--public-key', path)
        self.assertTrue(str(error).startswith(f'public key {path}: '),
                        str(error))

    def test_an_x509_certificate_is_registered_as_such(self):
        pem = keymaker.certificate(keys.generate('ecdsa'))
        path = self.write('cert.pem', pem)
        self.run_cmd('k', '--public-key', path, '--type', 'x509')
        self.api_create.assert_called_once_with(
            self.app.client_manager.compute, 'k', pem, key_type='x509',
            user_id=None)

    def test_public_key_on_stdin(self):
        line = fakes.keypair().public_key
        self.app.stdin = mock.Mock(buffer=io.BytesIO(line.encode()))
        self.run_cmd('k', '--public-key', '-')
        self.assertEqual(line, self.sent_public_key())

    def test_a_generated_key_pair_for_another_user(self):
        with self.as_user():
            self.run_cmd('k', '--private-key', self.path('id'), '--user',
                         'demo2')
        self.assertEqual('uid-2', self.api_create.call_args.kwargs['user_id'])

    def test_x509_cannot_be_generated_says_so(self):
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--type', 'x509')
        self.assertEqual(
            '--type x509 needs a PEM certificate, which create cannot '
            'generate: give it with --public-key <certificate.pem>',
            str(error))

    def test_an_unknown_private_key_format_is_a_usage_error(self):
        with mock.patch('sys.stderr', io.StringIO()):
            self.assertRaises(osc_base.ParserException, self.parse, 'k',
                              '--private-key-format', 'der')

    def test_bad_options_are_refused_before_the_passphrase_is_asked(self):
        with mock.patch('keypairs_osc.passphrase._terminal_available',
                        return_value=True), \
                mock.patch('getpass.getpass') as getpass:
            for argv in (('--key-size', '256'),
                         ('--key-type', 'rsa', '--key-size', '1024'),
                         ('--private-key-format', 'pem'),
                         ('--private-key-format', 'pkcs8')):
                self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--ask-passphrase', '--private-key',
                                  self.path('id'), *argv)
        getpass.assert_not_called()
        self.assertEqual([], os.listdir(self.tmp))

    def test_refused_to_stdout_is_novas_refusal(self):
        self.api_create.side_effect = fakes.http_error(
            409, "Key pair 'k' already exists.")
        error = self.assertRaises(exceptions.CommandError, self.run_cmd, 'k')
        self.assertEqual("key pair 'k': Key pair 'k' already exists. "
                         '(HTTP 409)', str(error))
        self.assertEqual('', self.app.stdout.getvalue())

    def test_the_comment_is_in_the_openssh_private_key_file(self):
        key = self.path('id')
        self.run_cmd('k', '--private-key', key, '--comment', 'me@laptop')
        self.assertEqual('me@laptop', openssh_comment(base.content(key)))

    def test_without_comment_the_private_key_file_has_none(self):
        key = self.path('id')
        self.run_cmd('k', '--private-key', key)
        self.assertEqual('', openssh_comment(base.content(key)))

    def test_a_key_that_cannot_be_saved_is_deleted_for_its_user(self):
        no_space = OSError(errno.ENOSPC, 'No space left on device')
        with self.as_user(), mock.patch.object(securefile, '_write_all',
                                               side_effect=no_space):
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'k', '--private-key', self.path('id'),
                                      '--user', 'demo2')
        self.assertEqual(
            f"key pair 'k': could not save the private key: "
            f'{self.path("id")}: no space left on the device; the key pair '
            'was deleted from the cloud again, nothing was kept', str(error))
        self.api_delete.assert_called_once_with(
            self.app.client_manager.compute, 'k', user_id='uid-2')

    def test_a_failed_rollback_says_what_to_delete(self):
        self.api_delete.side_effect = ks_exceptions.ConnectFailure('down')
        with mock.patch.object(securefile, '_write_all',
                               side_effect=OSError(errno.EIO, 'I/O error')):
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'k', '--private-key', self.path('id'))
        self.assertTrue(str(error).endswith(
            '; deleting the key pair from the cloud failed too (cannot '
            'connect to the cloud (connection refused or reset)): delete it '
            'with "openstack keypair delete k"'), str(error))

    def test_a_key_that_cannot_be_printed_is_deleted_for_its_user(self):
        self.app.stdout = mock.Mock(spec=io.StringIO)
        self.app.stdout.write.side_effect = BrokenPipeError(32,
                                                            'Broken pipe')
        with self.as_user():
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'k', '--user', 'demo2')
        self.assertEqual(
            "key pair 'k': could not print the private key (Broken pipe); "
            'the key pair was deleted from the cloud again, nothing was '
            'kept', str(error))
        self.api_delete.assert_called_once_with(
            self.app.client_manager.compute, 'k', user_id='uid-2')


class ImportMoreTest(base.CommandTestCase):
    """keypair import: what it shows, --user all the way, --exist-ok."""

    command_class = create.ImportKeypair

    def as_user(self):
        return mock.patch('openstackclient.identity.common.find_user_id_sdk',
                          return_value='uid-2')

    def test_shows_cores_fields(self):
        path = self.write('k.pub', fakes.keypair().public_key)
        columns, _ = self.run_cmd('k', '--public-key', path)
        self.assertEqual(base.CORE_CREATE_FIELDS, tuple(columns))

    def test_an_x509_certificate(self):
        pem = keymaker.certificate(keys.generate('ecdsa'))
        path = self.write('cert.pem', pem)
        self.run_cmd('k', '--public-key', path, '--type', 'x509')
        self.api_create.assert_called_once_with(
            self.app.client_manager.compute, 'k', pem, key_type='x509',
            user_id=None)

    def test_for_another_user(self):
        path = self.write('k.pub', fakes.keypair().public_key)
        with self.as_user():
            self.run_cmd('k', '--public-key', path, '--user', 'demo2')
        self.assertEqual('uid-2', self.api_create.call_args.kwargs['user_id'])

    def test_exist_ok_looks_at_that_users_key_pair(self):
        existing = fakes.keypair(user_id='uid-2')
        path = self.write('k.pub', existing.public_key)
        self.api_create.side_effect = fakes.http_error(409, 'exists')
        self.api_get.return_value = existing
        with self.as_user():
            self.run_cmd('k', '--public-key', path, '--exist-ok', '--user',
                         'demo2')
        self.api_get.assert_called_once_with(
            self.app.client_manager.compute, 'k', user_id='uid-2')

    def test_exist_ok_with_the_same_certificate(self):
        pem = keymaker.certificate(keys.generate('ecdsa'))
        path = self.write('cert.pem', pem)
        self.api_create.side_effect = fakes.http_error(409, 'exists')
        self.api_get.return_value = fakes.keypair('k', pem, 'x509')
        columns, values = self.run_cmd('k', '--public-key', path, '--type',
                                       'x509', '--exist-ok')
        self.assertEqual('x509',
                         dict(zip(columns, values, strict=True))['type'])

    def test_exist_ok_with_another_key_names_both_fingerprints(self):
        mine = fakes.keypair().public_key
        path = self.write('k.pub', mine)
        self.api_create.side_effect = fakes.http_error(409, 'exists')
        # What Nova holds: another key, or one that cannot be read.
        for stored, shown in ((vectors.FIXED_LINE, vectors.FIXED_SHA256),
                              ('not a key', 'unreadable')):
            with self.subTest(stored=stored):
                self.api_get.return_value = fakes.keypair('k', stored)
                error = self.assertRaises(exceptions.CommandError,
                                          self.run_cmd, 'k', '--public-key',
                                          path, '--exist-ok')
                self.assertEqual(
                    "key pair 'k': already exists with a different public "
                    f'key ({shown}, not {fingerprint(mine)})', str(error))

    def test_a_lost_answer_for_the_same_key_is_kept(self):
        line = fakes.keypair().public_key
        path = self.write('k.pub', line)
        self.api_create.side_effect = fakes.http_error(502, 'bad gateway')
        self.api_get.return_value = fakes.keypair('k', line)
        with self.assertLogs('keypairs_osc.v1.create', 'WARNING'):
            columns, values = self.run_cmd('k', '--public-key', path)
        self.assertEqual('k', dict(zip(columns, values, strict=True))['name'])

    def test_no_default_public_key_lists_those_looked_for(self):
        with mock.patch.dict(os.environ, {'HOME': self.tmp}):
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'k')
        self.assertEqual(
            'no public key given and none of ~/.ssh/id_ed25519.pub, '
            '~/.ssh/id_ecdsa.pub, ~/.ssh/id_rsa.pub exists; use '
            '--public-key', str(error))
