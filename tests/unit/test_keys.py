"""Unit tests for keypairs_osc.keys: the pure key logic.

That ssh-keygen agrees with it both ways is the functional suite's
``test_ssh_keygen_agreement``: unit tests start no programs.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import random
import re
import struct

import fixtures
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed448
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from keypairs_osc import keys
from keypairs_osc.keys import private
from tests import vectors
from tests.unit import base
from tests.unit.keymaker import KINDS, PASSPHRASE, b64, key, openssh

FIXED_LINE = vectors.FIXED_LINE
FIXED_MD5 = vectors.FIXED_MD5
FIXED_SHA256 = vectors.FIXED_SHA256

MD5_FORMAT = re.compile(r'^(?:[0-9a-f]{2}:){15}[0-9a-f]{2}$')
SHA256_FORMAT = re.compile(r'^SHA256:[A-Za-z0-9+/]{43}$')

_CACHE: dict[object, object] = {}


def weak_rsa() -> rsa.RSAPrivateKey:
    """An rsa key of 1024 bits, which cryptography still generates."""
    if 'weak' not in _CACHE:
        bits = 1024  # too weak on purpose
        _CACHE['weak'] = rsa.generate_private_key(65537, bits)
    return _CACHE['weak']  # type: ignore[return-value]


def dsa_key() -> dsa.DSAPrivateKey:
    """A DSA key, which we refuse in every form."""
    if 'dsa' not in _CACHE:
        _CACHE['dsa'] = dsa.generate_private_key(1024)  # noqa: S505
    return _CACHE['dsa']  # type: ignore[return-value]


def ssh_string(value: bytes) -> bytes:
    return struct.pack('>I', len(value)) + value


def blob_of(line: str) -> bytes:
    return base64.b64decode(line.split()[1])


def spki_pem(private_key) -> str:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def pkcs1_pem(private_key) -> str:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.PKCS1).decode()


def rfc4716(blob: bytes, headers: tuple[str, ...] = ()) -> str:
    body = b64(blob)
    lines = (['---- BEGIN SSH2 PUBLIC KEY ----', *headers]
             + [body[i:i + 70] for i in range(0, len(body), 70)]
             + ['---- END SSH2 PUBLIC KEY ----'])
    return '\n'.join(lines) + '\n'


def certificate(private_key, common_name: str = 'test') -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(name).issuer_name(name)
               .public_key(private_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=30)))
    algorithm = (None if isinstance(private_key, ed25519.Ed25519PrivateKey)
                 else hashes.SHA256())
    cert = builder.sign(private_key, algorithm)
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def compressed_ecdsa_blob() -> bytes:
    """An ecdsa-sha2-nistp256 blob whose point is compressed (02/03...)."""
    point = key('ecdsa', 256).public_key().public_bytes(
        serialization.Encoding.X962,
        serialization.PublicFormat.CompressedPoint)
    return (ssh_string(b'ecdsa-sha2-nistp256') + ssh_string(b'nistp256')
            + ssh_string(point))


class KeyTestCase(base.TestCase):

    def assertRefused(self, data, exc_type=keys.InvalidKey, contains=(),
                      key_type='ssh'):
        """Parsing ``data`` raises ``exc_type`` with a one-line message."""
        error = self.assertRaises(exc_type, keys.parse_public_key, data,
                                  key_type)
        self.assertOneLine(error)
        message = str(error)
        for part in ([contains] if isinstance(contains, str) else contains):
            self.assertIn(part, message)
        return message

    def assertOneLine(self, error):
        message = str(error)
        self.assertTrue(message.strip(), 'empty message')
        self.assertNotIn('\n', message)
        self.assertNotIn('\r', message)
        self.assertLess(len(message), 500, message)

    def assertSamePublicKey(self, private_key, info: keys.PublicKeyInfo):
        self.assertEqual(blob_of(openssh(private_key)), info.blob)


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


class GenerateTest(KeyTestCase):

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

class SerializePrivateKeyTest(KeyTestCase):

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


class LoadPrivateKeyRefusalsTest(KeyTestCase):

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


# --- parsing public keys: accepted forms -----------------------------------

class SecurityKeysTest(KeyTestCase):
    """FIDO keys: accepted as Nova accepts them, as ssh-keygen prints."""

    def test_accepted_with_ssh_keygens_fingerprints(self):
        for algorithm, (line, sha256, md5) in vectors.SECURITY_KEYS.items():
            parsed = keys.parse_public_key(line)
            self.assertEqual(algorithm, parsed.info.algorithm)
            self.assertEqual(256, parsed.info.bits)
            self.assertEqual(sha256, parsed.info.fingerprint_sha256)
            self.assertEqual(md5, parsed.info.fingerprint_md5)
            self.assertEqual(line, parsed.upload)

    def test_described_as_stored(self):
        for line, sha256, _ in vectors.SECURITY_KEYS.values():
            self.assertEqual(sha256,
                             keys.describe_stored(line).fingerprint_sha256)

    def test_the_private_key_handle_file_gives_its_public_half(self):
        line = vectors.SECURITY_KEYS['sk-ssh-ed25519@openssh.com'][0]
        blob = blob_of(line)
        raw = (b'openssh-key-v1\0' + ssh_string(b'none') + ssh_string(b'none')
               + ssh_string(b'') + b'\0\0\0\1' + ssh_string(blob)
               + ssh_string(b'the handle, which only the key can use'))
        handle = (b'-----BEGIN OPENSSH PRIVATE KEY-----\n'
                  + base64.encodebytes(raw)
                  + b'-----END OPENSSH PRIVATE KEY-----\n')
        self.assertEqual(blob, keys.public_blob_of_private_key(handle))

    def test_rfc4716_form(self):
        line, sha256, _ = vectors.SECURITY_KEYS['sk-ssh-ed25519@openssh.com']
        parsed = keys.parse_public_key(rfc4716(blob_of(line)))
        self.assertEqual(sha256, parsed.info.fingerprint_sha256)


class ParsePublicKeyAcceptsTest(KeyTestCase):

    def test_openssh_line_with_comment(self):
        line = openssh(key('ed25519'), 'me@laptop')
        parsed = keys.parse_public_key(line)
        self.assertEqual(line, parsed.upload)
        self.assertEqual('openssh', parsed.source_format)
        self.assertEqual('me@laptop', parsed.info.comment)
        self.assertEqual('ssh-ed25519', parsed.info.algorithm)
        self.assertSamePublicKey(key('ed25519'), parsed.info)

    def test_openssh_line_without_comment(self):
        line = openssh(key('ecdsa', 384))
        parsed = keys.parse_public_key(line)
        self.assertEqual(line, parsed.upload)
        self.assertEqual('', parsed.info.comment)
        self.assertEqual(2, len(parsed.upload.split()))

    def test_every_kind_as_bytes_and_text(self):
        for key_type, size, algorithm, bits in KINDS:
            line = openssh(key(key_type, size), 'c')
            for data in (line, line.encode(), line + '\n'):
                parsed = keys.parse_public_key(data)
                self.assertEqual(line, parsed.upload)
                self.assertEqual((algorithm, bits),
                                 (parsed.info.algorithm, parsed.info.bits))

    def test_spacing_and_line_ends_are_normalised(self):
        line = openssh(key('ed25519'))
        algorithm, data = line.split()
        for text in (f'  {algorithm}\t{data}   my   key \n',
                     f'{algorithm} {data} my key\r\n',
                     f'\n\n{algorithm} {data} my\tkey\n\n',
                     f'# from my laptop\n{algorithm} {data} my key\n'):
            parsed = keys.parse_public_key(text)
            self.assertEqual(f'{line} my key', parsed.upload)

    def test_authorized_keys_options_are_dropped(self):
        line = openssh(key('ed25519'), 'c')
        for options in ('no-pty,command="echo a b"',
                        'restrict',
                        'from="10.0.0.1,10.0.0.2",no-agent-forwarding',
                        'environment="A=b c",command="x \\"y z\\""'):
            parsed = keys.parse_public_key(f'{options} {line}')
            self.assertEqual(line, parsed.upload)
            self.assertEqual('c', parsed.info.comment)

    def test_a_key_inside_a_quoted_option_is_not_taken(self):
        # sshd reads \" as a quote inside the value, not as its end.
        line = openssh(key('ed25519'), 'real')
        decoy = openssh(key('ecdsa', 256), 'decoy')
        parsed = keys.parse_public_key(
            f'command="echo \\" {decoy} \\"",no-pty {line}')
        self.assertEqual(line, parsed.upload)

    def test_rfc4716_with_comment_header(self):
        private_key = key('rsa', 2048)
        text = rfc4716(blob_of(openssh(private_key)),
                       ('Comment: "2048-bit RSA, from my laptop"',))
        parsed = keys.parse_public_key(text)
        self.assertEqual('rfc4716', parsed.source_format)
        self.assertEqual('2048-bit RSA, from my laptop', parsed.info.comment)
        self.assertEqual(openssh(private_key,
                                 '2048-bit RSA, from my laptop'),
                         parsed.upload)

    def test_rfc4716_header_continuation(self):
        blob = blob_of(openssh(key('ed25519')))
        text = rfc4716(blob, ('Subject: someone',
                              'Comment: "a comment that goes on \\',
                              'and on \\',
                              'to the end"',
                              'x-private-header: value \\',
                              'continued'))
        parsed = keys.parse_public_key(text)
        self.assertEqual('a comment that goes on and on to the end',
                         parsed.info.comment)
        self.assertEqual(blob, parsed.info.blob)

    def test_rfc4716_without_headers_and_with_crlf(self):
        blob = blob_of(openssh(key('ecdsa', 521)))
        text = rfc4716(blob).replace('\n', '\r\n')
        parsed = keys.parse_public_key(text.encode())
        self.assertEqual('', parsed.info.comment)
        self.assertEqual(blob, parsed.info.blob)
        self.assertEqual('ecdsa-sha2-nistp521', parsed.info.algorithm)

    def test_pem_public_key_of_every_kind(self):
        for key_type, size, algorithm, bits in KINDS:
            private_key = key(key_type, size)
            parsed = keys.parse_public_key(spki_pem(private_key))
            self.assertEqual('pem', parsed.source_format)
            self.assertEqual(openssh(private_key), parsed.upload)
            self.assertEqual((algorithm, bits),
                             (parsed.info.algorithm, parsed.info.bits))

    def test_pem_rsa_public_key(self):
        private_key = key('rsa', 2048)
        text = pkcs1_pem(private_key)
        self.assertIn('-----BEGIN RSA PUBLIC KEY-----', text)
        parsed = keys.parse_public_key(text)
        self.assertEqual(openssh(private_key), parsed.upload)
        self.assertEqual('pem', parsed.source_format)

    def test_pem_with_text_around_it(self):
        private_key = key('ecdsa', 256)
        text = f'my key:\n{spki_pem(private_key)}\nthanks\n'
        self.assertEqual(openssh(private_key),
                         keys.parse_public_key(text).upload)

    def test_x509_certificate(self):
        for private_key in (key('rsa', 2048), key('ecdsa', 384),
                            key('ed25519')):
            pem = certificate(private_key)
            parsed = keys.parse_public_key(pem, 'x509')
            self.assertEqual('x509', parsed.source_format)
            self.assertEqual(pem, parsed.upload)
            self.assertSamePublicKey(private_key, parsed.info)

    def test_x509_upload_is_only_the_certificate(self):
        pem = certificate(key('ecdsa', 256))
        text = 'Certificate:\n    Data: ...\n' + pem.replace('\n', '\r\n')
        self.assertEqual(pem, keys.parse_public_key(text, 'x509').upload)

    def test_same_key_in_every_format_gives_the_same_fingerprint(self):
        private_key = key('rsa', 2048)
        line = openssh(private_key)
        infos = [keys.parse_public_key(text).info for text in (
            line, f'{line} comment', rfc4716(blob_of(line)),
            spki_pem(private_key), pkcs1_pem(private_key))]
        infos.append(keys.parse_public_key(certificate(private_key),
                                           'x509').info)
        self.assertEqual(1, len({i.fingerprint_md5 for i in infos}))
        self.assertEqual(1, len({i.fingerprint_sha256 for i in infos}))

    def test_exactly_64_kib_is_accepted(self):
        line = openssh(key('ed25519'))
        data = (line + ' ' * (64 * 1024 - len(line))).encode()
        self.assertEqual(64 * 1024, len(data))
        self.assertEqual(line, keys.parse_public_key(data).upload)


# --- parsing public keys: refusals -----------------------------------------

class ParsePublicKeyRefusesTest(KeyTestCase):

    def test_empty_input(self):
        for data in (b'', '', '\n', '   \t\n  ', b'\r\n'):
            self.assertRefused(data, contains='empty')

    def test_only_comment_lines(self):
        self.assertRefused('# nothing here\n# at all\n', contains='empty')

    def test_garbage_text(self):
        for text in ('hello world', 'hello', 'AAAAC3NzaC1lZDI1NTE5',
                     'ssh_ed25519 AAAA', '"quoted ssh-ed25519 AAAA'):
            self.assertRefused(text, contains='not a public key')

    def test_several_lines_of_garbage_are_not_called_keys(self):
        message = self.assertRefused('hello world\nthis is not\na key\n')
        self.assertIn('not a public key', message)
        self.assertNotIn('holds', message)

    def test_pem_without_end_line_is_not_called_several_keys(self):
        lines = spki_pem(key('ecdsa', 256)).splitlines()
        message = self.assertRefused('\n'.join(lines[:-1]) + '\n')
        self.assertNotIn('holds', message)

    def test_binary_input(self):
        for data in (b'\xff\xfe\x00\x01', bytes(range(128, 256)),
                     random.Random(7).randbytes(300)):
            self.assertRefused(data, contains='binary')

    def test_control_characters(self):
        self.assertRefused(b'\x00\x01\x02\x03', contains='not a public key')

    def test_broken_base64(self):
        algorithm, data = openssh(key('ed25519')).split()
        for broken in (data[:-1], data[:-2] + '!!', data + 'A',
                       '====', 'AAAAC3Nz\u043a\u043b'):
            self.assertRefused(f'{algorithm} {broken}', contains='base64')

    def test_type_without_data(self):
        self.assertRefused('ssh-ed25519', contains='no key data')
        self.assertRefused('ssh-rsa   \n', contains='no key data')

    def test_unknown_key_type(self):
        for line in ('ssh-foo AAAA', 'ssh-foo AAAA comment',
                     'ecdsa-sha2-nistp224 AAAA',
                     'ssh-ed448 ' + b64(ssh_string(b'ssh-ed448') + b'x' * 57),
                     'ssh-ed25519-cert-v01@openssh.com AAAA'):
            message = self.assertRefused(line, contains='unsupported')
            self.assertIn(repr(line.split()[0]), message)

    def test_ssh_dss(self):
        line = 'ssh-dss ' + b64(ssh_string(b'ssh-dss') + b'\0' * 40)
        self.assertRefused(line, contains='DSA')
        self.assertRefused(rfc4716(base64.b64decode(line.split()[1])),
                           contains='DSA')

    def test_dsa_pem_public_key(self):
        pem = spki_pem(dsa_key())
        self.assertRefused(pem, contains='DSA')

    def test_damaged_security_keys(self):
        for algorithm in ('sk-ssh-ed25519@openssh.com',
                          'sk-ecdsa-sha2-nistp256@openssh.com'):
            bare = ssh_string(algorithm.encode())
            no_application = base64.b64decode(
                vectors.SECURITY_KEYS[algorithm][0].split()[1])[:-8]
            for blob, reason in ((bare, 'corrupt'),
                                 (no_application, 'corrupt'),
                                 (no_application + b'\0', 'truncated')):
                self.assertRefused(f'{algorithm} {b64(blob)} me',
                                   contains=reason)

    def test_header_and_blob_disagree(self):
        ed_blob = blob_of(openssh(key('ed25519')))
        p384_blob = blob_of(openssh(key('ecdsa', 384)))
        for algorithm, blob in (('ssh-rsa', ed_blob),
                                ('ecdsa-sha2-nistp256', p384_blob),
                                ('ssh-ed25519', p384_blob)):
            self.assertRefused(f'{algorithm} {b64(blob)}',
                               contains=f'not a {algorithm} key')

    def test_truncated_blob(self):
        for key_type, size, algorithm, _ in KINDS:
            blob = blob_of(openssh(key(key_type, size)))
            for cut in (1, 3, 6, 20, len(blob) - 1):
                self.assertRefused(f'{algorithm} {b64(blob[:cut])}',
                                   contains='truncated' if cut < 20 else '')

    def test_trailing_bytes_after_blob(self):
        for key_type, size, algorithm, _ in KINDS:
            padded = blob_of(openssh(key(key_type, size))) + bytes(4)
            self.assertRefused(f'{algorithm} {b64(padded)}',
                               contains='corrupt')

    def test_compressed_ecdsa_point(self):
        blob = compressed_ecdsa_blob()
        self.assertRefused(f'ecdsa-sha2-nistp256 {b64(blob)}',
                           contains='corrupt')
        self.assertRefused(rfc4716(blob), contains='corrupt')

    def test_rsa_1024_in_every_format(self):
        weak = weak_rsa()
        line = openssh(weak)
        for text in (line, rfc4716(blob_of(line)), spki_pem(weak),
                     pkcs1_pem(weak)):
            self.assertRefused(text, contains=('1024', 'weak', '2048'))
        self.assertRefused(certificate(weak), key_type='x509',
                           contains=('1024', 'weak'))

    def test_unsupported_curves_and_types_in_pem(self):
        secp256k1 = ec.generate_private_key(ec.SECP256K1())
        self.assertRefused(spki_pem(secp256k1), contains='secp256k1')
        self.assertRefused(spki_pem(ed448.Ed448PrivateKey.generate()),
                           contains='unsupported key type')

    def test_over_64_kib(self):
        line = openssh(key('ed25519'))
        data = (line + ' ' * (64 * 1024 + 1 - len(line)))
        self.assertRefused(data.encode(), contains='64 KiB')
        self.assertRefused(data, contains='64 KiB')
        self.assertRefused(b'\xff' * (1024 * 1024), contains='64 KiB')

    def test_two_openssh_keys(self):
        one = openssh(key('ed25519'), 'one')
        two = openssh(key('ecdsa', 256), 'two')
        self.assertRefused(f'{one}\n{two}\n', contains='holds 2 keys')
        self.assertRefused(f'{one}\n\n{two}\n{one}\n',
                           contains='holds 3 keys')

    def test_two_rfc4716_keys(self):
        blob = blob_of(openssh(key('ed25519')))
        self.assertRefused(rfc4716(blob) + rfc4716(blob),
                           contains='holds 2 keys')

    def test_two_pem_keys(self):
        text = spki_pem(key('ed25519')) + pkcs1_pem(key('rsa', 2048))
        self.assertRefused(text, contains='holds 2 keys')

    def test_two_certificates(self):
        pem = certificate(key('ecdsa', 256))
        self.assertRefused(pem + pem, key_type='x509',
                           contains='holds 2 keys')

    def test_rfc4716_without_end_line(self):
        text = rfc4716(blob_of(FIXED_LINE)).replace(
            '---- END SSH2 PUBLIC KEY ----', '')
        self.assertRefused(text, contains='no END line')

    def test_rfc4716_with_broken_body(self):
        text = rfc4716(b'not a key at all')
        self.assertRefused(text)
        self.assertRefused('---- BEGIN SSH2 PUBLIC KEY ----\n'
                           '---- END SSH2 PUBLIC KEY ----\n')
        self.assertRefused('---- BEGIN SSH2 PUBLIC KEY ----\n!!!!\n'
                           '---- END SSH2 PUBLIC KEY ----\n',
                           contains='base64')

    def test_unsupported_pem_block(self):
        text = ('-----BEGIN DH PARAMETERS-----\nMAA=\n'
                '-----END DH PARAMETERS-----\n')
        self.assertRefused(text, contains='unsupported PEM block')

    def test_corrupt_pem_public_key(self):
        for text in (spki_pem(key('ed25519')).replace('MC', 'Mx', 1),
                     '-----BEGIN PUBLIC KEY-----\nAAAA\n'
                     '-----END PUBLIC KEY-----\n',
                     '-----BEGIN RSA PUBLIC KEY-----\nAAAA\n'
                     '-----END RSA PUBLIC KEY-----\n'):
            self.assertRefused(text, contains='corrupt')

    def test_certificate_needs_type_x509(self):
        message = self.assertRefused(certificate(key('ecdsa', 256)))
        self.assertIn('certificate', message)
        self.assertIn('--type x509', message)

    def test_type_x509_needs_a_certificate(self):
        for text in (openssh(key('ed25519')), spki_pem(key('ed25519'))):
            self.assertRefused(text, key_type='x509',
                               contains='BEGIN CERTIFICATE')

    def test_corrupt_certificate(self):
        pem = certificate(key('ecdsa', 256))
        lines = pem.splitlines()
        broken = '\n'.join(lines[:2] + lines[-1:]) + '\n'
        self.assertRefused(broken, key_type='x509', contains='corrupt')

    def test_mutated_keys_raise_only_invalid_key(self):
        """Damaged input of every format gives InvalidKey, never a crash."""
        rnd = random.Random(1234)
        sources = [openssh(key(t, s), 'c') for t, s, _, _ in KINDS]
        sources += [rfc4716(blob_of(sources[1])), rfc4716(blob_of(sources[4])),
                    spki_pem(key('ecdsa', 256)), pkcs1_pem(key('rsa', 2048))]
        alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/='
        for source in sources:
            for _ in range(150):
                text = list(source)
                for _ in range(rnd.randrange(1, 4)):
                    i = rnd.randrange(len(text))
                    action = rnd.randrange(3)
                    if action == 0:
                        text[i] = rnd.choice(alphabet)
                    elif action == 1:
                        del text[i:i + rnd.randrange(1, 12)]
                    else:
                        text.insert(i, rnd.choice(alphabet))
                mutated = ''.join(text)
                try:
                    keys.parse_public_key(mutated)
                except keys.InvalidKey as error:
                    self.assertOneLine(error)
                info = keys.describe_stored(mutated)
                self.assertIsInstance(info, (keys.PublicKeyInfo, type(None)))

    def test_mutated_blobs_raise_only_invalid_key(self):
        rnd = random.Random(99)
        for key_type, size, algorithm, _ in KINDS:
            blob = blob_of(openssh(key(key_type, size)))
            for _ in range(150):
                mutated = bytearray(blob)
                mutated[rnd.randrange(len(mutated))] = rnd.randrange(256)
                line = f'{algorithm} {b64(bytes(mutated))}'
                try:
                    keys.parse_public_key(line)
                except keys.InvalidKey as error:
                    self.assertOneLine(error)
                keys.describe_stored(line)


class PrivateKeyGivenAsPublicTest(KeyTestCase):
    """A private key where a public one belongs is refused, and not echoed."""

    def private_keys(self):
        ed = key('ed25519')
        yield 'openssh', keys.serialize_private_key(ed)
        yield 'pkcs8', keys.serialize_private_key(key('ecdsa', 256), 'pkcs8')
        yield 'pem rsa', keys.serialize_private_key(key('rsa', 2048), 'pem')
        yield 'pem ec', keys.serialize_private_key(key('ecdsa', 384), 'pem')
        yield 'encrypted pkcs8', keys.serialize_private_key(
            key('ecdsa', 256), 'pkcs8', PASSPHRASE)
        yield 'encrypted openssh', keys.serialize_private_key(
            ed, 'openssh', PASSPHRASE)
        yield 'private then public', (keys.serialize_private_key(ed)
                                      + openssh(ed).encode() + b'\n')
        yield 'public then private', (openssh(ed).encode() + b'\n'
                                      + keys.serialize_private_key(ed))
        yield 'putty', (b'PuTTY-User-Key-File-3: ssh-ed25519\n'
                        b'Encryption: none\nComment: me\n'
                        b'Public-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIMr\n')
        yield 'ssh.com', (b'---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n'
                          b'P2/56wAAAi4AAAA3aWYtbW9kbntzaWdue3JzYS1wa2NzMS\n'
                          b'---- END SSH2 ENCRYPTED PRIVATE KEY ----\n')

    def test_every_private_key_form_is_refused(self):
        # --private-key reads neither PuTTY's nor ssh.com's: not suggested.
        unreadable = {'putty': 'puttygen', 'ssh.com': 'exported'}
        for label, data in self.private_keys():
            hint = unreadable.get(label, '--private-key')
            for key_type in ('ssh', 'x509'):
                for given in (data, data.decode()):
                    message = self.assertRefused(
                        given, keys.PrivateKeyGiven, key_type=key_type,
                        contains=('PRIVATE', hint))
                    self.assertNoKeyText(data.decode(), message, label)
                    if label in unreadable:
                        self.assertNotIn('--private-key', message)

    def test_encrypted_pkcs8_header(self):
        data = keys.serialize_private_key(key('rsa', 2048), 'pkcs8',
                                          PASSPHRASE)
        self.assertIn(b'-----BEGIN ENCRYPTED PRIVATE KEY-----', data)
        self.assertRefused(data, keys.PrivateKeyGiven)

    def test_contains_private_key(self):
        for _, data in self.private_keys():
            self.assertTrue(keys.contains_private_key(data.decode()))
        for text in (FIXED_LINE, spki_pem(key('ed25519')),
                     pkcs1_pem(key('rsa', 2048)),
                     rfc4716(blob_of(FIXED_LINE)), 'private key', ''):
            self.assertFalse(keys.contains_private_key(text))

    def test_describe_stored_never_describes_a_private_key(self):
        data = keys.serialize_private_key(key('ed25519')).decode()
        self.assertIsNone(keys.describe_stored(data))

    def assertNoKeyText(self, text, message, label):
        body = ''.join(line for line in text.splitlines()
                       if not line.startswith(('-----', '----', 'PuTTY')))
        body = ''.join(body.split())
        for i in range(0, max(len(body) - 12, 1)):
            chunk = body[i:i + 12]
            self.assertNotIn(chunk, message, f'{label}: key text echoed')
        self.assertNotIn('BEGIN', message)


# --- describing public keys ------------------------------------------------

class PublicKeyInfoTest(KeyTestCase):

    def test_fixed_key_fingerprints(self):
        info = keys.parse_public_key(FIXED_LINE + ' fixed').info
        self.assertEqual(FIXED_MD5, info.fingerprint_md5)
        self.assertEqual(FIXED_SHA256, info.fingerprint_sha256)
        self.assertEqual('fixed', info.comment)

    def test_fingerprint_formats_of_every_kind(self):
        for key_type, size, _, _ in KINDS:
            info = keys.public_key_of(key(key_type, size))
            self.assertEqual(47, len(info.fingerprint_md5))
            self.assertRegex(info.fingerprint_md5, MD5_FORMAT)
            self.assertEqual(hashlib.md5(info.blob).hexdigest(),
                             info.fingerprint_md5.replace(':', ''))
            self.assertRegex(info.fingerprint_sha256, SHA256_FORMAT)
            self.assertNotIn('=', info.fingerprint_sha256)
            digest = base64.b64decode(
                info.fingerprint_sha256.removeprefix('SHA256:') + '=')
            self.assertEqual(hashlib.sha256(info.blob).digest(), digest)

    def test_fingerprints_ignore_the_comment(self):
        a = keys.public_key_of(key('ed25519'), 'a')
        b = keys.public_key_of(key('ed25519'), 'b')
        self.assertEqual(a.fingerprint_md5, b.fingerprint_md5)
        self.assertEqual(a.fingerprint_sha256, b.fingerprint_sha256)
        self.assertNotEqual(a, b)

    def test_fingerprint_of_a_bare_blob(self):
        self.assertEqual(FIXED_SHA256,
                         keys.fingerprint_sha256(blob_of(FIXED_LINE)))

    def test_same_key_compares_the_blob_only(self):
        a = keys.public_key_of(key('ed25519'), 'a')
        self.assertTrue(keys.same_key(keys.public_key_of(key('ed25519')), a))
        self.assertFalse(keys.same_key(keys.public_key_of(key('ecdsa', 256)),
                                       a))
        self.assertFalse(keys.same_key(None, a))  # Nova's key is unreadable

    def test_openssh_line(self):
        info = keys.PublicKeyInfo('ssh-ed25519', 256, blob_of(FIXED_LINE))
        self.assertEqual(FIXED_LINE, info.openssh)
        info = keys.PublicKeyInfo('ssh-ed25519', 256, blob_of(FIXED_LINE),
                                  'me@host')
        self.assertEqual(FIXED_LINE + ' me@host', info.openssh)

    def test_algorithm_and_bits(self):
        for key_type, size, algorithm, bits in KINDS:
            info = keys.describe(key(key_type, size).public_key())
            self.assertEqual((algorithm, bits), (info.algorithm, info.bits))
            self.assertEqual(openssh(key(key_type, size)), info.openssh)

    def test_describe_refuses_weak_and_unsupported_keys(self):
        for public_key, text in (
                (weak_rsa().public_key(), 'too weak'),
                (ec.generate_private_key(ec.SECP256K1()).public_key(),
                 'unsupported elliptic curve'),
                (ed448.Ed448PrivateKey.generate().public_key(),
                 'unsupported key type')):
            error = self.assertRaises(keys.InvalidKey, keys.describe,
                                      public_key)
            self.assertIn(text, str(error))

    def test_comment_cleaning(self):
        for raw, clean in (('me@laptop', 'me@laptop'),
                           ('  spaced   out  ', 'spaced out'),
                           ('tab\tand\nnewline\r', 'tab and newline'),
                           ('bell\x07escape\x1b[31mred',
                            'bell escape [31mred'),
                           ('\x00\x01', ''),
                           ('\u043a\u043b\u044e\u0447 key',
                            '\u043a\u043b\u044e\u0447 key')):
            self.assertEqual(clean, keys.clean_comment(raw))
            self.assertEqual(clean, keys.public_key_of(key('ed25519'),
                                                       raw).comment)

    def test_parsed_comment_is_cleaned(self):
        parsed = keys.parse_public_key(FIXED_LINE + ' my \x1b[1m  key\t')
        self.assertEqual('my [1m key', parsed.info.comment)
        self.assertEqual(FIXED_LINE + ' my [1m key', parsed.upload)


class DescribeStoredTest(KeyTestCase):

    def test_nothing_or_junk_is_none(self):
        for stored in (None, '', '   ', 'junk', 'ssh-ed25519',
                       'ssh-ed25519 !!!!', 'ssh-foo AAAA',
                       'ecdsa-sha2-nistp256 ' + b64(compressed_ecdsa_blob()),
                       '-----BEGIN PUBLIC KEY-----\nAAAA\n'
                       '-----END PUBLIC KEY-----\n'):
            self.assertIsNone(keys.describe_stored(stored), stored)

    def test_valid_keys_are_described(self):
        for key_type, size, algorithm, bits in KINDS:
            line = openssh(key(key_type, size), 'stored key')
            info = keys.describe_stored(line)
            self.assertEqual(keys.parse_public_key(line).info, info)
            self.assertEqual((algorithm, bits, 'stored key'),
                             (info.algorithm, info.bits, info.comment))

    def test_key_type_none_means_ssh(self):
        self.assertEqual(FIXED_SHA256,
                         keys.describe_stored(FIXED_LINE,
                                              None).fingerprint_sha256)

    def test_certificate_of_type_x509(self):
        private_key = key('ecdsa', 384)
        info = keys.describe_stored(certificate(private_key), 'x509')
        self.assertEqual('ecdsa-sha2-nistp384', info.algorithm)
        self.assertSamePublicKey(private_key, info)

    def test_weak_rsa_key_is_still_described(self):
        info = keys.describe_stored(openssh(weak_rsa(), 'old'))
        self.assertEqual(('ssh-rsa', 1024, 'old'),
                         (info.algorithm, info.bits, info.comment))
        self.assertRegex(info.fingerprint_sha256, SHA256_FORMAT)


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

    def test_billions_of_rounds_are_refused_before_any_work(self):
        error = self.assertRaises(keys.InvalidKey, keys.load_private_key,
                                  self.with_rounds(2**31), b'pw')
        self.assertIn('2147483648 bcrypt rounds', str(error))

    def test_one_over_the_cap_is_refused(self):
        # Fixed numbers, not the module's constant: raising the cap fails.
        for rounds in (1025, 4096):
            error = self.assertRaises(keys.InvalidKey, keys.load_private_key,
                                      self.with_rounds(rounds), b'pw')
            self.assertIn(f'{rounds} bcrypt rounds', str(error))
            self.assertNotIsInstance(error, keys.WrongPassphrase)

    def test_the_cap_itself_is_let_through_to_the_kdf(self):
        # 1024 rounds pass the cap and reach cryptography's loader, which
        # would run the KDF (ten seconds idle, minutes on a busy machine):
        # the loader is stopped at its door instead.
        class ReachedTheKdf(Exception):
            pass

        loader = self.useFixture(fixtures.MockPatchObject(
            private.serialization, 'load_ssh_private_key',
            side_effect=ReachedTheKdf)).mock
        data = self.with_rounds(1024)
        self.assertRaises(ReachedTheKdf, keys.load_private_key, data, b'pw')
        loader.assert_called_once_with(data, password=b'pw')

    def test_ssh_keygens_default_rounds_load(self):
        keys.load_private_key(self.with_rounds(16), b'pw')
