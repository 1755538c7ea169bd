"""keypair import through the real openstack binary."""

from __future__ import annotations

import os
import subprocess

from tests import vectors
from tests.functional import base


class ImportTest(base.FunctionalTestCase):

    def make_key(self, key_type: str = 'ed25519', passphrase: str = '',
                 *extra: str) -> str:
        """A key made by ssh-keygen; a passphrase goes via SSH_ASKPASS."""
        path = self.path(f'id_{key_type}')
        if passphrase:
            self.ssh_keygen('-q', '-t', key_type, '-C', 'user@host', '-f',
                            path, *extra, passphrase=passphrase)
        else:
            self.ssh_keygen('-q', '-t', key_type, '-N', '', '-C',
                            'user@host', '-f', path, *extra)
        return path

    def stored_blob(self, name: str) -> str:
        return self.nova_keypair(name).public_key.split()[1]

    def test_show_f_shell_of_a_hostile_comment_runs_nothing(self):
        key = self.make_key()
        canary = self.path('PWNED')
        comment = f'$(touch {canary}) `touch {canary}` \\'
        with open(key + '.pub') as f:
            kind, blob = f.read().split()[:2]
        hostile = self.write('evil.pub', f'{kind} {blob} {comment}\n')
        name = self.unique_name()
        self.openstack('keypair', 'import', name, '--public-key', hostile)
        shown = self.openstack('keypair', 'show', name, '-f', 'shell').stdout
        evaluated = subprocess.run(
            ['bash', '-c', 'eval "$1"; printf %s "$comment"', 'bash',
             shown], capture_output=True, text=True, timeout=30,
            check=True).stdout
        self.assertFalse(os.path.exists(canary), 'eval ran the comment')
        self.assertEqual(comment, evaluated)

    def test_a_putty_key_suggests_only_what_works(self):
        ppk = self.write('key.ppk', 'PuTTY-User-Key-File-3: ssh-ed25519\n'
                         'Encryption: none\nComment: me\nPublic-Lines: 2\n'
                         'AAAAC3NzaC1lZDI1NTE5AAAAIMr\n')
        name = self.unique_name()
        result = self.openstack('keypair', 'import', name, '--public-key',
                                ppk, expect=1)
        self.assertCleanFailure(result, 'puttygen key.ppk -O public-openssh')
        self.assertNotIn('--private-key', result.stderr)
        self.assertIsNone(self.nova_keypair(name))

    def test_a_private_key_from_stdin_is_not_recorded(self):
        key = self.make_key()
        with open(key, 'rb') as f:
            private = f.read()
        name = self.unique_name()
        self.openstack('keypair', 'import', name, '--private-key', '-',
                       stdin=private)
        self.assertIsNotNone(self.nova_keypair(name))
        self.assertFalse(os.path.exists(self.record),
                         'a key read from stdin has no file to record')

    def test_rfc4716_is_converted_to_openssh(self):
        key = self.make_key('rsa', '', '-b', '2048')
        rfc = self.write('key.rfc', self.ssh_keygen('-e', '-f', key + '.pub'))
        name = self.unique_name()
        shown = self.openstack('keypair', 'import', name,
                               '--public-key', rfc, '-f', 'json').json()
        self.assertEqual('ssh', shown['type'])
        with open(key + '.pub') as f:
            self.assertEqual(f.read().split()[1], self.stored_blob(name))
        self.assertTrue(self.nova_keypair(name).public_key.startswith(
            'ssh-rsa '))

    def test_authorized_keys_line_with_options_from_stdin(self):
        key = self.make_key()
        with open(key + '.pub') as f:
            line = f.read()
        name = self.unique_name()
        self.openstack('keypair', 'import', name, '--public-key', '-',
                       stdin=f'no-pty,command="echo a b" {line}')
        self.assertEqual(line.split()[1], self.stored_blob(name))

    def test_private_key_as_public_key_is_refused_and_not_sent(self):
        key = self.make_key()
        name = self.unique_name()
        result = self.openstack('keypair', 'import', name,
                                '--public-key', key, expect=1)
        self.assertCleanFailure(result, 'PRIVATE', '--private-key')
        with open(key) as f:
            secret_body = f.read().splitlines()[1]
        self.assertNotIn(secret_body, result.stderr + result.stdout)
        self.assertIsNone(self.nova_keypair(name))

    def test_encrypted_private_key_derives_the_public_key(self):
        key = self.make_key('ecdsa', 'pw-for-test')
        secret = self.secret('pass', 'pw-for-test\n')
        name = self.unique_name()
        self.openstack('keypair', 'import', name, '--private-key', key,
                       '--passphrase-file', secret)
        with open(key + '.pub') as f:
            self.assertEqual(f.read().split()[1], self.stored_blob(name))

    def test_garbage_is_refused_locally(self):
        bad = self.write('bad.pub', 'ssh-ed25519 not*base64 c\n')
        result = self.openstack('keypair', 'import', self.unique_name(),
                                '--public-key', bad, expect=1)
        self.assertCleanFailure(result, 'base64')

    def test_missing_file_is_one_line(self):
        result = self.openstack('keypair', 'import', self.unique_name(),
                                '--public-key', self.path('nope.pub'),
                                expect=1)
        self.assertCleanFailure(result, 'does not exist')

    def test_exist_ok_same_key_succeeds_other_key_fails(self):
        key = self.make_key()
        name = self.unique_name()
        self.openstack('keypair', 'import', name, '--public-key',
                       key + '.pub')
        again = self.openstack('keypair', 'import', name, '--public-key',
                               key + '.pub', '--exist-ok', '-f', 'json')
        self.assertEqual(name, again.json()['name'])
        other = self.path('other')
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f', other)
        result = self.openstack('keypair', 'import', name, '--public-key',
                                other + '.pub', '--exist-ok', expect=1)
        self.assertCleanFailure(result, 'different public key', 'SHA256:')

    def test_default_public_key_is_named_on_stderr(self):
        home = self.path('home')
        os.makedirs(os.path.join(home, '.ssh'))
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f',
                        os.path.join(home, '.ssh', 'id_ed25519'))
        name = self.unique_name()
        result = self.openstack('keypair', 'import', name,
                                env={'HOME': home})
        self.assertIn('~/.ssh/id_ed25519.pub', result.stderr)
        self.assertIsNotNone(self.nova_keypair(name))

    def test_x509_certificate_is_stored_as_x509(self):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
        import datetime

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'kp')])
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(subject)
                .issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now)
                .not_valid_after(now + datetime.timedelta(days=1))
                .sign(key, hashes.SHA256()))
        pem = self.write('cert.pem',
                         cert.public_bytes(serialization.Encoding.PEM))
        name = self.unique_name()
        shown = self.openstack('keypair', 'import', name, '--type', 'x509',
                               '--public-key', pem, '-f', 'json').json()
        self.assertEqual('x509', shown['type'])
        self.assertEqual('x509', self.nova_keypair(name).type)


class SecurityKeyImportTest(base.FunctionalTestCase):
    """FIDO public keys: Nova stores them, and so the plugin imports them."""

    def test_both_kinds_import_with_ssh_keygens_fingerprint(self):
        for algorithm, (line, _, _) in vectors.SECURITY_KEYS.items():
            public = self.write(f'{algorithm}.pub', line + '\n')
            keygen = self.ssh_keygen('-l', '-f', public).split()[1]
            name = self.unique_name('sk')
            self.openstack('keypair', 'import', name, '--public-key', public)
            shown = self.openstack('keypair', 'show', name, '-f',
                                   'json').json()
            self.assertEqual(keygen, shown['fingerprint_sha256'])
            self.assertEqual(algorithm, shown['algorithm'])
            self.assertEqual(line.split()[1],
                             self.nova_keypair(name).public_key.split()[1])


class PipedInputTest(base.FunctionalTestCase):
    """Inputs from pipes, as ``<(cat k.pub)`` and ``<(pass show x)`` give."""

    def pipe(self, data: str) -> tuple[str, int]:
        """A pipe holding ``data``: its /dev/fd path and the fd to pass."""
        reader, writer = os.pipe()
        os.write(writer, data.encode())
        os.close(writer)
        self.addCleanup(os.close, reader)
        return f'/dev/fd/{reader}', reader

    def test_public_key_and_passphrase_from_pipes(self):
        key = self.path('id')
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', 'piped-passphrase',
                        '-f', key)
        self.secrets.append('piped-passphrase')
        with open(key + '.pub') as f:
            public = f.read()
        path, fd = self.pipe(public)
        name = self.unique_name('pipe')
        self.openstack('keypair', 'import', name, '--public-key', path,
                       pass_fds=(fd,))
        self.assertEqual(public.split()[1],
                         self.nova_keypair(name).public_key.split()[1])
        path, fd = self.pipe('piped-passphrase\n')
        self.openstack('keypair', 'verify', name, '--private-key', key,
                       '--passphrase-file', path, pass_fds=(fd,))

    def test_a_pipe_is_never_a_private_key_target(self):
        path, fd = self.pipe('')
        name = self.unique_name('pipe')
        result = self.openstack('keypair', 'create', name, '--private-key',
                                path, pass_fds=(fd,), expect=1)
        # /dev/fd/N is a link to the pipe: refused as any link is.
        self.assertCleanFailure(result, 'symbolic link')
        self.assertIsNone(self.nova_keypair(name))
