"""Keys made once per test process, and the OpenSSH, PEM, RFC 4716 and X.509
forms of them: what the key tests and the ssh-keygen agreement tests share.
"""

from __future__ import annotations

import base64
import datetime
import functools
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from keypairs_osc import keys

#: A throwaway passphrase, used only for keys made inside these tests.
PASSPHRASE = b'throwaway test passphrase'

#: (key type, size, OpenSSH algorithm, bits) for every kind we generate.
KINDS = [
    ('ed25519', None, 'ssh-ed25519', 256),
    ('ecdsa', 256, 'ecdsa-sha2-nistp256', 256),
    ('ecdsa', 384, 'ecdsa-sha2-nistp384', 384),
    ('ecdsa', 521, 'ecdsa-sha2-nistp521', 521),
    ('rsa', 2048, 'ssh-rsa', 2048),
]

_CACHE: dict[object, serialization.SSHPrivateKeyTypes] = {}


def key(key_type: str,
        size: int | None = None) -> serialization.SSHPrivateKeyTypes:
    """One generated key per kind, shared by the tests of a process."""
    if (key_type, size) not in _CACHE:
        _CACHE[key_type, size] = keys.generate(key_type, size)
    return _CACHE[key_type, size]


def b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode()


def openssh(private_key, comment: str = '') -> str:
    """The public half's OpenSSH line, as cryptography writes it."""
    public = private_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return f'{public.decode()} {comment}'.strip()


@functools.cache
def weak_rsa() -> rsa.RSAPrivateKey:
    """An rsa key of 1024 bits, which cryptography still generates."""
    bits = 1024  # too weak on purpose
    return rsa.generate_private_key(65537, bits)


@functools.cache
def dsa_key() -> dsa.DSAPrivateKey:
    """A DSA key, which we refuse in every form."""
    return dsa.generate_private_key(1024)  # noqa: S505


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


#: A fixed ed25519 key of ssh-keygen's making (a test key, no passphrase),
#: with the fingerprint ``ssh-keygen -l`` gives it: what a test that checks
#: a printed fingerprint compares with.
FIXED_PRIVATE_KEY = b'''-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDy9axmoVFVkAp0YYLM3PRkmuPm8Q109jafW9gAwwf3TQAAAIgduj1VHbo9
VQAAAAtzc2gtZWQyNTUxOQAAACDy9axmoVFVkAp0YYLM3PRkmuPm8Q109jafW9gAwwf3TQ
AAAEBEtFF90TOxp35PFpcTtUV8kXwB7Zm1/9eDZlGQLiRz1vL1rGahUVWQCnRhgszc9GSa
4+bxDXT2Np9b2ADDB/dNAAAAAAECAwQF
-----END OPENSSH PRIVATE KEY-----
'''
FIXED_PUBLIC_KEY = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPL1rGahUVWQCnRhgszc'
                    '9GSa4+bxDXT2Np9b2ADDB/dN')
FIXED_FINGERPRINT = 'SHA256:SEe2824zYqSPVNLSc9ID/eNCkaQJ0pGz3tiHs92IhOU'
#: Another fixed ed25519 public key, and its fingerprint.
OTHER_PUBLIC_KEY = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAOhB7/zzhC+HXDdGOd'
                    'LwJln5NYwm6UNXx3chmQSVTG4')
OTHER_FINGERPRINT = 'SHA256:lbmsoA0yIEcEiVDRnMWuzm+nV+3ZEEpVIURqFoeSspg'
