"""Unit tests for keypairs_osc.keys: the public key forms parsing accepts,
security keys among them.
"""

from __future__ import annotations

import base64


from keypairs_osc import keys
from tests import vectors
from tests.unit import base
from tests.unit.keymaker import (KINDS, blob_of, certificate,
                                 key, openssh,
                                 pkcs1_pem, rfc4716, spki_pem, ssh_string)


class SecurityKeysTest(base.KeyTestCase):
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


class ParsePublicKeyAcceptsTest(base.KeyTestCase):

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

    def test_the_whole_comment_after_options_is_kept(self):
        line = openssh(key('ed25519'), 'ops at the bastion host')
        parsed = keys.parse_public_key(f'no-pty,restrict {line}')
        self.assertEqual(line, parsed.upload)
        self.assertEqual('ops at the bastion host', parsed.info.comment)

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

    def test_rfc4716_comment_with_colons_and_quotes_kept_inside(self):
        blob = blob_of(openssh(key('ed25519')))
        for header, comment in (
                ('Comment: "Xavier: work laptop X"', 'Xavier: work laptop X'),
                ('Comment: backup: 2024-01-01', 'backup: 2024-01-01'),
                ('comment:"quoted "inner" words"', 'quoted "inner" words')):
            with self.subTest(header=header):
                parsed = keys.parse_public_key(rfc4716(blob, (header,)))
                self.assertEqual(comment, parsed.info.comment)

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
