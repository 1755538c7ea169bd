"""The OpenSSH private key file: its clear header, comment and bcrypt cap.

The header (cipher, KDF, the public key) is in clear even when the private
section is encrypted, so it tells whether a passphrase is needed, how much
bcrypt work one would cost, and which public key the file holds.

cryptography writes OpenSSH private keys with an empty comment, while
ssh-keygen keeps the key's comment inside the file (``ssh-keygen -l`` and
``ssh-add -l`` show it). :func:`with_comment` takes cryptography's
unencrypted file, puts the comment into its private section and, with a
passphrase, encrypts that section as ``ssh-keygen -N`` does: bcrypt KDF,
16 rounds, aes256-ctr. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re

from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes

from keypairs_osc.keys import wire
from keypairs_osc.keys.exceptions import InvalidKey

MAGIC = b'openssh-key-v1\0'
BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----'
END = '-----END OPENSSH PRIVATE KEY-----'
_BODY = re.compile(BEGIN + r'(.*?)-----END', re.DOTALL)
#: What ``ssh-keygen -N`` uses.
KDF_ROUNDS = 16
#: ssh-keygen uses 16 bcrypt rounds (``-a``); a corrupt or hostile file could
#: ask for billions and hang the command.
MAX_BCRYPT_ROUNDS = 1024
SALT_BYTES = 16
KEY_BYTES, IV_BYTES, AES_BLOCK = 32, 16, 16
#: Padding block of an unencrypted private section.
PLAIN_BLOCK = 8
#: Key fields after the key type in the private section (ecdsa: 3).
PRIVATE_FIELDS = {b'ssh-ed25519': 2, b'ssh-rsa': 6}
ECDSA_FIELDS = 3


@dataclasses.dataclass(frozen=True)
class Container:
    """The clear header of an OpenSSH private key file (PROTOCOL.key)."""

    cipher: bytes
    kdf: bytes
    kdf_options: bytes
    #: The number of keys, their public keys, then the private section.
    rest: bytes

    @property
    def public_blob(self) -> bytes | None:
        """The public key of a one-key file, or None."""
        try:
            count, offset = wire.read_uint32(self.rest, 0)
            blob, _ = wire.read_string(self.rest, offset)
        except InvalidKey:
            return None
        return blob if count == 1 else None

    @property
    def bcrypt_rounds(self) -> int | None:
        """The bcrypt rounds a passphrase would cost, or None."""
        if self.kdf != b'bcrypt':
            return None
        try:
            _, offset = wire.read_string(self.kdf_options, 0)  # salt
            rounds, _ = wire.read_uint32(self.kdf_options, offset)
        except InvalidKey:
            return None
        return rounds


def read(text: str) -> Container | None:
    """The OpenSSH private key header in ``text``; None if none is there.

    A damaged file is None too: cryptography's loader gives the precise
    error.
    """
    match = _BODY.search(text)
    if not match:
        return None
    try:
        raw = base64.b64decode(''.join(match.group(1).split()))
        if not raw.startswith(MAGIC):
            return None
        cipher, offset = wire.read_string(raw, len(MAGIC))
        kdf, offset = wire.read_string(raw, offset)
        options, offset = wire.read_string(raw, offset)
    except ValueError:  # binascii.Error and InvalidKey among them
        return None
    return Container(cipher, kdf, options, raw[offset:])


def check_kdf_rounds(container: Container | None) -> None:
    """Refuse an OpenSSH key whose bcrypt KDF asks for absurd work."""
    rounds = container.bcrypt_rounds if container else None
    if rounds is not None and rounds > MAX_BCRYPT_ROUNDS:
        raise InvalidKey(f'the private key asks for {rounds} bcrypt rounds; '
                         f'refusing more than {MAX_BCRYPT_ROUNDS} (corrupt '
                         'file?)')


def with_comment(unencrypted: bytes, comment: str,
                 passphrase: bytes | None = None) -> bytes:
    """cryptography's unencrypted OpenSSH key file, with ``comment`` in it.

    With ``passphrase`` the result is encrypted as ssh-keygen encrypts.
    """
    container = read(unencrypted.decode('ascii'))
    if container is None:
        raise ValueError('not an OpenSSH private key')
    if (container.cipher, container.kdf) != (b'none', b'none'):
        raise ValueError('the OpenSSH private key is already encrypted')
    # After the number of keys (one): the public key, the private section.
    public, offset = wire.read_string(container.rest, 4)
    private, _ = wire.read_string(container.rest, offset)
    at = 8  # two check integers
    key_type, at = wire.read_string(private, at)
    for _ in range(PRIVATE_FIELDS.get(key_type, ECDSA_FIELDS)):
        _, at = wire.read_string(private, at)
    section = private[:at] + wire.string(comment.encode('utf-8'))
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
        header = (wire.string(b'aes256-ctr') + wire.string(b'bcrypt')
                  + wire.string(wire.string(salt)
                                + KDF_ROUNDS.to_bytes(4, 'big')))
    else:
        header = wire.string(b'none') + wire.string(b'none') + wire.string(b'')
    raw = (MAGIC + header + (1).to_bytes(4, 'big') + wire.string(public)
           + wire.string(section))
    text = base64.b64encode(raw).decode('ascii')
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return '\n'.join([BEGIN, *lines, END, '']).encode('ascii')
