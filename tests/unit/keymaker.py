"""Keys made once per test process, and the OpenSSH forms cryptography
writes of them: what the key tests and the ssh-keygen agreement tests share.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization

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
