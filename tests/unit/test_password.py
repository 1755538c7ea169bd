"""server password show/clear, with a spec'd SDK proxy standing in for Nova."""

from __future__ import annotations

import base64
import configparser
import functools
import io
import logging
import os
from importlib import metadata
from unittest import mock

import fixtures
from cryptography.hazmat.primitives.asymmetric import padding
from openstack.compute.v2 import server as sdk_server
from openstack import exceptions as sdk_exceptions
from openstack.test import fakes as sdk_fakes
from osc_lib import exceptions

from keypairs_osc import keys
from keypairs_osc import record
from keypairs_osc.v1 import password
from tests.unit import base
from tests.unit import fakes

PASSWORD = 'Zx9$`q"w!e r\\t'


@functools.cache
def rsa_key(which: int = 0):
    """An RSA-2048 private key, made once per run (``which`` tells two)."""
    return keys.generate('rsa', 2048)


def encrypt(key, text: str = PASSWORD) -> str:
    """What cloudbase-init posts: RSA PKCS#1 v1.5, base64."""
    return base64.b64encode(key.public_key().encrypt(
        text.encode(), padding.PKCS1v15())).decode()


class ShowPasswordTest(base.CommandTestCase):
    command_class = password.ShowServerPassword

    def setUp(self):
        super().setUp()
        self.key = rsa_key()
        self.public = keys.public_key_of(self.key)
        self.keyfile = self.write('id', keys.serialize_private_key(
            self.key, 'openssh'))
        self.api_get.return_value = fakes.keypair('k', self.public.openssh)
        record.remember(base.NOVA_URL, base.USER_ID, 'k', self.keyfile,
                        self.public.fingerprint_sha256)
        self.server = sdk_fakes.generate_fake_resource(
            sdk_server.Server, name='win', key_name='k',
            user_id=base.USER_ID)
        self.compute = self.app.client_manager.compute
        self.compute.find_server.return_value = self.server
        self.compute.get_server_password.return_value = encrypt(self.key)
        self.sleep = self.useFixture(fixtures.MockPatch('time.sleep')).mock

    def fails(self, *argv: str) -> str:
        return str(self.assertRaises(exceptions.CommandError, self.run_cmd,
                                     *argv))

    def test_the_recorded_key_decrypts_it(self):
        self.assertEqual((('password',), (PASSWORD,)), self.run_cmd('win'))
        self.compute.get_server_password.assert_called_once_with(self.server)

    def test_private_key_with_a_passphrase_file(self):
        other = self.write('enc', keys.serialize_private_key(
            self.key, 'pem', b'open sesame'))
        secret = self.write('pass', 'open sesame\n')
        self.assertEqual((PASSWORD,), self.run_cmd(
            'win', '--private-key', other, '--passphrase-file', secret)[1])

    def test_value_output_is_the_password_alone_and_nothing_is_logged(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.app.stdout = io.StringIO()
        parsed = self.parse('win', '-f', 'value', '-c', 'password')
        self.assertEqual(0, self.cmd.run(parsed))
        self.assertEqual(PASSWORD + '\n', self.app.stdout.getvalue())
        self.assertNotIn(PASSWORD, logs.output)
        self.assertEqual('', self.app.stderr.getvalue())

    def test_a_key_pair_that_is_not_rsa(self):
        ed25519 = keys.public_key_of(keys.generate('ed25519')).openssh
        self.api_get.return_value = fakes.keypair('k', ed25519)
        error = self.fails('win')
        self.assertIn("key pair 'k' is ssh-ed25519, not RSA", error)
        self.assertIn('openstack keypair create --key-type rsa', error)
        self.compute.get_server_password.assert_not_called()

    def test_a_private_key_of_another_key_names_both_fingerprints(self):
        other = self.write('other', keys.serialize_private_key(
            rsa_key(1), 'openssh'))
        error = self.fails('win', '--private-key', other)
        theirs = keys.public_key_of(rsa_key(1)).fingerprint_sha256
        self.assertIn(f'{other} ({theirs}) is not the private key of key '
                      f"pair 'k' ({self.public.fingerprint_sha256})", error)

    def test_a_key_that_does_not_decrypt_names_both_fingerprints(self):
        # Deleted while in use, and recorded with the key used: only the
        # decryption can tell that the guest used another key.
        self.api_get.side_effect = fakes.http_error(404, 'not found')
        self.compute.get_server_password.return_value = encrypt(rsa_key(1))
        error = self.fails('win')
        self.assertIn(f'{self.keyfile} ({self.public.fingerprint_sha256}) '
                      "does not decrypt the password of server 'win', "
                      f"posted for key pair 'k' "
                      f'({self.public.fingerprint_sha256})', error)

    def test_a_stored_password_that_is_not_base64(self):
        self.compute.get_server_password.return_value = 'not base64!'
        self.assertIn('not base64', self.fails('win'))

    def test_a_deleted_key_pair_with_a_recorded_key_that_is_not_rsa(self):
        self.api_get.side_effect = fakes.http_error(404, 'not found')
        key = keys.generate('ed25519')
        info = keys.public_key_of(key)
        self.write('id', keys.serialize_private_key(key, 'openssh'))
        record.remember(base.NOVA_URL, base.USER_ID, 'k', self.keyfile,
                        info.fingerprint_sha256)
        error = self.fails('win')
        self.assertIn(f"{self.keyfile}, the private key of key pair 'k', is "
                      'ssh-ed25519, not RSA', error)

    def test_a_server_without_a_key_pair(self):
        self.server.key_name = None
        self.assertIn("server 'win' was booted without a key pair",
                      self.fails('win', '--private-key', self.keyfile))

    def test_a_server_not_found(self):
        self.compute.find_server.side_effect = (
            sdk_exceptions.NotFoundException('No Server found for nosuch'))
        self.assertEqual("server 'nosuch': No Server found for nosuch",
                         self.fails('nosuch'))

    def test_no_recorded_key(self):
        record.remember(base.NOVA_URL, base.USER_ID, 'k',
                        self.path('gone'), self.public.fingerprint_sha256)
        self.assertIn('no longer exists; give --private-key',
                      self.fails('win'))

    def test_no_password_yet_is_one_line_without_wait(self):
        self.compute.get_server_password.return_value = ''
        self.assertIn("server 'win' has not posted a password (yet)",
                      self.fails('win'))
        self.sleep.assert_not_called()

    def test_wait_polls_until_the_guest_posts_it(self):
        self.compute.get_server_password.side_effect = [
            '', None, fakes.http_error(503, 'busy'), encrypt(self.key)]
        self.assertEqual((PASSWORD,), self.run_cmd('win', '--wait')[1])
        self.assertEqual(3, self.sleep.call_count)
        self.assertIn('Waiting up to 900 s', self.app.stderr.getvalue())

    def test_wait_gives_up_after_the_timeout(self):
        self.compute.get_server_password.return_value = ''
        clock = iter(range(0, 1000, 5))
        with mock.patch('time.monotonic', side_effect=lambda: next(clock)):
            error = self.fails('win', '--wait', '--timeout', '12')
        self.assertIn("server 'win' posted no password within 12 s", error)

    def test_wait_stops_at_an_error_that_is_no_blip(self):
        self.compute.get_server_password.side_effect = [
            '', fakes.http_error(403, 'forbidden')]
        self.assertIn('HTTP 403', self.fails('win', '--wait'))

    def test_timeout_must_be_positive(self):
        for value in ('0', '-5', 'soon'):
            self.assertRaises(base.osc_base.ParserException, self.parse,
                              'win', '--wait', '--timeout', value)


class ClearPasswordTest(base.CommandTestCase):
    command_class = password.ClearServerPassword

    def test_clear_deletes_what_nova_keeps(self):
        compute = self.app.client_manager.compute
        server = sdk_fakes.generate_fake_resource(sdk_server.Server)
        compute.find_server.return_value = server
        self.run_cmd('win')
        compute.clear_server_password.assert_called_once_with(server)


class DecryptTest(base.TestCase):

    def test_only_an_rsa_key_decrypts(self):
        self.assertRaises(keys.NotDecrypted, keys.decrypt_password,
                          keys.generate('ed25519'), encrypt(rsa_key()))

    def test_what_cloudbase_init_posts_decrypts(self):
        self.assertEqual(PASSWORD, keys.decrypt_password(
            rsa_key(), encrypt(rsa_key()) + '\n'))

    def test_a_ciphertext_of_another_key_is_refused_not_garbage(self):
        # OpenSSL answers another key's ciphertext with random bytes, not
        # an error (implicit rejection); those that do not read as text are
        # refused. Now and then a few random bytes do read as text, which
        # is why the command compares fingerprints first.
        refused = 0
        for _ in range(20):
            try:
                answer = keys.decrypt_password(rsa_key(1), encrypt(rsa_key()))
            except keys.NotDecrypted:
                refused += 1
            else:
                self.assertNotEqual(PASSWORD, answer)
        self.assertGreaterEqual(refused, 15)


class RegisteredTest(base.TestCase):

    def test_ours_and_no_core_command_of_that_name(self):
        setup_cfg = configparser.ConfigParser()
        setup_cfg.read(os.path.join(os.path.dirname(__file__), '..', '..',
                                    'setup.cfg'))
        ours = dict(line.split(' = ') for line in setup_cfg.get(
            'entry_points', 'openstack.keypairs.v1').split('\n') if line)
        self.assertEqual('keypairs_osc.v1.password:ShowServerPassword',
                         ours['server_password_show'])
        self.assertEqual('keypairs_osc.v1.password:ClearServerPassword',
                         ours['server_password_clear'])
        core = metadata.entry_points(group='openstack.compute.v2')
        self.assertIn('server_show', core.names)
        self.assertFalse([name for name in core.names
                          if name.startswith('server_password')])
