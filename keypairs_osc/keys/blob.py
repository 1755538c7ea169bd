"""The OpenSSH public key blob, checked before anything is uploaded.

cryptography loads the key types it knows; security-key (FIDO) keys, which
it does not, are checked field by field here, as sshd checks them.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from keypairs_osc.keys import info as key_info
from keypairs_osc.keys import wire
from keypairs_osc.keys.exceptions import InvalidKey

SSH_KEY_ALGORITHMS = frozenset({
    'ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521'})
#: Security-key (FIDO) public keys: the key, then the application string
#: ("ssh:" by default). Nova stores them; their private half stays in the
#: security key, and the private key file is only a handle to it.
SK_ED25519 = 'sk-ssh-ed25519@openssh.com'
SK_ECDSA = 'sk-ecdsa-sha2-nistp256@openssh.com'
SK_ALGORITHMS = frozenset({SK_ED25519, SK_ECDSA})


def from_blob(algorithm: str, blob: bytes,
              comment: str) -> key_info.PublicKeyInfo:
    """The key that ``algorithm`` and ``blob`` make, or InvalidKey."""
    if algorithm in key_info.REFUSED_ALGORITHMS:
        raise InvalidKey(key_info.REFUSED_ALGORITHMS[algorithm])
    if algorithm in SK_ALGORITHMS:
        return _from_sk_blob(algorithm, blob, comment)
    if algorithm not in SSH_KEY_ALGORITHMS:
        raise InvalidKey(f'unknown or unsupported key type {algorithm!r}; '
                         'use ssh-ed25519, ecdsa-sha2-nistp* or ssh-rsa')
    # cryptography checks this too, but its error does not say so.
    inner, _ = wire.read_string(blob, 0)
    if inner != algorithm.encode():
        raise InvalidKey(f'the key data is not a {algorithm} key (its header '
                         'says otherwise)')
    try:
        key = serialization.load_ssh_public_key(
            algorithm.encode() + b' ' + base64.b64encode(blob))
    except (ValueError, UnsupportedAlgorithm, TypeError,
            NotImplementedError):  # e.g. a compressed ecdsa point
        raise InvalidKey(f'the {algorithm} key data is corrupt')
    info = key_info.describe(key, comment)
    # cryptography refuses trailing data; a field in another encoding
    # than OpenSSH's own (an mpint with leading zeros) only shows here.
    if info.blob != blob:
        raise InvalidKey(f'the {algorithm} key data is corrupt (trailing or '
                         'malformed fields)')
    return info


def _from_sk_blob(algorithm: str, blob: bytes,
                  comment: str) -> key_info.PublicKeyInfo:
    """A security-key public key, checked field by field as sshd does."""
    fields = []
    offset = 0
    while offset < len(blob):
        field, offset = wire.read_string(blob, offset)
        fields.append(field)
    expected = 3 if algorithm == SK_ED25519 else 4
    if len(fields) != expected or fields[0] != algorithm.encode():
        raise InvalidKey(f'the {algorithm} key data is corrupt')
    point, application = fields[-2], fields[-1]
    if algorithm == SK_ED25519:
        valid = len(point) == 32
    else:
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                         point)
            valid = fields[1] == b'nistp256'
        except ValueError:
            valid = False
    if not valid or not application:
        raise InvalidKey(f'the {algorithm} key data is corrupt')
    return key_info.PublicKeyInfo(algorithm, 256, blob,
                                  key_info.clean_comment(comment))
