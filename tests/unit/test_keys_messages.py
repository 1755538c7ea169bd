"""What a user reads when a key is refused: every message of the key logic,
whole, one line each.

The other key tests check that a refusal happens and why (a fragment of the
message); here each message is pinned word for word, as a user or a script
that greps it meets it. A message changed on purpose is changed here too.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import fixtures
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed448
from cryptography.hazmat.primitives.asymmetric import padding

from keypairs_osc import keys
from keypairs_osc.keys import private
from tests import vectors
from tests.unit import base
from tests.unit.keymaker import (PASSPHRASE, b64, blob_of, certificate,
                                 compressed_ecdsa_blob, dsa_key, key,
                                 openssh, rfc4716, spki_pem, ssh_string,
                                 weak_rsa)

ED_LINE = vectors.FIXED_LINE
ED_BLOB = blob_of(ED_LINE)
SK_ED25519 = 'sk-ssh-ed25519@openssh.com'


def rsa_blob_with_a_padded_exponent() -> bytes:
    """An ssh-rsa blob whose exponent has a leading zero byte: cryptography
    reads it, OpenSSH's encoding would not have it."""
    blob = blob_of(openssh(key('rsa', 2048)))
    numbers = key('rsa', 2048).public_key().public_numbers()
    exponent = numbers.e.to_bytes(3, 'big')
    padded = ssh_string(b'ssh-rsa') + ssh_string(b'\0' + exponent)
    return padded + blob[len(ssh_string(b'ssh-rsa') + ssh_string(exponent)):]


def pem(label: str, body: bytes = b'\0' * 30) -> str:
    text = base64.b64encode(body).decode()
    return f'-----BEGIN {label}-----\n{text}\n-----END {label}-----\n'


def public_key_refusals() -> list[tuple[bytes | str, str]]:
    """(what is given, what the user reads); made when a test asks,
    not on import: it generates keys."""
    too_large = ('input is larger than 64 KiB; a public key is a few '
                 'hundred bytes')
    dsa = 'DSA keys are obsolete and refused by current OpenSSH'
    return [
        (b'x' * (64 * 1024 + 1), too_large),
        ('x' * (64 * 1024 + 1), too_large),
        (b'\xff\xfe', 'not a public key: the input is binary, not text'),
        (' \n', 'the public key is empty'),
        ('# a comment, and no key\n', 'the public key is empty'),
        ('hello world', 'not a public key: expected a key type such as '
         'ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256'),
        ('ssh-ed25519', 'the ssh-ed25519 key has no key data after its type'),
        ('ssh-ed25519 AAAA!!!!',
         'the key data is not valid base64 (truncated or damaged?)'),
        ('ssh-dss AAAA', dsa),
        ('ssh-foo AAAA', "unknown or unsupported key type 'ssh-foo'; use "
         'ssh-ed25519, ecdsa-sha2-nistp* or ssh-rsa'),
        (f'ssh-rsa {b64(ED_BLOB)}',
         'the key data is not a ssh-rsa key (its header says otherwise)'),
        (f'ecdsa-sha2-nistp256 {b64(compressed_ecdsa_blob())}',
         'the ecdsa-sha2-nistp256 key data is corrupt'),
        (f'ssh-rsa {b64(rsa_blob_with_a_padded_exponent())}',
         'the ssh-rsa key data is corrupt (trailing or malformed fields)'),
        (f'ssh-ed25519 {b64(ED_BLOB[:3])}', 'the key data is truncated'),
        (f'ssh-ed25519 {b64(ED_BLOB[:10])}', 'the key data is truncated'),
        (f'{SK_ED25519} {b64(ssh_string(SK_ED25519.encode()))}',
         f'the {SK_ED25519} key data is corrupt'),
        (f'{ED_LINE}\n{ED_LINE}\n',
         'the input holds 2 keys; give exactly one'),
        (rfc4716(ED_BLOB).replace('---- END SSH2 PUBLIC KEY ----', ''),
         'the RFC 4716 public key has no END line'),
        (rfc4716(ssh_string(b'\xff\xfe') + b'rest'),
         'the key data is corrupt (unreadable key type)'),
        (pem('EC PARAMETERS'), "unsupported PEM block 'EC PARAMETERS'; "
         'expected "PUBLIC KEY" or "RSA PUBLIC KEY"'),
        (pem('PUBLIC KEY'), 'the PEM PUBLIC KEY is corrupt'),
        (certificate(key('ecdsa', 256)),
         'this is an X.509 certificate; use --type x509 to import it'),
        (b'PuTTY-User-Key-File-3: ssh-ed25519\n',
         'this is a PuTTY PRIVATE key, which must never be uploaded; give '
         'its public key, from "puttygen key.ppk -O public-openssh -o '
         'key.pub"'),
        ('---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n',
         'this is an SSH2 (ssh.com) PRIVATE key, which must never be '
         'uploaded; give its public key, exported by the tool that made it'),
        (keys.serialize_private_key(key('ed25519')),
         'this is a PRIVATE key, which must never be uploaded; give the '
         'public key, or use --private-key to derive it locally'),
        (openssh(weak_rsa()),
         'rsa key of 1024 bits is too weak; at least 2048 bits are needed'),
        (spki_pem(ec.generate_private_key(ec.SECP256K1())),
         'unsupported elliptic curve secp256k1; use nistp256, nistp384 or '
         'nistp521'),
        (spki_pem(ed448.Ed448PrivateKey.generate()),
         'unsupported key type; use ed25519, ecdsa or rsa'),
        (spki_pem(dsa_key()), dsa),
    ]

CERTIFICATE_REFUSALS = [
    (ED_LINE, '--type x509 needs a PEM certificate (-----BEGIN '
     'CERTIFICATE-----)'),
    (pem('CERTIFICATE'), 'the X.509 certificate is corrupt'),
]


class MessagesTest(base.KeyTestCase):

    def assertMessage(self, expected: str, func: Callable, *args,
                      exc_type: type[Exception] = keys.InvalidKey):
        error = self.assertRaises(exc_type, func, *args)
        self.assertEqual(expected, str(error))

    def test_public_key_refusals(self):
        for given, expected in public_key_refusals():
            with self.subTest(given=given[:60]):
                self.assertMessage(expected, keys.parse_public_key, given)

    def test_certificate_refusals(self):
        for given, expected in CERTIFICATE_REFUSALS:
            with self.subTest(given=given[:60]):
                self.assertMessage(expected, keys.parse_public_key, given,
                                   'x509')

    def test_key_sizes_and_types(self):
        for args, expected in (
                (('ed25519', 256), '--key-size does not apply to ed25519 '
                 'keys (they are always 256 bits)'),
                (('ecdsa', 512), 'ecdsa key size must be 256, 384 or 521, '
                 'not 512'),
                (('rsa', 1024), 'rsa key size must be between 2048 and '
                 '16384 bits, not 1024'),
                (('dsa', None), "unknown key type 'dsa'; choose one of "
                 'ed25519, ecdsa, rsa')):
            with self.subTest(args=args):
                self.assertMessage(expected, keys.resolve_key_size, *args)

    def test_private_key_formats(self):
        for args, expected in (
                (('rsa', 'der'), "unknown private key format 'der'; choose "
                 'one of openssh, pem, pkcs8'),
                (('ed25519', 'pem'), 'ed25519 keys have no traditional PEM '
                 'form; use --private-key-format openssh'),
                (('ed25519', 'pkcs8'), 'ssh cannot read ed25519 keys in '
                 'PKCS#8 form; use --private-key-format openssh')):
            with self.subTest(args=args):
                self.assertMessage(expected, keys.check_private_key_format,
                                   *args)

    def test_private_keys_that_do_not_load(self):
        dsa_pem = dsa_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        for data, expected in (
                (b'#' * (64 * 1024 + 1), 'input is larger than 64 KiB; not '
                 'a private key'),
                (b'\xff\xfe', 'not a private key: the input is binary, not '
                 'text'),
                (b'PuTTY-User-Key-File-3: ssh-ed25519\n', 'PuTTY .ppk keys '
                 'are not supported; convert with "puttygen key.ppk -O '
                 'private-openssh -o key"'),
                (ED_LINE.encode(), 'not a private key in OpenSSH, PEM or '
                 'PKCS#8 form'),
                (dsa_pem, 'unsupported private key type; use ed25519, ecdsa '
                 'or rsa')):
            with self.subTest(data=data[:40]):
                self.assertMessage(expected, keys.load_private_key, data)

    def test_passphrases(self):
        data = keys.serialize_private_key(key('ed25519'), 'openssh',
                                          PASSPHRASE)
        self.assertMessage('the private key is encrypted; a passphrase is '
                           'needed', keys.load_private_key, data,
                           exc_type=keys.PassphraseRequired)
        self.assertMessage('the passphrase does not decrypt the private key',
                           keys.load_private_key, data, b'wrong',
                           exc_type=keys.WrongPassphrase)

    def test_passphrases_before_cryptography_45(self):
        """Older cryptography says ValueError, not TypeError, for a missing
        passphrase: the user reads the same line."""
        data = keys.serialize_private_key(key('rsa', 2048), 'pem',
                                          PASSPHRASE)
        self.useFixture(fixtures.MockPatchObject(
            private.serialization, 'load_pem_private_key',
            side_effect=ValueError('Bad decrypt. Incorrect password?')))
        self.assertMessage('the private key is encrypted; a passphrase is '
                           'needed', keys.load_private_key, data,
                           exc_type=keys.PassphraseRequired)

    def test_the_bcrypt_rounds_cap(self):
        data = keys.serialize_private_key(key('ed25519'), 'openssh',
                                          PASSPHRASE).decode()
        lines = data.splitlines()
        raw = base64.b64decode(''.join(lines[1:-1]))
        at = raw.index(b'bcrypt') + len(b'bcrypt') + 4 + 4 + 16
        raw = raw[:at] + (2**31).to_bytes(4, 'big') + raw[at + 4:]
        damaged = '\n'.join([lines[0], b64(raw), lines[-1], ''])
        self.assertMessage('the private key asks for 2147483648 bcrypt '
                           'rounds; refusing more than 1024 (corrupt file?)',
                           keys.load_private_key, damaged.encode(),
                           PASSPHRASE)


class CryptographysReasonTest(base.KeyTestCase):
    """A key cryptography refuses: its reason, in one line, in brackets."""

    def refusing(self, *args) -> str:
        self.useFixture(fixtures.MockPatchObject(
            private.serialization, 'load_pem_private_key',
            side_effect=ValueError(*args)))
        data = keys.serialize_private_key(key('rsa', 2048), 'pem')
        return str(self.assertRaises(keys.InvalidKey, keys.load_private_key,
                                     data))

    def test_the_first_line_of_the_reason(self):
        self.assertEqual('the private key is corrupt or unsupported (Could '
                         'not deserialize key data.)',
                         self.refusing('  Could not deserialize key data.\n'
                                       'Details: more\n'))

    def test_openssl_errors_after_the_reason(self):
        # cryptography before 45: the reason, then OpenSSL's error list.
        self.assertEqual('the private key is corrupt or unsupported (Could '
                         'not deserialize key data.)',
                         self.refusing('Could not deserialize key data.',
                                       ['error:1E08010C:DECODER routines']))

    def test_a_reason_that_is_not_text(self):
        self.assertEqual("the private key is corrupt or unsupported ((42, "
                         "'x'))", self.refusing(42, 'x'))

    def test_no_reason_names_the_error(self):
        self.assertEqual('the private key is corrupt or unsupported '
                         '(ValueError)', self.refusing())
        self.assertEqual('the private key is corrupt or unsupported '
                         '(ValueError)', self.refusing(' \n'))


class PasswordMessagesTest(base.KeyTestCase):

    def encrypt(self, plain: bytes) -> str:
        public = key('rsa', 2048).public_key()
        return base64.b64encode(
            public.encrypt(plain, padding.PKCS1v15())).decode()

    def assertNotDecrypted(self, expected, private_key, encrypted):
        error = self.assertRaises(keys.NotDecrypted, keys.decrypt_password,
                                  private_key, encrypted)
        self.assertEqual(expected, str(error))

    def test_every_refusal(self):
        rsa_key = key('rsa', 2048)
        wrong = 'the private key does not decrypt the password'
        sealed = self.encrypt(b'pw')
        for private_key, encrypted, expected in (
                (key('ed25519'), self.encrypt(b'pw'),
                 'only an RSA private key decrypts a password'),
                # One character base64 lacks in what would decrypt.
                (rsa_key, sealed[:4] + '$' + sealed[4:], 'the stored '
                 'password is not base64; it was not posted by '
                 'cloudbase-init'),
                (rsa_key, base64.b64encode(b'short').decode(), wrong),
                (rsa_key, self.encrypt(b'pass\x01word'), wrong),
                (rsa_key, self.encrypt(b'\xff\xfe'), wrong),
                (rsa_key, self.encrypt(b''), wrong)):
            with self.subTest(encrypted=encrypted[:20]):
                self.assertNotDecrypted(expected, private_key, encrypted)

    def test_the_password_comes_back(self):
        self.assertEqual('S3cret pass', keys.decrypt_password(
            key('rsa', 2048), '  ' + self.encrypt(b'S3cret pass') + '\n'))
