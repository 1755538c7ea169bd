"""Bad input at scale: every input ends in a parse or a clear error.

Property-based tests (hypothesis) over the public-key parser, the private
key loader, the format conversions and the name checks: random bytes and
text, truncations, bit flips, corrupted headers and lengths, huge inputs
and unicode. Each example must finish with a result or the module's own
one-line error, never another exception, and within a generous bound (the
hypothesis deadline) so that nothing can hang the command.
"""

from __future__ import annotations

import base64
import datetime
import functools
import os
import struct

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keypairs_osc import keys
from keypairs_osc import microversion
from keypairs_osc import names
from tests import base

#: Examples per property; KEYPAIRS_FUZZ_EXAMPLES raises it for a long run.
EXAMPLES = int(os.environ.get('KEYPAIRS_FUZZ_EXAMPLES', '600'))
FUZZ = settings(max_examples=EXAMPLES,
                deadline=datetime.timedelta(seconds=2),
                suppress_health_check=[HealthCheck.too_slow],
                derandomize=True)


@functools.cache
def samples() -> dict[str, bytes]:
    """Valid inputs of every accepted format, to be damaged."""
    ed = keys.generate('ed25519')
    ec = keys.generate('ecdsa', 384)
    rsa = keys.generate('rsa', 2048)
    ed_line = keys.public_key_of(ed, 'me@host').openssh
    blob = base64.b64encode(keys.public_key_of(ec).blob).decode()
    rfc = ('---- BEGIN SSH2 PUBLIC KEY ----\nComment: "me"\n'
           + '\n'.join(blob[i:i + 70] for i in range(0, len(blob), 70))
           + '\n---- END SSH2 PUBLIC KEY ----\n')
    from cryptography.hazmat.primitives import serialization as ser
    pem = rsa.public_key().public_bytes(
        ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
    pkcs1 = rsa.public_key().public_bytes(
        ser.Encoding.PEM, ser.PublicFormat.PKCS1)
    return {
        'openssh': ed_line.encode(),
        'options': b'no-pty,command="a \\" b" ' + ed_line.encode(),
        'rfc4716': rfc.encode(),
        'pem': pem,
        'pkcs1': pkcs1,
        'private-openssh': keys.serialize_private_key(ed, 'openssh', b'pw'),
        'private-pem': keys.serialize_private_key(rsa, 'pem'),
        'private-pkcs8': keys.serialize_private_key(ec, 'pkcs8', b'pw'),
    }


def damage(data: bytes, draw) -> bytes:
    """One of: truncate, flip bits, overwrite a length, insert junk."""
    how = draw(st.sampled_from(['truncate', 'flip', 'length', 'insert',
                                'base64']))
    if not data:
        return data
    if how == 'truncate':
        return data[:draw(st.integers(0, len(data) - 1))]
    if how == 'flip':
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(out) - 1))
            out[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    if how == 'insert':
        i = draw(st.integers(0, len(data)))
        junk = draw(st.one_of(st.binary(max_size=20),
                              st.text(max_size=20).map(str.encode)))
        return data[:i] + junk + data[i:]
    # Damage inside the base64: decode, corrupt a length or byte, re-encode.
    text = data.decode(errors='replace')
    tokens = [t for t in text.split() if len(t) > 40]
    if not tokens:
        return data
    token = draw(st.sampled_from(tokens))
    try:
        raw = bytearray(base64.b64decode(token + '=' * (-len(token) % 4)))
    except ValueError:
        return data
    if not raw:
        return data
    i = draw(st.integers(0, max(0, len(raw) - 4)))
    if how == 'length':
        raw[i:i + 4] = struct.pack('>I', draw(st.integers(0, 2**32 - 1)))
    else:
        raw[i] ^= 0xFF
    return data.replace(token.encode(), base64.b64encode(bytes(raw)), 1)


@st.composite
def damaged(draw) -> bytes:
    name = draw(st.sampled_from(sorted(samples())))
    return damage(samples()[name], draw)


def parse_or_refuse(data, key_type='ssh'):
    try:
        parsed = keys.parse_public_key(data, key_type)
    except keys.InvalidKey as exc:
        message = str(exc)
        assert message and '\n' not in message, repr(message)
        return None
    # Whatever is accepted converts to one OpenSSH line that parses back to
    # the same key.
    assert '\n' not in parsed.upload.strip() or key_type == 'x509'
    again = keys.parse_public_key(parsed.upload, key_type)
    assert again.info.blob == parsed.info.blob
    return parsed


class PublicKeyFuzzTest(base.TestCase):

    @FUZZ
    @given(st.binary(max_size=4096))
    def test_random_bytes(self, data):
        parse_or_refuse(data)

    @FUZZ
    @given(st.text(max_size=2048))
    def test_random_unicode_text(self, text):
        parse_or_refuse(text)

    @FUZZ
    @given(damaged())
    def test_damaged_valid_inputs(self, data):
        parse_or_refuse(data)

    @FUZZ
    @given(damaged())
    def test_damaged_inputs_as_x509(self, data):
        parse_or_refuse(data, 'x509')

    @FUZZ
    @given(st.sampled_from(sorted(samples())), st.integers(1, 400))
    def test_huge_inputs(self, name, repeat):
        parse_or_refuse(samples()[name] * repeat + b'\n' * repeat)

    @FUZZ
    @given(st.lists(st.sampled_from(['openssh', 'options']), min_size=2,
                    max_size=5))
    def test_several_keys_are_counted(self, picked):
        data = b'\n'.join(samples()[name] for name in picked)
        error = self.assertRaises(keys.InvalidKey, keys.parse_public_key,
                                  data)
        self.assertIn(f'holds {len(picked)} keys', str(error))


class PrivateKeyFuzzTest(base.TestCase):

    @FUZZ
    @given(damaged(), st.sampled_from([None, b'pw', b'wrong']))
    def test_damaged_private_keys(self, data, passphrase):
        try:
            keys.load_private_key(data, passphrase)
        except keys.InvalidKey as exc:
            self.assertNotIn('\n', str(exc))
        keys.private_key_is_encrypted(data)  # never raises

    @FUZZ
    @given(st.binary(max_size=2048))
    def test_random_private_bytes(self, data):
        try:
            keys.load_private_key(b'-----BEGIN OPENSSH PRIVATE KEY-----\n'
                                  + data, b'pw')
        except keys.InvalidKey:
            pass


class ConversionFuzzTest(base.TestCase):

    @settings(max_examples=max(20, EXAMPLES // 20), deadline=None,
              derandomize=True)
    @given(st.sampled_from([('ed25519', None), ('ecdsa', 256),
                            ('ecdsa', 384), ('ecdsa', 521)]),
           st.sampled_from(keys.PRIVATE_KEY_FORMATS),
           st.one_of(st.none(), st.binary(min_size=1, max_size=64)),
           st.text(max_size=40))
    def test_every_format_round_trips(self, kind, fmt, passphrase, comment):
        key = keys.generate(*kind)
        try:
            data = keys.serialize_private_key(key, fmt, passphrase)
        except keys.InvalidKey:
            self.assertEqual('ed25519', kind[0])  # no pem/pkcs8 for it
            return
        loaded = keys.load_private_key(data, passphrase)
        expected = keys.public_key_of(key, comment)
        self.assertEqual(expected.blob, keys.public_key_of(loaded).blob)
        parsed = keys.parse_public_key(expected.openssh)
        self.assertEqual(expected.blob, parsed.info.blob)
        self.assertNotIn('\n', parsed.upload)


class NameFuzzTest(base.TestCase):

    @FUZZ
    @given(st.text(max_size=300),
           st.sampled_from(['2.1', '2.10', '2.91', '2.92', '2.104', None]))
    def test_any_name_is_accepted_or_refused_in_one_line(self, name,
                                                         version):
        try:
            names.check(name, version)
        except names.InvalidName as exc:
            self.assertNotIn('\n', str(exc).replace(repr(name), ''))
            return
        self.assertTrue(0 < len(name) <= 255)
        self.assertEqual(name.strip(), name)
        wide = microversion.supports(version, microversion.WIDE_NAMES)
        allowed = set('_- ') | ({'@', '.'} if wide else set())
        self.assertTrue(all(c.isascii() and (c.isalnum() or c in allowed)
                            for c in name), name)
