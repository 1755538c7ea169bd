"""Private keys: generate, serialise and load them, and their public half.

Generation and serialisation follow ssh-keygen (the formats ssh reads, the
comment inside OpenSSH's own form); loading refuses what ssh would refuse
and tells a missing or wrong passphrase from a damaged file.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa

from keypairs_osc.keys import info as key_info
from keypairs_osc.keys import openssh
from keypairs_osc.keys import parse
from keypairs_osc.keys.exceptions import InvalidKey
from keypairs_osc.keys.exceptions import PassphraseRequired
from keypairs_osc.keys.exceptions import WrongPassphrase
from keypairs_osc.keys.info import RSA_MIN_BITS

KEY_TYPES = ('ed25519', 'ecdsa', 'rsa')
PRIVATE_KEY_FORMATS = ('openssh', 'pem', 'pkcs8')
RSA_MAX_BITS = 16384
RSA_DEFAULT_BITS = 3072
ECDSA_DEFAULT_BITS = 256


# --- generation ------------------------------------------------------------

def resolve_key_size(key_type: str, key_size: int | None) -> int | None:
    """Return the size to generate, or raise with the allowed range."""
    if key_type == 'ed25519':
        if key_size is not None:
            raise InvalidKey('--key-size does not apply to ed25519 keys '
                             '(they are always 256 bits)')
        return None
    if key_type == 'ecdsa':
        if key_size is None:
            return ECDSA_DEFAULT_BITS
        if key_size not in key_info.ECDSA_CURVES:
            raise InvalidKey(f'ecdsa key size must be 256, 384 or 521, '
                             f'not {key_size}')
        return key_size
    if key_type == 'rsa':
        if key_size is None:
            return RSA_DEFAULT_BITS
        if not RSA_MIN_BITS <= key_size <= RSA_MAX_BITS:
            raise InvalidKey(f'rsa key size must be between {RSA_MIN_BITS} '
                             f'and {RSA_MAX_BITS} bits, not {key_size}')
        return key_size
    raise InvalidKey(f'unknown key type {key_type!r}; choose one of '
                     f'{", ".join(KEY_TYPES)}')


def generate(key_type: str, key_size: int | None = None
             ) -> serialization.SSHPrivateKeyTypes:
    """Generate a private key of ``key_type`` locally."""
    size = resolve_key_size(key_type, key_size)
    if key_type == 'ed25519':
        return ed25519.Ed25519PrivateKey.generate()
    assert size is not None
    if key_type == 'ecdsa':
        return ec.generate_private_key(key_info.ECDSA_CURVES[size]())
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def check_private_key_format(key_type: str, fmt: str) -> None:
    """Refuse a private key format that the key type cannot be used in.

    ed25519 has no traditional PEM form, and OpenSSH's ssh cannot read an
    ed25519 key in PKCS#8: a file it would refuse is no use to anybody.
    """
    if fmt not in PRIVATE_KEY_FORMATS:
        raise InvalidKey(f'unknown private key format {fmt!r}; choose one of '
                         f'{", ".join(PRIVATE_KEY_FORMATS)}')
    if key_type == 'ed25519' and fmt == 'pem':
        raise InvalidKey('ed25519 keys have no traditional PEM form; use '
                         '--private-key-format openssh')
    if key_type == 'ed25519' and fmt == 'pkcs8':
        raise InvalidKey('ssh cannot read ed25519 keys in PKCS#8 form; use '
                         '--private-key-format openssh')


def serialize_private_key(key: serialization.SSHPrivateKeyTypes,
                          fmt: str = 'openssh',
                          passphrase: bytes | None = None,
                          comment: str = '') -> bytes:
    """Encode a private key as ssh-keygen would.

    ``openssh`` with a passphrase uses the bcrypt KDF and aes256-ctr, like
    ``ssh-keygen -N``, and keeps ``comment`` inside, as ssh-keygen does;
    ``pem`` is the traditional form (PKCS#1 for rsa, SEC1 for ecdsa) that
    older tools need; ``pkcs8`` is ``BEGIN PRIVATE KEY``. Only OpenSSH's
    own form has room for a comment.
    """
    encryption: serialization.KeySerializationEncryption
    if passphrase:
        encryption = serialization.BestAvailableEncryption(passphrase)
    else:
        encryption = serialization.NoEncryption()
    check_private_key_format(
        'ed25519' if isinstance(key, ed25519.Ed25519PrivateKey) else '', fmt)
    comment = key_info.clean_comment(comment)
    if fmt == 'openssh' and comment:
        return openssh.with_comment(
            key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.OpenSSH,
                              serialization.NoEncryption()),
            comment, passphrase or None)
    private_format = {
        'openssh': serialization.PrivateFormat.OpenSSH,
        'pkcs8': serialization.PrivateFormat.PKCS8,
        'pem': serialization.PrivateFormat.TraditionalOpenSSL,
    }[fmt]
    return key.private_bytes(serialization.Encoding.PEM, private_format,
                             encryption)


# --- loading ---------------------------------------------------------------

def load_private_key(data: bytes, passphrase: bytes | None = None
                     ) -> serialization.SSHPrivateKeyTypes:
    """Load an OpenSSH, PEM or PKCS#8 private key, decrypting if needed."""
    if len(data) > parse.MAX_PUBLIC_KEY_BYTES:
        raise InvalidKey('input is larger than 64 KiB; not a private key')
    try:
        text = data.decode('ascii')
    except UnicodeDecodeError:
        raise InvalidKey('not a private key: the input is binary, not text')
    if openssh.BEGIN in text:
        openssh.check_kdf_rounds(openssh.read(text))
        loader = serialization.load_ssh_private_key
    elif parse.contains_private_key(text) and '-----BEGIN' in text:
        loader = serialization.load_pem_private_key
    elif 'PuTTY-User-Key-File-' in text:
        raise InvalidKey('PuTTY .ppk keys are not supported; convert with '
                         '"puttygen key.ppk -O private-openssh -o key"')
    else:
        raise InvalidKey('not a private key in OpenSSH, PEM or PKCS#8 form')
    try:
        key = loader(data, password=passphrase)
    except TypeError:
        # cryptography's TypeError: a passphrase given for a key that has
        # none (load it without), or none given for one that needs it.
        if passphrase is not None:
            return load_private_key(data, None)
        raise PassphraseRequired('the private key is encrypted; a '
                                 'passphrase is needed')
    except (ValueError, UnsupportedAlgorithm, NotImplementedError) as exc:
        encrypted = _looks_encrypted(text)
        if not passphrase and encrypted:
            # cryptography before 45 raises ValueError, not TypeError.
            raise PassphraseRequired('the private key is encrypted; a '
                                     'passphrase is needed')
        if passphrase and encrypted:
            raise WrongPassphrase('the passphrase does not decrypt the '
                                  'private key')
        raise InvalidKey(f'the private key is corrupt or unsupported '
                         f'({_first_line(exc)})')
    if not isinstance(key, (ed25519.Ed25519PrivateKey,
                            ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise InvalidKey('unsupported private key type; use ed25519, ecdsa '
                         'or rsa')
    return key


def private_key_is_encrypted(data: bytes) -> bool:
    """True when ``data`` is a private key that needs a passphrase."""
    try:
        load_private_key(data, None)
    except PassphraseRequired:
        return True
    except InvalidKey:
        return False
    return False


def _looks_encrypted(text: str) -> bool:
    """Whether a key cryptography refused was encrypted.

    A guess that holds when the OpenSSH header itself is damaged, where
    openssh.read gives up.
    """
    if 'ENCRYPTED' in text:  # PEM: Proc-Type: 4,ENCRYPTED; PKCS#8's label
        return True
    if openssh.BEGIN in text:
        try:
            raw = base64.b64decode(''.join(text.split('-----')[2].split()))
        except ValueError:
            return False
        return b'bcrypt' in raw[:64]
    return False


def _first_line(exc: Exception) -> str:
    # cryptography before 45 puts OpenSSL's error list in args[1].
    first = exc.args[0] if exc.args and isinstance(exc.args[0], str) else exc
    return (str(first).strip().splitlines() or [type(exc).__name__])[0]


# --- the public half -------------------------------------------------------

def public_key_of(key: serialization.SSHPrivateKeyTypes,
                  comment: str = '') -> key_info.PublicKeyInfo:
    """The public half of a private key, as OpenSSH describes it."""
    return key_info.describe(key.public_key(), comment)


def public_blob_of_private_key(data: bytes) -> bytes | None:
    """The public key blob of a private key file, without its passphrase.

    Unencrypted keys are loaded; an encrypted OpenSSH key carries its public
    key in clear in its header. None when neither applies (an encrypted PEM
    or PKCS#8 key).
    """
    try:
        return public_key_of(load_private_key(data)).blob
    except InvalidKey:
        # An encrypted key, or a security-key handle: an OpenSSH key file
        # cryptography cannot load, with its public half in its header.
        pass
    container = openssh.read(data.decode('ascii', errors='replace'))
    return container.public_blob if container else None
