"""The password a Windows guest posts: decrypted here, never sent anywhere.

cloudbase-init encrypts the Administrator password it sets with the first
public key of the metadata (RSA, PKCS#1 v1.5 padding, OpenSSL's default),
base64-encodes it and posts it to the metadata service; Nova hands it back
unchanged. Only an RSA key pair gives the guest something to encrypt with.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa

from keypairs_osc.keys import info as key_info
from keypairs_osc.keys.exceptions import InvalidKey

#: The algorithm of the only key pairs a password can be encrypted with.
RSA_ALGORITHM = 'ssh-rsa'


class NotDecrypted(InvalidKey):
    """The private key does not turn the stored password into text."""


def carries_password(public_key: key_info.PublicKeyInfo) -> bool:
    """Whether a guest can encrypt a password with this public key."""
    return public_key.algorithm == RSA_ALGORITHM


def decrypt_password(private_key: object, encrypted: str) -> str:
    """The password in ``encrypted`` (base64), decrypted with the key.

    OpenSSL answers a ciphertext of another key with random bytes, not an
    error (implicit rejection), so a result that is not printable text is
    taken for what it is: the wrong key.
    """
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise NotDecrypted('only an RSA private key decrypts a password')
    try:
        ciphertext = base64.b64decode(encrypted.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise NotDecrypted('the stored password is not base64; it was not '
                           'posted by cloudbase-init')
    try:
        plain = private_key.decrypt(ciphertext, padding.PKCS1v15())
        password = plain.decode('utf-8')
    except ValueError:  # a wrong length, bad padding, or not UTF-8
        raise NotDecrypted('the private key does not decrypt the password')
    if not password or not password.isprintable():
        raise NotDecrypted('the private key does not decrypt the password')
    return password
