"""Unit tests for keypairs_osc.keys: the public keys parsing refuses, and
private keys given where a public key belongs.
"""

from __future__ import annotations

import base64
import random

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed448

from keypairs_osc import keys
from tests import vectors
from tests.unit import base
from tests.unit.keymaker import (KINDS, PASSPHRASE, b64, blob_of, certificate,
                                 compressed_ecdsa_blob, dsa_key, key, openssh,
                                 pkcs1_pem, rfc4716, spki_pem, ssh_string,
                                 weak_rsa)


class ParsePublicKeyRefusesTest(base.KeyTestCase):

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

    def test_security_keys_need_an_application_and_a_real_point(self):
        ed, ecdsa = (name.encode() for name in vectors.SECURITY_KEYS)
        good_point = key('ecdsa', 256).public_key().public_bytes(
            serialization.Encoding.X962,
            serialization.PublicFormat.UncompressedPoint)
        for blob in (
                ssh_string(ed) + ssh_string(bytes(32)) + ssh_string(b''),
                ssh_string(ecdsa) + ssh_string(b'nistp256')
                + ssh_string(good_point) + ssh_string(b''),
                ssh_string(ecdsa) + ssh_string(b'nistp256')
                + ssh_string(b'\4' + bytes(64)) + ssh_string(b'ssh:'),
                ssh_string(ecdsa) + ssh_string(b'nistp384')
                + ssh_string(good_point) + ssh_string(b'ssh:')):
            algorithm = blob[4:blob.index(b'@openssh.com') + 12].decode()
            with self.subTest(blob=blob):
                self.assertRefused(f'{algorithm} {b64(blob)}',
                                   contains=f'the {algorithm} key data is '
                                   'corrupt')
        # The same fields with an application and the right point load.
        self.assertEqual(256, keys.parse_public_key(
            f'{ecdsa.decode()} ' + b64(
                ssh_string(ecdsa) + ssh_string(b'nistp256')
                + ssh_string(good_point) + ssh_string(b'ssh:'))).info.bits)

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
        text = rfc4716(blob_of(vectors.FIXED_LINE)).replace(
            '---- END SSH2 PUBLIC KEY ----', '')
        self.assertRefused(text, contains='no END line')

    def test_rfc4716_header_continued_past_its_last_line(self):
        self.assertRefused('---- BEGIN SSH2 PUBLIC KEY ----\n'
                           'Comment: dangling \\\n'
                           '---- END SSH2 PUBLIC KEY ----\n',
                           contains='truncated')

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


class PrivateKeyGivenAsPublicTest(base.KeyTestCase):
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
        for text in (vectors.FIXED_LINE, spki_pem(key('ed25519')),
                     pkcs1_pem(key('rsa', 2048)),
                     rfc4716(blob_of(vectors.FIXED_LINE)), 'private key', ''):
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
