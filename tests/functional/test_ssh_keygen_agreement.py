"""ssh-keygen agrees with us both ways: it reads the keys we write, and we
read the keys it writes, with the same public halves and fingerprints.

These run the real ssh-keygen, so they live in the functional suite: unit
tests start no programs.
"""

from __future__ import annotations

from keypairs_osc import keys
from tests import vectors
from tests.functional import base
from tests.unit.keymaker import KINDS, PASSPHRASE, b64, key, openssh


def text(passphrase: bytes | None) -> str | None:
    """A passphrase as the ssh_keygen helper takes it."""
    return None if passphrase is None else passphrase.decode()


class SshKeygenAgreementTest(base.FunctionalTestCase):
    """ssh-keygen reads what we write, and we read what it writes."""

    def test_public_key_and_fingerprints_match_ssh_keygen(self):
        for key_type, size, algorithm, bits in KINDS:
            private_key = key(key_type, size)
            info = keys.public_key_of(private_key, 'test')
            name = f'{key_type}{size or ""}'
            path = self.write(name, keys.serialize_private_key(private_key))
            derived = self.ssh_keygen('-y', '-f', path).split()
            self.assertEqual([algorithm, b64(info.blob)], derived[:2])
            pub = self.write(name + '.pub', info.openssh.encode() + b'\n',
                             0o644)
            sha256 = self.ssh_keygen('-l', '-E', 'sha256', '-f', pub).split()
            self.assertEqual([str(bits), info.fingerprint_sha256],
                             sha256[:2])
            md5 = self.ssh_keygen('-l', '-E', 'md5', '-f', pub).split()
            self.assertEqual([str(bits), 'MD5:' + info.fingerprint_md5],
                             md5[:2])

    def test_fixed_fingerprints_match_ssh_keygen(self):
        pub = self.write('fixed.pub', vectors.FIXED_LINE + '\n', 0o644)
        self.assertIn(vectors.FIXED_SHA256,
                      self.ssh_keygen('-l', '-E', 'sha256', '-f', pub))
        self.assertIn('MD5:' + vectors.FIXED_MD5,
                      self.ssh_keygen('-l', '-E', 'md5', '-f', pub))

    def test_ssh_keygen_reads_our_pem_and_pkcs8_keys(self):
        # OpenSSH before 9.6 cannot read ed25519 keys in PKCS#8.
        for key_type, size, fmt in (('ecdsa', 256, 'pem'),
                                    ('ecdsa', 521, 'pkcs8'),
                                    ('rsa', 2048, 'pem'),
                                    ('rsa', 2048, 'pkcs8')):
            private_key = key(key_type, size)
            path = self.write(f'{key_type}{size}.{fmt}',
                              keys.serialize_private_key(private_key, fmt))
            derived = self.ssh_keygen('-y', '-f', path).split()
            self.assertEqual(openssh(private_key).split(), derived[:2])

    def test_the_comment_is_kept_in_the_openssh_key_as_ssh_keygen_does(self):
        for key_type, size in (('ed25519', None), ('ecdsa', 384),
                               ('rsa', 2048)):
            private = key(key_type, size)
            for passphrase in (None, PASSPHRASE):
                data = keys.serialize_private_key(
                    private, 'openssh', passphrase, comment='me@laptop 2')
                back = keys.load_private_key(data, passphrase)
                self.assertEqual(keys.public_key_of(private).blob,
                                 keys.public_key_of(back).blob)
                path = self.write(f'{key_type}-{bool(passphrase)}', data)
                derived = self.ssh_keygen('-y', '-f', path,
                                          passphrase=text(passphrase))
                self.assertTrue(derived.strip().endswith(' me@laptop 2'),
                                derived)

    def test_ssh_keygen_decrypts_our_encrypted_keys(self):
        for key_type, size, fmt in (('ed25519', None, 'openssh'),
                                    ('ecdsa', 384, 'openssh'),
                                    ('ecdsa', 256, 'pem'),
                                    ('ecdsa', 256, 'pkcs8')):
            private_key = key(key_type, size)
            data = keys.serialize_private_key(private_key, fmt, PASSPHRASE)
            path = self.write(f'{key_type}{size}.{fmt}', data)
            derived = self.ssh_keygen('-y', '-f', path,
                                      passphrase=text(PASSPHRASE)).split()
            self.assertEqual(openssh(private_key).split(), derived[:2])

    def keygen_key(self, key_type: str, fmt: str | None,
                   passphrase: bytes | None) -> tuple[bytes, bytes]:
        """Private key file and public blob from ssh-keygen itself."""
        path = self.path(f'{key_type}-{fmt}-{bool(passphrase)}')
        args = ['-q', '-t', key_type, '-f', path, '-C', 'made by ssh-keygen']
        if key_type == 'rsa':
            args += ['-b', '2048']
        if fmt:
            args += ['-m', fmt]
        if passphrase is None:
            args += ['-N', '']
        self.ssh_keygen(*args, passphrase=text(passphrase))
        with open(path, 'rb') as f:
            data = f.read()
        with open(path + '.pub') as f:
            line = f.read()
        parsed = keys.parse_public_key(line)
        self.assertEqual('made by ssh-keygen', parsed.info.comment)
        return data, parsed.info.blob

    def check_we_read_ssh_keygen(self, key_type: str, headers: dict):
        for fmt, header in headers.items():
            data, blob = self.keygen_key(key_type, fmt, None)
            self.assertIn(header, data)
            self.assertFalse(keys.private_key_is_encrypted(data))
            loaded = keys.load_private_key(data)
            self.assertEqual(blob, keys.public_key_of(loaded).blob)

            data, blob = self.keygen_key(key_type, fmt, PASSPHRASE)
            self.assertTrue(keys.private_key_is_encrypted(data), fmt)
            self.assertRaises(keys.PassphraseRequired, keys.load_private_key,
                              data)
            self.assertRaises(keys.WrongPassphrase, keys.load_private_key,
                              data, b'wrong passphrase')
            loaded = keys.load_private_key(data, PASSPHRASE)
            self.assertEqual(blob, keys.public_key_of(loaded).blob)

    def test_we_read_ssh_keygen_ed25519_keys(self):
        # ssh-keygen writes ed25519 keys in its own format whatever -m says.
        self.check_we_read_ssh_keygen('ed25519', {
            None: b'BEGIN OPENSSH PRIVATE KEY'})

    def test_we_read_ssh_keygen_ecdsa_keys(self):
        self.check_we_read_ssh_keygen('ecdsa', {
            None: b'BEGIN OPENSSH PRIVATE KEY',
            'PEM': b'BEGIN EC PRIVATE KEY',
            'PKCS8': b'PRIVATE KEY-----'})

    def test_we_read_ssh_keygen_rsa_keys(self):
        self.check_we_read_ssh_keygen('rsa', {
            None: b'BEGIN OPENSSH PRIVATE KEY',
            'PEM': b'BEGIN RSA PRIVATE KEY',
            'PKCS8': b'PRIVATE KEY-----'})

    def test_we_parse_ssh_keygen_exports(self):
        for key_type, size, algorithm, bits in KINDS:
            private_key = key(key_type, size)
            info = keys.public_key_of(private_key)
            pub = self.write(f'{key_type}{size}.pub',
                             openssh(private_key, 'c').encode(), 0o644)
            exports = [('rfc4716', self.ssh_keygen('-e', '-f', pub))]
            if key_type != 'ed25519':  # no PEM export for ed25519
                exports.append(
                    ('pem', self.ssh_keygen('-e', '-m', 'PKCS8', '-f', pub)))
                exports.append(
                    ('pem', self.ssh_keygen('-e', '-m', 'PEM', '-f', pub)))
            for source_format, text in exports:
                parsed = keys.parse_public_key(text)
                self.assertEqual(source_format, parsed.source_format)
                self.assertEqual(info.blob, parsed.info.blob)
                self.assertEqual((algorithm, bits),
                                 (parsed.info.algorithm, parsed.info.bits))
                self.assertEqual(parsed.info.openssh, parsed.upload)
                self.assertEqual(1, len(parsed.upload.splitlines()))
            rfc = keys.parse_public_key(exports[0][1])
            self.assertIn('converted by', rfc.info.comment)

    def test_ssh_keygen_rsa_pem_export_is_rsa_public_key(self):
        pub = self.write('rsa.pub', openssh(key('rsa', 2048)).encode(),
                         0o644)
        text = self.ssh_keygen('-e', '-m', 'PEM', '-f', pub)
        self.assertIn('-----BEGIN RSA PUBLIC KEY-----', text)
        self.assertEqual(keys.public_key_of(key('rsa', 2048)).blob,
                         keys.parse_public_key(text).info.blob)
