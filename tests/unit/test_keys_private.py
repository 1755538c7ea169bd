"""Unit tests for keypairs_osc.keys: generating, serialising and loading
private keys, and what loading refuses.

That ssh-keygen agrees with it both ways is the functional suite's
``test_ssh_keygen_agreement``: unit tests start no programs.
"""

from __future__ import annotations

import base64
import struct

import fixtures
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa

from keypairs_osc import keys
from keypairs_osc.keys import private
from tests.vectors import FIXED_LINE
from tests.unit import base
from tests.unit.keymaker import (KINDS, PASSPHRASE, b64, dsa_key, key,
                                 spki_pem, ssh_string)


# --- generation ------------------------------------------------------------

class ResolveKeySizeTest(base.TestCase):

    def test_defaults(self):
        self.assertIsNone(keys.resolve_key_size('ed25519', None))
        self.assertEqual(256, keys.resolve_key_size('ecdsa', None))
        self.assertEqual(3072, keys.resolve_key_size('rsa', None))
        self.assertEqual(3072, keys.RSA_DEFAULT_BITS)

    def test_rsa_accepts_2048_to_16384(self):
        for bits in (2048, 3072, 4096, 8192, 16384):
            self.assertEqual(bits, keys.resolve_key_size('rsa', bits))

    def test_rsa_refuses_sizes_out_of_range(self):
        for bits in (0, 1024, 2047, 16385, 32768, -1):
            error = self.assertRaises(keys.InvalidKey, keys.resolve_key_size,
                                      'rsa', bits)
            self.assertIn('2048', str(error))
            self.assertIn('16384', str(error))
            self.assertIn(str(bits), str(error))

    def test_ecdsa_accepts_only_the_three_nist_curves(self):
        for bits in (256, 384, 521):
            self.assertEqual(bits, keys.resolve_key_size('ecdsa', bits))
        for bits in (0, 192, 224, 512, 2048):
            error = self.assertRaises(keys.InvalidKey, keys.resolve_key_size,
                                      'ecdsa', bits)
            self.assertIn('256, 384 or 521', str(error))

    def test_ed25519_refuses_any_size(self):
        for bits in (256, 255, 0, 2048):
            error = self.assertRaises(keys.InvalidKey, keys.resolve_key_size,
                                      'ed25519', bits)
            self.assertIn('--key-size', str(error))

    def test_unknown_type_is_refused_with_the_choices(self):
        for key_type in ('dsa', 'ssh-rsa', 'RSA', ''):
            error = self.assertRaises(keys.InvalidKey, keys.resolve_key_size,
                                      key_type, None)
            self.assertIn('ed25519, ecdsa, rsa', str(error))


class GenerateTest(base.KeyTestCase):

    def test_every_kind_has_its_algorithm_and_bits(self):
        for key_type, size, algorithm, bits in KINDS:
            info = keys.public_key_of(key(key_type, size))
            self.assertEqual(algorithm, info.algorithm)
            self.assertEqual(bits, info.bits)

    def test_ed25519(self):
        self.assertIsInstance(keys.generate('ed25519'),
                              ed25519.Ed25519PrivateKey)

    def test_ecdsa_curves(self):
        for size, curve in ((256, 'secp256r1'), (384, 'secp384r1'),
                            (521, 'secp521r1')):
            private_key = key('ecdsa', size)
            self.assertIsInstance(private_key, ec.EllipticCurvePrivateKey)
            self.assertEqual(curve, private_key.curve.name)

    def test_ecdsa_default_is_nistp256(self):
        self.assertEqual('secp256r1', keys.generate('ecdsa').curve.name)

    def test_rsa_2048(self):
        private_key = key('rsa', 2048)
        self.assertIsInstance(private_key, rsa.RSAPrivateKey)
        self.assertEqual(2048, private_key.key_size)
        self.assertEqual(65537, private_key.public_key().public_numbers().e)

    def test_rsa_default_asks_for_3072_bits(self):
        fake = self.useFixture(fixtures.MockPatchObject(
            rsa, 'generate_private_key')).mock
        keys.generate('rsa')
        fake.assert_called_once_with(public_exponent=65537, key_size=3072)

    def test_each_key_is_new(self):
        self.assertNotEqual(keys.public_key_of(keys.generate('ed25519')).blob,
                            keys.public_key_of(keys.generate('ed25519')).blob)

    def test_sizes_are_checked_before_generating(self):
        self.assertRaises(keys.InvalidKey, keys.generate, 'rsa', 1024)
        self.assertRaises(keys.InvalidKey, keys.generate, 'ecdsa', 512)
        self.assertRaises(keys.InvalidKey, keys.generate, 'ed25519', 256)
        self.assertRaises(keys.InvalidKey, keys.generate, 'dsa')


# --- private keys ----------------------------------------------------------

class SerializePrivateKeyTest(base.KeyTestCase):

    HEADERS = [
        ('ed25519', None, 'openssh', b'-----BEGIN OPENSSH PRIVATE KEY-----'),
        ('ecdsa', 384, 'openssh', b'-----BEGIN OPENSSH PRIVATE KEY-----'),
        ('ecdsa', 384, 'pem', b'-----BEGIN EC PRIVATE KEY-----'),
        ('ecdsa', 384, 'pkcs8', b'-----BEGIN PRIVATE KEY-----'),
        ('rsa', 2048, 'openssh', b'-----BEGIN OPENSSH PRIVATE KEY-----'),
        ('rsa', 2048, 'pem', b'-----BEGIN RSA PRIVATE KEY-----'),
        ('rsa', 2048, 'pkcs8', b'-----BEGIN PRIVATE KEY-----'),
    ]

    def test_headers_of_each_format(self):
        for key_type, size, fmt, header in self.HEADERS:
            data = keys.serialize_private_key(key(key_type, size), fmt)
            self.assertTrue(data.startswith(header + b'\n'),
                            f'{key_type} {fmt}: {data[:40]!r}')
            self.assertTrue(data.endswith(b'-----\n'))

    def test_openssh_is_the_default_format(self):
        data = keys.serialize_private_key(key('ed25519'))
        self.assertTrue(data.startswith(b'-----BEGIN OPENSSH PRIVATE KEY'))

    def test_unencrypted_round_trip_of_every_format(self):
        for key_type, size, fmt, _ in self.HEADERS:
            private_key = key(key_type, size)
            data = keys.serialize_private_key(private_key, fmt)
            self.assertFalse(keys.private_key_is_encrypted(data))
            loaded = keys.load_private_key(data)
            self.assertEqual(keys.public_key_of(private_key),
                             keys.public_key_of(loaded))

    def test_ed25519_has_no_pem_form(self):
        error = self.assertRaises(keys.InvalidKey,
                                  keys.serialize_private_key,
                                  key('ed25519'), 'pem')
        self.assertIn('--private-key-format openssh', str(error))
        self.assertOneLine(error)

    def test_ed25519_pkcs8_is_refused_because_ssh_cannot_read_it(self):
        # OpenSSH 9.2's ssh says "invalid format" for such a file.
        error = self.assertRaises(keys.InvalidKey,
                                  keys.serialize_private_key,
                                  key('ed25519'), 'pkcs8')
        self.assertIn('ssh cannot read', str(error))
        self.assertOneLine(error)

    def test_unknown_format_is_refused(self):
        error = self.assertRaises(keys.InvalidKey,
                                  keys.serialize_private_key,
                                  key('ed25519'), 'der')
        self.assertIn('openssh, pem, pkcs8', str(error))

    def test_openssh_with_passphrase_is_bcrypt_and_aes256_ctr(self):
        data = keys.serialize_private_key(key('ed25519'), 'openssh',
                                          PASSPHRASE)
        raw = base64.b64decode(b''.join(data.splitlines()[1:-1]))
        self.assertTrue(raw.startswith(b'openssh-key-v1\0'))
        self.assertIn(ssh_string(b'aes256-ctr'), raw[:64])
        self.assertIn(ssh_string(b'bcrypt'), raw[:64])
        self.assertNotIn(PASSPHRASE, data)

    def test_pkcs8_with_passphrase_is_encrypted_private_key(self):
        data = keys.serialize_private_key(key('ecdsa', 256), 'pkcs8',
                                          PASSPHRASE)
        self.assertTrue(
            data.startswith(b'-----BEGIN ENCRYPTED PRIVATE KEY-----'))

    def test_pem_with_passphrase_has_proc_type_encrypted(self):
        data = keys.serialize_private_key(key('rsa', 2048), 'pem',
                                          PASSPHRASE)
        self.assertTrue(data.startswith(b'-----BEGIN RSA PRIVATE KEY-----'))
        self.assertIn(b'Proc-Type: 4,ENCRYPTED', data)

    def test_empty_passphrase_means_unencrypted(self):
        data = keys.serialize_private_key(key('ed25519'), 'openssh', b'')
        self.assertFalse(keys.private_key_is_encrypted(data))

    def test_passphrase_round_trip_of_every_format(self):
        for key_type, size, fmt in (('ed25519', None, 'openssh'),
                                    ('ecdsa', 256, 'pkcs8'),
                                    ('ecdsa', 256, 'pem'),
                                    ('rsa', 2048, 'pem')):
            private_key = key(key_type, size)
            data = keys.serialize_private_key(private_key, fmt, PASSPHRASE)
            self.assertTrue(keys.private_key_is_encrypted(data), fmt)
            loaded = keys.load_private_key(data, PASSPHRASE)
            self.assertEqual(keys.public_key_of(private_key),
                             keys.public_key_of(loaded))

    def test_wrong_passphrase(self):
        for key_type, size, fmt in (('ed25519', None, 'openssh'),
                                    ('ecdsa', 256, 'pkcs8'),
                                    ('rsa', 2048, 'pem')):
            data = keys.serialize_private_key(key(key_type, size), fmt,
                                              PASSPHRASE)
            error = self.assertRaises(keys.WrongPassphrase,
                                      keys.load_private_key, data,
                                      b'not the passphrase')
            self.assertIn('passphrase does not decrypt', str(error))
            self.assertOneLine(error)

    def test_missing_passphrase(self):
        for fmt in ('openssh', 'pkcs8', 'pem'):
            data = keys.serialize_private_key(key('ecdsa', 256), fmt,
                                              PASSPHRASE)
            for passphrase in (None, b''):
                error = self.assertRaises(keys.PassphraseRequired,
                                          keys.load_private_key, data,
                                          passphrase)
                self.assertIn('passphrase is needed', str(error))
                self.assertOneLine(error)

    def test_passphrase_for_an_unencrypted_key_is_ignored(self):
        for fmt in ('openssh', 'pkcs8', 'pem'):
            private_key = key('ecdsa', 256)
            data = keys.serialize_private_key(private_key, fmt)
            loaded = keys.load_private_key(data, PASSPHRASE)
            self.assertEqual(keys.public_key_of(private_key),
                             keys.public_key_of(loaded))

    def test_passphrase_errors_are_invalid_keys(self):
        self.assertTrue(issubclass(keys.PassphraseRequired, keys.InvalidKey))
        self.assertTrue(issubclass(keys.WrongPassphrase, keys.InvalidKey))
        self.assertTrue(issubclass(keys.PrivateKeyGiven, keys.InvalidKey))
        self.assertTrue(issubclass(keys.InvalidKey, ValueError))


class LoadPrivateKeyRefusalsTest(base.KeyTestCase):

    def assertNotLoaded(self, data, contains=''):
        error = self.assertRaises(keys.InvalidKey, keys.load_private_key,
                                  data)
        self.assertOneLine(error)
        self.assertIn(contains, str(error))
        self.assertFalse(keys.private_key_is_encrypted(data))
        return error

    def test_empty_and_junk(self):
        for data in (b'', b'   \n', b'hello world\n'):
            self.assertNotLoaded(data, 'not a private key')

    def test_binary(self):
        self.assertNotLoaded(b'\x00\xff\xfe\x80garbage', 'binary')

    def test_over_64_kib(self):
        data = keys.serialize_private_key(key('ed25519'))
        self.assertNotLoaded(data + b'\n' * (64 * 1024), '64 KiB')

    def test_a_public_key(self):
        self.assertNotLoaded(FIXED_LINE.encode(), 'not a private key')
        self.assertNotLoaded(spki_pem(key('ed25519')).encode(),
                             'not a private key')

    def test_putty_key_names_the_conversion(self):
        data = (b'PuTTY-User-Key-File-3: ssh-ed25519\n'
                b'Encryption: none\nComment: x\n')
        self.assertNotLoaded(data, 'puttygen')

    def test_corrupt_openssh_body(self):
        data = keys.serialize_private_key(key('ed25519'))
        lines = data.splitlines()
        lines[1] = lines[1][:10] + b'AAAAAAAAAA' + lines[1][20:]
        self.assertNotLoaded(b'\n'.join(lines) + b'\n', 'corrupt')

    def test_truncated_pem_body(self):
        data = keys.serialize_private_key(key('rsa', 2048), 'pem')
        lines = data.splitlines()
        self.assertNotLoaded(b'\n'.join(lines[:3] + lines[-1:]) + b'\n',
                             'corrupt')

    def test_compressed_ecdsa_point_in_openssh_key(self):
        # cryptography raises NotImplementedError here, not ValueError.
        private_key = key('ecdsa', 256)
        data = keys.serialize_private_key(private_key)
        lines = data.decode().splitlines()
        raw = bytearray(base64.b64decode(''.join(lines[1:-1])))
        point = private_key.public_key().public_bytes(
            serialization.Encoding.X962,
            serialization.PublicFormat.UncompressedPoint)
        raw[raw.rfind(point)] = 2
        damaged = '\n'.join([lines[0], b64(bytes(raw)), lines[-1]]) + '\n'
        self.assertNotLoaded(damaged.encode(), 'corrupt')

    def test_dsa_key(self):
        data = dsa_key().private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
        self.assertNotLoaded(data, 'unsupported private key type')


class ReachedTheKdf(Exception):
    """cryptography's loader was called: a key passed the rounds cap."""


class BcryptRoundsCapTest(base.TestCase):
    """A corrupt or hostile OpenSSH key cannot make the KDF run for hours."""

    def with_rounds(self, rounds: int) -> bytes:
        data = keys.serialize_private_key(keys.generate('ed25519'),
                                          'openssh', b'pw').decode()
        lines = data.splitlines()
        raw = bytearray(base64.b64decode(''.join(lines[1:-1])))
        # kdfoptions: string(salt of 16 bytes), then uint32 rounds.
        at = raw.index(b'bcrypt') + len(b'bcrypt') + 4 + 4 + 16
        self.assertEqual(16, struct.unpack('>I', raw[at:at + 4])[0])
        raw[at:at + 4] = struct.pack('>I', rounds)
        body = base64.b64encode(bytes(raw)).decode()
        return '\n'.join([lines[0]] + [body[i:i + 70] for i in range(
            0, len(body), 70)] + [lines[-1], '']).encode()

    def stop_the_loader(self):
        """cryptography's loader, stopped at its door: past it the KDF
        would run (ten seconds idle for 1024 rounds, minutes on a busy
        machine, and no test timeout interrupts it). A refusal must come
        before it; a key let through raises ReachedTheKdf."""
        return self.useFixture(fixtures.MockPatchObject(
            private.serialization, 'load_ssh_private_key',
            side_effect=ReachedTheKdf)).mock

    def test_billions_of_rounds_are_refused_before_any_work(self):
        loader = self.stop_the_loader()
        error = self.assertRaises(keys.InvalidKey, keys.load_private_key,
                                  self.with_rounds(2**31), b'pw')
        self.assertIn('2147483648 bcrypt rounds', str(error))
        loader.assert_not_called()

    def test_one_over_the_cap_is_refused(self):
        # Fixed numbers, not the module's constant: raising the cap fails.
        loader = self.stop_the_loader()
        for rounds in (1025, 4096):
            error = self.assertRaises(keys.InvalidKey, keys.load_private_key,
                                      self.with_rounds(rounds), b'pw')
            self.assertIn(f'{rounds} bcrypt rounds', str(error))
            self.assertNotIsInstance(error, keys.WrongPassphrase)
        loader.assert_not_called()

    def test_the_cap_itself_is_let_through_to_the_kdf(self):
        loader = self.stop_the_loader()
        data = self.with_rounds(1024)
        self.assertRaises(ReachedTheKdf, keys.load_private_key, data, b'pw')
        loader.assert_called_once_with(data, password=b'pw')

    def test_ssh_keygens_default_rounds_load(self):
        keys.load_private_key(self.with_rounds(16), b'pw')


class EdgesOfLoadingTest(base.KeyTestCase):
    """Where loading decides between encrypted, damaged and too large."""

    def cryptography_says(self, error: Exception):
        """cryptography's loader refusing as it did before version 45."""
        for name in ('load_ssh_private_key', 'load_pem_private_key'):
            self.useFixture(fixtures.MockPatchObject(
                private.serialization, name, side_effect=error))

    def test_exactly_64_kib_loads(self):
        data = keys.serialize_private_key(key('ed25519'))
        padded = data + b'\n' * (64 * 1024 - len(data))
        self.assertEqual(64 * 1024, len(padded))
        self.assertEqual(keys.public_key_of(key('ed25519')),
                         keys.public_key_of(keys.load_private_key(padded)))

    def test_a_damaged_unencrypted_key_is_not_a_wrong_passphrase(self):
        data = keys.serialize_private_key(key('rsa', 2048), 'pem')
        lines = data.splitlines()
        damaged = b'\n'.join(lines[:3] + lines[-1:]) + b'\n'
        error = self.assertRaises(keys.InvalidKey, keys.load_private_key,
                                  damaged, PASSPHRASE)
        self.assertNotIsInstance(error, keys.WrongPassphrase)
        self.assertTrue(str(error).startswith(
            'the private key is corrupt or unsupported ('), str(error))

    def test_an_encrypted_openssh_key_in_narrow_lines(self):
        # Only the clear header says "bcrypt": it is found across lines.
        data = keys.serialize_private_key(key('ed25519'), 'openssh',
                                          PASSPHRASE).decode()
        lines = data.splitlines()
        body = ''.join(lines[1:-1])
        narrow = '\n'.join([lines[0], *(body[i:i + 4] for i in range(
            0, len(body), 4)), lines[-1], '']).encode()
        self.cryptography_says(ValueError('Corrupt data: broken checksum'))
        self.assertRaises(keys.PassphraseRequired, keys.load_private_key,
                          narrow)
        self.assertRaises(keys.WrongPassphrase, keys.load_private_key,
                          narrow, b'wrong')

    def test_an_openssh_body_that_is_not_base64_is_damaged(self):
        data = (b'-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAA\n'
                b'-----END OPENSSH PRIVATE KEY-----\n')
        for passphrase in (None, PASSPHRASE):
            error = self.assertRaises(keys.InvalidKey, keys.load_private_key,
                                      data, passphrase)
            self.assertEqual(keys.InvalidKey, type(error))
            self.assertIn('corrupt or unsupported', str(error))

    def test_no_public_half_in_what_is_not_text(self):
        for data in (b'\xff\xfe\x00binary', '\u00e9t\u00e9'.encode()):
            with self.subTest(data=data):
                self.assertIsNone(keys.public_blob_of_private_key(data))


class CommentInOtherFormatsTest(base.KeyTestCase):

    def test_pem_and_pkcs8_have_no_room_for_a_comment(self):
        for fmt, header in (('pem', b'-----BEGIN RSA PRIVATE KEY-----'),
                            ('pkcs8', b'-----BEGIN PRIVATE KEY-----')):
            with self.subTest(fmt=fmt):
                data = keys.serialize_private_key(key('rsa', 2048), fmt,
                                                  comment='me@laptop')
                self.assertTrue(data.startswith(header + b'\n'), data[:40])
                self.assertNotIn(b'OPENSSH', data)
