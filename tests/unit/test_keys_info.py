"""Unit tests for keypairs_osc.keys: fingerprints, describing stored keys
and comparing them.
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed448

from keypairs_osc import keys
from tests.vectors import FIXED_LINE, FIXED_MD5, FIXED_SHA256
from tests.unit import base
from tests.unit.keymaker import (KINDS, b64, blob_of, certificate,
                                 compressed_ecdsa_blob, key, openssh,
                                 weak_rsa)


MD5_FORMAT = re.compile(r'^(?:[0-9a-f]{2}:){15}[0-9a-f]{2}$')
SHA256_FORMAT = re.compile(r'^SHA256:[A-Za-z0-9+/]{43}$')


class PublicKeyInfoTest(base.KeyTestCase):

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


class DescribeStoredTest(base.KeyTestCase):

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

    def test_an_ed25519_key_nova_holds_with_a_second_line(self):
        # Not one key to parse_public_key; its first key is still shown,
        # at ed25519's 256 bits.
        info = keys.describe_stored(f'{FIXED_LINE} one\n{FIXED_LINE} two')
        self.assertEqual(('ssh-ed25519', 256, FIXED_SHA256),
                         (info.algorithm, info.bits, info.fingerprint_sha256))
        self.assertEqual(f'one {FIXED_LINE} two', info.comment)

    def test_weak_rsa_key_is_still_described(self):
        info = keys.describe_stored(openssh(weak_rsa(), 'old'))
        self.assertEqual(('ssh-rsa', 1024, 'old'),
                         (info.algorithm, info.bits, info.comment))
        self.assertRegex(info.fingerprint_sha256, SHA256_FORMAT)
