"""What a public key is in OpenSSH terms, and what users compare it by.

The fingerprints Nova (MD5) and ``ssh-keygen -l`` (SHA256) show, the
``authorized_keys`` line, and the key types and sizes this plugin accepts.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa

from keypairs_osc.keys.exceptions import InvalidKey

RSA_MIN_BITS = 2048
ECDSA_CURVES: dict[int, type[ec.EllipticCurve]] = {
    256: ec.SECP256R1, 384: ec.SECP384R1, 521: ec.SECP521R1}
# Recognised so that the error can say why they are refused.
REFUSED_ALGORITHMS = {
    'ssh-dss': 'DSA keys are obsolete and refused by current OpenSSH',
}


@dataclasses.dataclass(frozen=True)
class PublicKeyInfo:
    """A public key in OpenSSH terms, with what users compare it by."""

    algorithm: str
    bits: int
    blob: bytes
    comment: str = ''

    @property
    def openssh(self) -> str:
        """The one-line ``authorized_keys`` form."""
        line = f'{self.algorithm} {base64.b64encode(self.blob).decode()}'
        return f'{line} {self.comment}' if self.comment else line

    @property
    def fingerprint_md5(self) -> str:
        """What Nova shows: MD5 of the key blob, colon-separated."""
        digest = hashlib.md5(self.blob, usedforsecurity=False).hexdigest()
        return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))

    @property
    def fingerprint_sha256(self) -> str:
        """What ``ssh-keygen -l`` prints by default."""
        return fingerprint_sha256(self.blob)


def fingerprint_sha256(blob: bytes) -> str:
    """The SHA256 fingerprint of a key blob, as ``ssh-keygen -l`` prints."""
    digest = base64.b64encode(hashlib.sha256(blob).digest())
    return 'SHA256:' + digest.decode().rstrip('=')


def same_key(stored: PublicKeyInfo | None, local: PublicKeyInfo) -> bool:
    """True when the key Nova holds (None: unreadable) is ``local``."""
    return stored is not None and stored.blob == local.blob


def describe(public_key: serialization.SSHPublicKeyTypes,
             comment: str = '') -> PublicKeyInfo:
    """Describe a public key object; refuse types and sizes we do not use."""
    if isinstance(public_key, rsa.RSAPublicKey):
        bits = public_key.key_size
        if bits < RSA_MIN_BITS:
            raise InvalidKey(f'rsa key of {bits} bits is too weak; at '
                             f'least {RSA_MIN_BITS} bits are needed')
    elif isinstance(public_key, ed25519.Ed25519PublicKey):
        bits = 256
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        bits = public_key.curve.key_size
        if not isinstance(public_key.curve, ECDSA_CURVES.get(bits, ())):
            raise InvalidKey(f'unsupported elliptic curve '
                             f'{public_key.curve.name}; use nistp256, '
                             'nistp384 or nistp521')
    elif isinstance(public_key, dsa.DSAPublicKey):
        raise InvalidKey(REFUSED_ALGORITHMS['ssh-dss'])
    else:
        raise InvalidKey('unsupported key type; use ed25519, ecdsa or rsa')
    # cryptography names the algorithm as OpenSSH does.
    algorithm, blob_text = public_key.public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode('ascii').split()
    return PublicKeyInfo(algorithm, bits, base64.b64decode(blob_text),
                         clean_comment(comment))


def clean_comment(comment: str) -> str:
    """A comment fit for one authorized_keys line."""
    return ' '.join(''.join(c if c.isprintable() else ' '
                            for c in comment).split())
