"""Every key the plugin makes or imports really opens a door.

For each key: what ``openstack keypair show --public-key`` returns from the
devcloud goes into the authorized_keys of a real sshd (StrictModes on,
password logins off), and the real ssh client logs in with the private key
as the plugin saved it, running a command. Passphrases reach ssh through
SSH_ASKPASS, never argv.
"""

from __future__ import annotations

import shlex
import uuid

from tests.functional import base
from tests.functional import sshd


class LoginTestCase(base.FunctionalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = sshd.SSHServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def askpass(self, passphrase: str) -> str:
        secret = self.secret(f'pw-{uuid.uuid4().hex}', passphrase)
        return self.write(f'askpass-{uuid.uuid4().hex}.sh',
                          f'#!/bin/sh\ncat {shlex.quote(secret)}\n',
                          mode=0o700)

    def assertLogsIn(self, name: str, private_key: str,
                     passphrase: str | None = None) -> None:
        public = self.openstack('keypair', 'show', name,
                                '--public-key').stdout
        self.server.authorize([public])
        token = uuid.uuid4().hex
        askpass = self.askpass(passphrase) if passphrase else None
        result = self.server.ssh(private_key, f'echo {token}', askpass)
        self.assertEqual(0, result.returncode,
                         f'ssh failed: {result.stderr}\nsshd: '
                         f'{self.server.log_tail()}')
        self.assertEqual(token, result.stdout.strip())
        self.assertNotIn('UNPROTECTED PRIVATE KEY FILE', result.stderr)

    def create_and_login(self, *options: str,
                         passphrase: str | None = None) -> None:
        name = self.unique_name('login')
        key = self.path('id')
        extra = []
        if passphrase:
            extra = ['--passphrase-file', self.secret('pass', passphrase)]
        self.openstack('keypair', 'create', name, '--private-key', key,
                       *options, *extra)
        self.assertPrivateFile(key)
        self.assertLogsIn(name, key, passphrase)


class GeneratedKeyLoginTest(LoginTestCase):

    def test_ed25519_openssh(self):
        self.create_and_login()

    def test_ecdsa_256_openssh(self):
        self.create_and_login('--key-type', 'ecdsa')

    def test_ecdsa_384_pem(self):
        self.create_and_login('--key-type', 'ecdsa', '--key-size', '384',
                              '--private-key-format', 'pem')

    def test_ecdsa_521_pkcs8(self):
        self.create_and_login('--key-type', 'ecdsa', '--key-size', '521',
                              '--private-key-format', 'pkcs8')

    def test_rsa_2048_pem(self):
        self.create_and_login('--key-type', 'rsa', '--key-size', '2048',
                              '--private-key-format', 'pem')

    def test_rsa_3072_openssh(self):
        self.create_and_login('--key-type', 'rsa')

    def test_rsa_4096_pkcs8(self):
        self.create_and_login('--key-type', 'rsa', '--key-size', '4096',
                              '--private-key-format', 'pkcs8')


class PassphraseLoginTest(LoginTestCase):

    def test_ed25519_openssh_with_passphrase(self):
        self.create_and_login(passphrase='ed25519 secret')

    def test_rsa_pem_with_passphrase(self):
        self.create_and_login('--key-type', 'rsa', '--key-size', '2048',
                              '--private-key-format', 'pem',
                              passphrase='rsa secret')

    def test_ecdsa_pkcs8_with_passphrase(self):
        self.create_and_login('--key-type', 'ecdsa',
                              '--private-key-format', 'pkcs8',
                              passphrase='ecdsa secret')


class ImportedKeyLoginTest(LoginTestCase):

    def keygen(self, key_type: str, passphrase: str | None = None,
               *extra: str) -> str:
        path = self.path(f'id_{key_type}')
        if passphrase:
            self.ssh_keygen('-q', '-t', key_type, '-f', path, *extra,
                            passphrase=passphrase)
        else:
            self.ssh_keygen('-q', '-t', key_type, '-N', '', '-f', path,
                            *extra)
        return path

    def test_rfc4716_rsa_key(self):
        key = self.keygen('rsa', None, '-b', '3072')
        rfc = self.write('rfc', self.ssh_keygen('-e', '-f', key + '.pub'))
        name = self.unique_name('login')
        self.openstack('keypair', 'import', name, '--public-key', rfc)
        self.assertLogsIn(name, key)

    def test_pem_public_key_of_ecdsa_key(self):
        key = self.keygen('ecdsa', None, '-b', '384')
        pem = self.write('pem', self.ssh_keygen('-e', '-m', 'PKCS8', '-f',
                                                key + '.pub'))
        name = self.unique_name('login')
        self.openstack('keypair', 'import', name, '--public-key', pem)
        self.assertLogsIn(name, key)

    def test_public_half_of_an_encrypted_private_key(self):
        key = self.keygen('ed25519', 'imported secret')
        name = self.unique_name('login')
        self.openstack('keypair', 'import', name, '--private-key', key,
                       '--passphrase-file',
                       self.secret('pass', 'imported secret'))
        self.assertLogsIn(name, key, 'imported secret')

    def test_the_wrong_key_is_refused(self):
        name = self.unique_name('login')
        self.openstack('keypair', 'create', name, '--private-key',
                       self.path('right'))
        wrong = self.keygen('ed25519')
        public = self.openstack('keypair', 'show', name,
                                '--public-key').stdout
        self.server.authorize([public])
        result = self.server.ssh(wrong, 'echo in')
        self.assertEqual(255, result.returncode)
        self.assertNotIn('in', result.stdout)
