"""The OpenSSH private key file, with the comment cryptography leaves out.

cryptography writes OpenSSH private keys with an empty comment, while
ssh-keygen keeps the key's comment inside the file (``ssh-keygen -l`` and
``ssh-add -l`` show it). This takes cryptography's unencrypted file, puts
the comment into its private section and, with a passphrase, encrypts that
section as ``ssh-keygen -N`` does: bcrypt KDF, 16 rounds, aes256-ctr.
Pure: bytes in, bytes out.
"""

from __future__ import annotations

import base64
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes

MAGIC = b'openssh-key-v1\0'
BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----'
END = '-----END OPENSSH PRIVATE KEY-----'
#: What ``ssh-keygen -N`` uses.
KDF_ROUNDS = 16
SALT_BYTES = 16
KEY_BYTES, IV_BYTES, AES_BLOCK = 32, 16, 16
#: Padding block of an unencrypted private section.
PLAIN_BLOCK = 8
#: Key fields after the key type in the private section (ecdsa: 3).
PRIVATE_FIELDS = {b'ssh-ed25519': 2, b'ssh-rsa': 6}
ECDSA_FIELDS = 3


def _string(value: bytes) -> bytes:
    return struct.pack('>I', len(value)) + value


def _read_string(data: bytes, offset: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from('>I', data, offset)
    end = offset + 4 + length
    if end > len(data):
        raise ValueError('truncated OpenSSH private key')
    return data[offset + 4:end], end


def with_comment(unencrypted: bytes, comment: str,
                 passphrase: bytes | None = None) -> bytes:
    """cryptography's unencrypted OpenSSH key file, with ``comment`` in it.

    With ``passphrase`` the result is encrypted as ssh-keygen encrypts.
    """
    body = ''.join(unencrypted.decode('ascii').split(BEGIN)[1]
                   .split(END)[0].split())
    raw = base64.b64decode(body)
    if not raw.startswith(MAGIC):
        raise ValueError('not an OpenSSH private key')
    offset = len(MAGIC)
    cipher, offset = _read_string(raw, offset)
    kdf, offset = _read_string(raw, offset)
    _, offset = _read_string(raw, offset)  # KDF options
    if (cipher, kdf) != (b'none', b'none'):
        raise ValueError('the OpenSSH private key is already encrypted')
    offset += 4  # the number of keys: one
    public, offset = _read_string(raw, offset)
    private, _ = _read_string(raw, offset)
    at = 8  # two check integers
    key_type, at = _read_string(private, at)
    for _ in range(PRIVATE_FIELDS.get(key_type, ECDSA_FIELDS)):
        _, at = _read_string(private, at)
    section = private[:at] + _string(comment.encode('utf-8'))
    block = AES_BLOCK if passphrase else PLAIN_BLOCK
    section += bytes(range(1, 1 + (-len(section) % block)))
    if passphrase:
        import bcrypt  # only for this: not on every keypair command

        salt = os.urandom(SALT_BYTES)
        derived = bcrypt.kdf(passphrase, salt, KEY_BYTES + IV_BYTES,
                             KDF_ROUNDS, ignore_few_rounds=True)
        encryptor = Cipher(algorithms.AES(derived[:KEY_BYTES]),
                           modes.CTR(derived[KEY_BYTES:])).encryptor()
        section = encryptor.update(section) + encryptor.finalize()
        header = (_string(b'aes256-ctr') + _string(b'bcrypt')
                  + _string(_string(salt) + struct.pack('>I', KDF_ROUNDS)))
    else:
        header = _string(b'none') + _string(b'none') + _string(b'')
    raw = (MAGIC + header + struct.pack('>I', 1) + _string(public)
           + _string(section))
    text = base64.b64encode(raw).decode('ascii')
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return '\n'.join([BEGIN, *lines, END, '']).encode('ascii')
