"""A Windows guest's Administrator password, on a real Nova.

The test plays cloudbase-init: it reads the key pair's public key from the
metadata API, encrypts a password with it (RSA, PKCS#1 v1.5), and posts it
base64-encoded to ``/openstack/latest/password`` with the signed headers of
the networking proxy. ``openstack server password show`` then fetches it
from the compute API and decrypts it with the private key.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

from keypairs_osc import keys
from tests.functional_compute.base import ComputeTestCase


class WindowsPasswordTest(ComputeTestCase):

    def setUp(self):
        super().setUp()
        self.password = f'Pw-{secrets.token_urlsafe(12)}$x'
        self.secrets.append(self.password)  # never sent, never on stderr

    def rsa_server(self):
        """(server, key file) of a new RSA key pair made by the plugin."""
        if 'metadata_secret' not in self.info:
            self.skipTest('posting a password as the guest needs the '
                          "devcloud's metadata secret")
        name = self.unique_name('win')
        key = self.path(name)
        self.openstack('keypair', 'create', name, '--key-type', 'rsa',
                       '--private-key', key)
        return self.boot(name), key

    def post_password(self, server) -> None:
        """What cloudbase-init does on first boot, through the metadata API."""
        meta = json.loads(self.metadata(server,
                                        '/openstack/latest/meta_data.json'))
        public = serialization.load_ssh_public_key(
            next(iter(meta['public_keys'].values())).encode())
        encrypted = base64.b64encode(public.encrypt(
            self.password.encode(), padding.PKCS1v15()))
        self.metadata(server, '/openstack/latest/password', post=encrypted)

    def show(self, server, *extra: str, expect: int = 0):
        return self.openstack('server', 'password', 'show', server.id,
                              '-f', 'value', '-c', 'password', *extra,
                              expect=expect)

    def test_decrypted_from_the_record_or_a_file_then_cleared(self):
        server, key = self.rsa_server()
        self.post_password(server)
        self.assertEqual(self.password + '\n', self.show(server).stdout)
        debug = self.show(server, '--debug')
        self.assertEqual(self.password + '\n', debug.stdout)
        self.assertNotIn(self.password, debug.stderr)

        with open(key, 'rb') as f:
            private = keys.load_private_key(f.read())
        locked = self.write('locked', keys.serialize_private_key(
            private, 'openssh', b'open sesame'))
        passphrase = self.secret('passphrase', 'open sesame\n')
        shown = self.show(server, '--private-key', locked,
                          '--passphrase-file', passphrase)
        self.assertEqual(self.password + '\n', shown.stdout)

        other = self.path('other')
        self.ssh_keygen('-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f',
                        other)
        with open(other, 'rb') as f:
            theirs = keys.public_key_of(keys.load_private_key(f.read()))
        wrong = self.show(server, '--private-key', other, expect=1)
        self.assertCleanFailure(
            wrong, f'{other} ({theirs.fingerprint_sha256}) is not the '
            'private key', keys.public_key_of(private).fingerprint_sha256)
        self.assertEqual('', wrong.stdout)

        self.openstack('server', 'password', 'clear', server.id)
        self.assertCleanFailure(self.show(server, expect=1),
                                'has not posted a password (yet)',
                                '--wait')

    def post_once_asked(self, server) -> None:
        """Post the password once Nova has answered a request for it."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
                'os-server-password' in exchange.path and exchange.status
                for exchange in list(self.nova_proxy.exchanges)):
            time.sleep(0.2)
        self.post_password(server)

    def test_wait_returns_once_the_guest_posts_it(self):
        server, _ = self.rsa_server()
        guest = threading.Thread(target=self.post_once_asked, args=(server,))
        guest.start()
        self.addCleanup(guest.join)
        waited = self.show(server, '--wait', '--timeout', '90')
        self.assertEqual(self.password + '\n', waited.stdout)
        self.assertIn('Waiting up to 90 s', waited.stderr)

    def test_an_ed25519_key_pair_cannot_carry_one(self):
        name = self.unique_name('ed')
        self.openstack('keypair', 'create', name, '--private-key',
                       self.path('ed'))
        server = self.boot(name)
        self.assertCleanFailure(
            self.show(server, '--wait', expect=1),
            f"key pair '{name}' is ssh-ed25519, not RSA",
            'openstack keypair create --key-type rsa')
