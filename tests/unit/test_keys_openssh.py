"""Unit tests for keypairs_osc.keys.openssh: the private key file with its
comment inside, read back field by field as PROTOCOL.key lays it out.

The reader here is the test's own (``struct`` and ``bcrypt``, not the code
under test), so a file laid out wrongly fails even where cryptography's
loader would be lenient; that ssh-keygen reads the files is the functional
suite's ``test_ssh_keygen_agreement``.
"""

from __future__ import annotations

import base64
import dataclasses
import struct
import warnings

import bcrypt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes

from keypairs_osc import keys
from keypairs_osc.keys import openssh
from tests.unit import base
from tests.unit.keymaker import KINDS, PASSPHRASE, key, ssh_string

BEGIN = b'-----BEGIN OPENSSH PRIVATE KEY-----'
END = b'-----END OPENSSH PRIVATE KEY-----'
#: The key fields after the key type in the private section, per type.
FIELD_COUNTS = {b'ssh-ed25519': 2, b'ssh-rsa': 6,
                b'ecdsa-sha2-nistp256': 3, b'ecdsa-sha2-nistp384': 3,
                b'ecdsa-sha2-nistp521': 3}


class Reader:
    """SSH wire fields, one after the other."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def uint32(self) -> int:
        (value,) = struct.unpack('>I', self.data[self.at:self.at + 4])
        self.at += 4
        return value

    def string(self) -> bytes:
        length = self.uint32()
        value = self.data[self.at:self.at + length]
        assert len(value) == length, 'truncated'
        self.at += length
        return value

    def rest(self) -> bytes:
        return self.data[self.at:]


@dataclasses.dataclass
class KeyFile:
    cipher: bytes
    kdf: bytes
    salt: bytes
    rounds: int | None
    public: bytes
    section: bytes  # decrypted


def body_of(data: bytes, width: int | None) -> bytes:
    """The base64 body, after checking the armour and the line widths
    (``None``: any width, the same for every line but the last)."""
    lines = data.split(b'\n')
    assert lines[0] == BEGIN and lines[-2] == END and lines[-1] == b'', lines
    body = lines[1:-2]
    width = width or len(body[0])
    assert all(len(line) == width for line in body[:-1]), body
    assert 0 < len(body[-1]) <= width
    return base64.b64decode(b''.join(body), validate=True)


def read_file(data: bytes, passphrase: bytes | None = None,
              width: int | None = 70) -> KeyFile:
    """The fields of a key file; ``width``: ssh-keygen's lines are 70
    characters wide, cryptography's differ between its versions (64 in
    45, 76 in 42): ``None`` for a file cryptography wrote alone."""
    raw = Reader(body_of(data, width))
    assert raw.data.startswith(b'openssh-key-v1\0')
    raw.at = len(b'openssh-key-v1\0')
    cipher, kdf, options = raw.string(), raw.string(), Reader(raw.string())
    salt, rounds = (options.string(), options.uint32()) if options.data \
        else (b'', None)
    assert options.rest() == b''
    assert raw.uint32() == 1, 'one key'
    public, section = raw.string(), raw.string()
    assert raw.rest() == b''
    if passphrase is not None:
        derived = bcrypt.kdf(passphrase, salt, 48, rounds,
                             ignore_few_rounds=True)
        decryptor = Cipher(algorithms.AES(derived[:32]),
                           modes.CTR(derived[32:])).decryptor()
        section = decryptor.update(section) + decryptor.finalize()
    return KeyFile(cipher, kdf, salt, rounds, public, section)


def comment_and_padding(section: bytes) -> tuple[bytes, bytes]:
    """The comment of a private section and the padding after it."""
    fields = Reader(section)
    fields.at = 8 + len(key_fields(section))
    return fields.string(), fields.rest()


def key_fields(section: bytes) -> bytes:
    """The key type and fields of a private section: the key itself."""
    fields = Reader(section)
    assert fields.uint32() == fields.uint32(), 'check integers differ'
    key_type = fields.string()
    for _ in range(FIELD_COUNTS[key_type]):
        fields.string()
    return section[8:fields.at]


def public_blob(private_key) -> bytes:
    return base64.b64decode(private_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).split()[1])


class CommentInsideTest(base.KeyTestCase):
    """The comment goes where ssh-keygen puts it, in every kind of key."""

    def assertSection(self, found: KeyFile, private_key, block: int):
        """The key's public half, the comment, and padding 1, 2, 3... up
        to a whole number of ``block`` bytes."""
        self.assertEqual(public_blob(private_key), found.public)
        comment, padding = comment_and_padding(found.section)
        self.assertEqual(b'me@laptop', comment)
        self.assertEqual(0, len(found.section) % block)
        self.assertEqual(bytes(range(1, len(padding) + 1)), padding)
        self.assertLess(len(padding), block)

    def test_unencrypted_files_of_every_kind(self):
        for key_type, size, _, _ in KINDS:
            with self.subTest(key_type=key_type, size=size):
                private_key = key(key_type, size)
                data = keys.serialize_private_key(private_key, 'openssh',
                                                  comment='me@laptop')
                found = read_file(data)
                self.assertEqual((b'none', b'none', b'', None),
                                 (found.cipher, found.kdf, found.salt,
                                  found.rounds))
                self.assertSection(found, private_key, 8)

    def test_encrypted_files_of_every_kind_are_as_ssh_keygen_makes(self):
        for key_type, size, _, _ in KINDS:
            with self.subTest(key_type=key_type, size=size):
                private_key = key(key_type, size)
                data = keys.serialize_private_key(
                    private_key, 'openssh', PASSPHRASE, comment='me@laptop')
                found = read_file(data, PASSPHRASE)
                self.assertEqual((b'aes256-ctr', b'bcrypt', 16, 16),
                                 (found.cipher, found.kdf, len(found.salt),
                                  found.rounds))
                self.assertSection(found, private_key, 16)
                loaded = keys.load_private_key(data, PASSPHRASE)
                self.assertEqual(public_blob(private_key),
                                 public_blob(loaded))

    def test_encrypting_warns_nothing(self):
        # bcrypt warns of "only 16 rounds" unless told that is meant:
        # ssh-keygen's own number, and no line for the user to puzzle over.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            keys.serialize_private_key(key('ed25519'), 'openssh', PASSPHRASE,
                                       comment='c')
        self.assertEqual([], [str(w.message) for w in caught])

    def test_each_encrypted_file_has_its_own_salt(self):
        first, second = (
            read_file(keys.serialize_private_key(
                key('ed25519'), 'openssh', PASSPHRASE, comment='c'),
                PASSPHRASE) for _ in range(2))
        self.assertNotEqual(first.salt, second.salt)

    def test_the_comment_is_utf_8_and_cleaned(self):
        data = keys.serialize_private_key(key('ed25519'), 'openssh',
                                          comment='  Zoë\tat\nhome  ')
        comment, _ = comment_and_padding(read_file(data).section)
        self.assertEqual('Zoë at home'.encode(), comment)

    def test_the_private_key_is_unchanged(self):
        private_key = key('ecdsa', 384)
        plain = keys.serialize_private_key(private_key, 'openssh')
        commented = keys.serialize_private_key(private_key, 'openssh',
                                               comment='c')
        self.assertEqual(
            private_key.private_numbers(),
            keys.load_private_key(commented).private_numbers())
        # The key's own fields are cryptography's, byte for byte.
        self.assertEqual(key_fields(read_file(plain, width=None).section),
                         key_fields(read_file(commented).section))

    def test_no_comment_is_cryptographys_file(self):
        for data in (keys.serialize_private_key(key('ed25519'), 'openssh'),
                     keys.serialize_private_key(key('ed25519'), 'openssh',
                                                comment=' \t ')):
            comment, _ = comment_and_padding(
                read_file(data, width=None).section)
            self.assertEqual(b'', comment)


class WithCommentRefusesTest(base.TestCase):
    """with_comment takes only cryptography's unencrypted OpenSSH file."""

    def test_another_format(self):
        pem = keys.serialize_private_key(key('rsa', 2048), 'pem')
        error = self.assertRaises(ValueError, openssh.with_comment, pem, 'c')
        self.assertEqual('not an OpenSSH private key', str(error))

    def test_an_encrypted_file(self):
        data = keys.serialize_private_key(key('ed25519'), 'openssh',
                                          PASSPHRASE)
        error = self.assertRaises(ValueError, openssh.with_comment, data,
                                  'c')
        self.assertEqual('the OpenSSH private key is already encrypted',
                         str(error))


class ContainerTest(base.TestCase):
    """The clear header, read without the passphrase."""

    def test_the_header_of_an_encrypted_file(self):
        private_key = key('ed25519')
        data = keys.serialize_private_key(private_key, 'openssh', PASSPHRASE)
        container = openssh.read(data.decode())
        self.assertEqual((b'aes256-ctr', b'bcrypt', 16),
                         (container.cipher, container.kdf,
                          container.bcrypt_rounds))
        self.assertEqual(public_blob(private_key), container.public_blob)

    def test_an_unencrypted_file_has_no_rounds(self):
        data = keys.serialize_private_key(key('ed25519'), 'openssh')
        container = openssh.read(data.decode())
        self.assertEqual((b'none', b'none', b''),
                         (container.cipher, container.kdf,
                          container.kdf_options))
        self.assertIsNone(container.bcrypt_rounds)

    def test_what_is_not_one_readable_key_has_no_public_blob(self):
        for rest in (b'', b'\0\0\0\2' + ssh_string(b'k') + ssh_string(b'k'),
                     b'\0\0\0\1\0\0\0\x09short'):
            with self.subTest(rest=rest):
                self.assertIsNone(openssh.Container(
                    b'none', b'none', b'', rest).public_blob)

    def test_damaged_kdf_options_have_no_rounds(self):
        for options in (b'', ssh_string(b'salt'), ssh_string(b'salt') + b'\0'):
            with self.subTest(options=options):
                self.assertIsNone(openssh.Container(
                    b'aes256-ctr', b'bcrypt', options, b'').bcrypt_rounds)

    def test_what_is_no_openssh_file_has_no_header(self):
        def armour(body: bytes) -> str:
            return (f'{BEGIN.decode()}\n{base64.b64encode(body).decode()}\n'
                    '-----END')

        for text in ('', 'no key here',
                     f'{BEGIN.decode()}\n!!!not base64\n-----END',
                     armour(b'not the magic'),
                     armour(b'openssh-key-v1\0\0\0\0\x09none')):
            with self.subTest(text=text):
                self.assertIsNone(openssh.read(text))
