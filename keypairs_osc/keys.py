"""Key logic: generate, parse, convert and fingerprint keys.

Pure functions over bytes and strings: nothing here touches files, the
terminal or the network, so every rule about key formats lives in one place
and is tested without any of those.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import re
import struct
from typing import Union

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa

from keypairs_osc import openssh

PrivateKey = Union[
    ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey,
    rsa.RSAPrivateKey]
PublicKey = Union[
    ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey, rsa.RSAPublicKey]

KEY_TYPES = ('ed25519', 'ecdsa', 'rsa')
PRIVATE_KEY_FORMATS = ('openssh', 'pem', 'pkcs8')
RSA_MIN_BITS = 2048
RSA_MAX_BITS = 16384
RSA_DEFAULT_BITS = 3072
ECDSA_CURVES: dict[int, type[ec.EllipticCurve]] = {
    256: ec.SECP256R1, 384: ec.SECP384R1, 521: ec.SECP521R1}
ECDSA_DEFAULT_BITS = 256
MAX_PUBLIC_KEY_BYTES = 64 * 1024

SSH_KEY_ALGORITHMS = frozenset({
    'ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521'})
#: Security-key (FIDO) public keys: the key, then the application string
#: ("ssh:" by default). Nova stores them; their private half stays in the
#: security key, and the private key file is only a handle to it.
SK_ED25519 = 'sk-ssh-ed25519@openssh.com'
SK_ECDSA = 'sk-ecdsa-sha2-nistp256@openssh.com'
SK_ALGORITHMS = frozenset({SK_ED25519, SK_ECDSA})
# Recognised so that the error can say why they are refused.
REFUSED_ALGORITHMS = {
    'ssh-dss': 'DSA keys are obsolete and refused by current OpenSSH',
}
_KEY_TOKEN = re.compile(
    r'^(?:ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+'
    r'|[a-z0-9-]+-cert-v01@openssh\.com)$')
_PRIVATE_MARKERS = re.compile(
    r'-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----'
    r'|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----'
    r'|PuTTY-User-Key-File-')
_PEM_BLOCK = re.compile(
    r'-----BEGIN ([A-Z0-9 ]+)-----\s.*?-----END \1-----', re.DOTALL)
_RFC4716_BLOCK = re.compile(
    r'---- BEGIN SSH2 PUBLIC KEY ----(.*?)---- END SSH2 PUBLIC KEY ----',
    re.DOTALL)


class InvalidKey(ValueError):
    """A key that cannot be used; the message is one line for the user."""


class PrivateKeyGiven(InvalidKey):
    """Private key material where a public key was expected."""


class PassphraseRequired(InvalidKey):
    """The private key is encrypted and no passphrase was given."""


class WrongPassphrase(InvalidKey):
    """The passphrase does not decrypt the private key."""


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
        if key_size not in ECDSA_CURVES:
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


def generate(key_type: str, key_size: int | None = None) -> PrivateKey:
    """Generate a private key of ``key_type`` locally."""
    size = resolve_key_size(key_type, key_size)
    if key_type == 'ed25519':
        return ed25519.Ed25519PrivateKey.generate()
    if key_type == 'ecdsa':
        assert size is not None
        return ec.generate_private_key(ECDSA_CURVES[size]())
    assert size is not None
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


def serialize_private_key(key: PrivateKey, fmt: str = 'openssh',
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
    comment = clean_comment(comment)
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


# --- describing public keys ------------------------------------------------

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


def describe(public_key: PublicKey, comment: str = '') -> PublicKeyInfo:
    """Describe a public key object; refuse types and sizes we do not use."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < RSA_MIN_BITS:
            raise InvalidKey(f'rsa key of {public_key.key_size} bits is too '
                            f'weak; at least {RSA_MIN_BITS} bits are needed')
        algorithm, bits = 'ssh-rsa', public_key.key_size
    elif isinstance(public_key, ed25519.Ed25519PublicKey):
        algorithm, bits = 'ssh-ed25519', 256
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        bits = public_key.curve.key_size
        if bits not in ECDSA_CURVES or not isinstance(
                public_key.curve, ECDSA_CURVES[bits]):
            raise InvalidKey(f'unsupported elliptic curve '
                            f'{public_key.curve.name}; use nistp256, '
                            'nistp384 or nistp521')
        algorithm = f'ecdsa-sha2-nistp{bits}'
    elif isinstance(public_key, dsa.DSAPublicKey):
        raise InvalidKey(REFUSED_ALGORITHMS['ssh-dss'])
    else:
        raise InvalidKey('unsupported key type; use ed25519, ecdsa or rsa')
    blob_text = public_key.public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).split()[1]
    return PublicKeyInfo(algorithm, bits, base64.b64decode(blob_text),
                         clean_comment(comment))


def clean_comment(comment: str) -> str:
    """A comment fit for one authorized_keys line."""
    return ' '.join(''.join(c if c.isprintable() else ' '
                            for c in comment).split())


# --- parsing public keys ---------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ParsedPublicKey:
    """What to upload to Nova, and what it is."""

    upload: str           # the text sent as ``public_key``
    info: PublicKeyInfo
    source_format: str    # e.g. 'openssh', 'rfc4716', 'pem', 'x509'


def contains_private_key(text: str) -> bool:
    """True when ``text`` holds private key material of a common format."""
    return bool(_PRIVATE_MARKERS.search(text))


def parse_public_key(data: bytes | str,
                     key_type: str = 'ssh') -> ParsedPublicKey:
    """Parse any common public-key format into what Nova should store.

    Accepts OpenSSH lines (with or without comment, or with authorized_keys
    options), RFC 4716, PEM ``PUBLIC KEY`` and ``RSA PUBLIC KEY``, and for
    ``key_type='x509'`` a PEM certificate. Raises :class:`InvalidKey` with a
    one-line reason otherwise; never any other exception.
    """
    text = _as_text(data)
    if 'PuTTY-User-Key-File-' in text:
        # --private-key cannot read it either: suggest only what works.
        raise PrivateKeyGiven(
            'this is a PuTTY PRIVATE key, which must never be uploaded; '
            'give its public key, from "puttygen key.ppk -O public-openssh '
            '-o key.pub"')
    if '---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----' in text:
        raise PrivateKeyGiven(
            'this is an SSH2 (ssh.com) PRIVATE key, which must never be '
            'uploaded; give its public key, exported by the tool that made '
            'it')
    if contains_private_key(text):
        raise PrivateKeyGiven(
            'this is a PRIVATE key, which must never be uploaded; give the '
            'public key, or use --private-key to derive it locally')
    if key_type == 'x509':
        return _parse_certificate(text)
    blocks = _PEM_BLOCK.findall(text)
    if '-----BEGIN CERTIFICATE-----' in text:
        raise InvalidKey('this is an X.509 certificate; use --type x509 to '
                        'import it')
    if blocks:
        return _parse_pem_public_keys(text)
    if '---- BEGIN SSH2 PUBLIC KEY ----' in text:
        return _parse_rfc4716(text)
    return _parse_openssh_lines(text)


def _as_text(data: bytes | str) -> str:
    if isinstance(data, bytes):
        if len(data) > MAX_PUBLIC_KEY_BYTES:
            raise InvalidKey('input is larger than 64 KiB; a public key is a '
                            'few hundred bytes')
        try:
            data = data.decode('utf-8')
        except UnicodeDecodeError:
            raise InvalidKey('not a public key: the input is binary, not text')
    if len(data) > MAX_PUBLIC_KEY_BYTES:
        raise InvalidKey('input is larger than 64 KiB; a public key is a '
                        'few hundred bytes')
    if not data.strip():
        raise InvalidKey('the public key is empty')
    return data


def _count_error(count: int) -> InvalidKey:
    return InvalidKey(f'the input holds {count} keys; give exactly one')


def _parse_openssh_lines(text: str) -> ParsedPublicKey:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith('#')]
    if not lines:
        raise InvalidKey('the public key is empty')
    if len(lines) > 1:
        for line in lines:
            _split_key_line(line)  # a line that is no key says so
        raise _count_error(len(lines))
    algorithm, b64, comment = _split_key_line(lines[0])
    blob = _decode_base64(b64)
    return ParsedPublicKey(*_from_blob(algorithm, blob, comment), 'openssh')


def _split_key_line(line: str) -> tuple[str, str, str]:
    """Split ``[options] type base64 [comment]`` as sshd reads it."""
    tokens = line.split(None, 2)
    if not tokens:
        raise InvalidKey('the public key is empty')
    if not _KEY_TOKEN.match(tokens[0]):
        # authorized_keys options come first; they may hold quoted spaces.
        rest = _skip_options(line)
        tokens = rest.split(None, 2)
        if not tokens or not _KEY_TOKEN.match(tokens[0]):
            raise InvalidKey('not a public key: expected a key type such as '
                            'ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256')
    if len(tokens) < 2:
        raise InvalidKey(f'the {tokens[0]} key has no key data after its type')
    return tokens[0], tokens[1], tokens[2] if len(tokens) > 2 else ''


def _skip_options(line: str) -> str:
    in_quotes = False
    escaped = False
    for i, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == '\\' and line[i + 1:i + 2] == '"':
            escaped = True  # \" does not end a quoted value, as in sshd
        elif char == '"':
            in_quotes = not in_quotes
        elif char.isspace() and not in_quotes:
            return line[i:].strip()
    return ''


def _decode_base64(b64: str) -> bytes:
    try:
        return binascii.a2b_base64(b64.encode('ascii'), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InvalidKey('the key data is not valid base64 (truncated or '
                        'damaged?)')


def _read_ssh_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise InvalidKey('the key data is truncated')
    (length,) = struct.unpack('>I', blob[offset:offset + 4])
    end = offset + 4 + length
    if end > len(blob):
        raise InvalidKey('the key data is truncated')
    return blob[offset + 4:end], end


def _from_sk_blob(algorithm: str, blob: bytes,
                  comment: str) -> tuple[str, PublicKeyInfo]:
    """A security-key public key, checked field by field as sshd does."""
    fields = []
    offset = 0
    while offset < len(blob):
        field, offset = _read_ssh_string(blob, offset)
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
    info = PublicKeyInfo(algorithm, 256, blob, clean_comment(comment))
    return info.openssh, info


def _from_blob(algorithm: str, blob: bytes,
               comment: str) -> tuple[str, PublicKeyInfo]:
    if algorithm in REFUSED_ALGORITHMS:
        raise InvalidKey(REFUSED_ALGORITHMS[algorithm])
    if algorithm in SK_ALGORITHMS:
        return _from_sk_blob(algorithm, blob, comment)
    if algorithm not in SSH_KEY_ALGORITHMS:
        raise InvalidKey(f'unknown or unsupported key type {algorithm!r}; '
                        'use ssh-ed25519, ecdsa-sha2-nistp* or ssh-rsa')
    inner, _ = _read_ssh_string(blob, 0)
    if inner != algorithm.encode():
        raise InvalidKey(f'the key data is not a {algorithm} key (its header '
                        'says otherwise)')
    try:
        key = serialization.load_ssh_public_key(
            algorithm.encode() + b' ' + base64.b64encode(blob))
    except (ValueError, UnsupportedAlgorithm, TypeError, struct.error,
            NotImplementedError):  # e.g. a compressed ecdsa point
        raise InvalidKey(f'the {algorithm} key data is corrupt')
    info = describe(key, comment)  # type: ignore[arg-type]
    if info.blob != blob:
        raise InvalidKey(f'the {algorithm} key data is corrupt (trailing or '
                        'malformed fields)')
    return info.openssh, info


def _parse_rfc4716(text: str) -> ParsedPublicKey:
    blocks = _RFC4716_BLOCK.findall(text)
    if not blocks:
        raise InvalidKey('the RFC 4716 public key has no END line')
    if len(blocks) > 1:
        raise _count_error(len(blocks))
    comment = ''
    body: list[str] = []
    lines = iter(blocks[0].strip().splitlines())
    for line in lines:
        line = line.strip()
        if ':' in line and not body:
            header, _, value = line.partition(':')
            while value.endswith('\\'):
                value = value[:-1] + next(lines, '').strip()
            if header.strip().lower() == 'comment':
                comment = value.strip().strip('"')
            continue
        body.append(line)
    blob = _decode_base64(''.join(body))
    algorithm, _ = _read_ssh_string(blob, 0)
    try:
        name = algorithm.decode('ascii')
    except UnicodeDecodeError:
        raise InvalidKey('the key data is corrupt (unreadable key type)')
    return ParsedPublicKey(*_from_blob(name, blob, comment), 'rfc4716')


def _parse_pem_public_keys(text: str) -> ParsedPublicKey:
    blocks = [m.group(0) for m in _PEM_BLOCK.finditer(text)]
    if len(blocks) > 1:
        raise _count_error(len(blocks))
    block = blocks[0]
    label = block.split('-----')[1].removeprefix('BEGIN ')
    if label not in ('PUBLIC KEY', 'RSA PUBLIC KEY'):
        raise InvalidKey(f'unsupported PEM block {label!r}; expected '
                        '"PUBLIC KEY" or "RSA PUBLIC KEY"')
    try:
        key = serialization.load_pem_public_key(block.encode())
    except (ValueError, UnsupportedAlgorithm, TypeError):
        raise InvalidKey(f'the PEM {label} is corrupt')
    info = describe(key)  # type: ignore[arg-type]
    return ParsedPublicKey(info.openssh, info, 'pem')


def _parse_certificate(text: str) -> ParsedPublicKey:
    blocks = [m.group(0) for m in _PEM_BLOCK.finditer(text)
              if m.group(1) == 'CERTIFICATE']
    if not blocks:
        raise InvalidKey('--type x509 needs a PEM certificate '
                        '(-----BEGIN CERTIFICATE-----)')
    if len(blocks) > 1:
        raise _count_error(len(blocks))
    try:
        cert = x509.load_pem_x509_certificate(blocks[0].encode())
        public_key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm, TypeError):
        raise InvalidKey('the X.509 certificate is corrupt')
    info = describe(public_key)  # type: ignore[arg-type]
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return ParsedPublicKey(pem, info, 'x509')


def describe_stored(public_key: str | None,
                    key_type: str | None = 'ssh') -> PublicKeyInfo | None:
    """Describe a key as Nova stores it, or None when it cannot be read.

    Used for display only, so a key Nova holds in a form we would refuse
    today (a short rsa key, say) is still described where possible.
    """
    if not public_key:
        return None
    try:
        return parse_public_key(public_key, key_type or 'ssh').info
    except InvalidKey:
        pass
    try:
        algorithm, b64, comment = _split_key_line(public_key.strip())
        blob = _decode_base64(b64)
        key = serialization.load_ssh_public_key(
            algorithm.encode() + b' ' + base64.b64encode(blob))
    except (InvalidKey, ValueError, UnsupportedAlgorithm, TypeError,
            struct.error, NotImplementedError):
        return None
    bits = getattr(key, 'key_size', 0)
    return PublicKeyInfo(algorithm, bits, blob, clean_comment(comment))


# --- private keys ----------------------------------------------------------

def load_private_key(data: bytes,
                     passphrase: bytes | None = None) -> PrivateKey:
    """Load an OpenSSH, PEM or PKCS#8 private key, decrypting if needed."""
    if len(data) > MAX_PUBLIC_KEY_BYTES:
        raise InvalidKey('input is larger than 64 KiB; not a private key')
    try:
        text = data.decode('ascii')
    except UnicodeDecodeError:
        raise InvalidKey('not a private key: the input is binary, not text')
    if '-----BEGIN OPENSSH PRIVATE KEY-----' in text:
        _check_openssh_kdf_rounds(text)
        loader = serialization.load_ssh_private_key
    elif _PRIVATE_MARKERS.search(text) and '-----BEGIN' in text:
        loader = serialization.load_pem_private_key
    elif 'PuTTY-User-Key-File-' in text:
        raise InvalidKey('PuTTY .ppk keys are not supported; convert with '
                        '"puttygen key.ppk -O private-openssh -o key"')
    else:
        raise InvalidKey('not a private key in OpenSSH, PEM or PKCS#8 form')
    try:
        key = loader(data, password=passphrase)
    except TypeError as exc:
        if 'not encrypted' in str(exc):  # a passphrase given but not needed
            return load_private_key(data, None)
        raise PassphraseRequired('the private key is encrypted; a '
                                 'passphrase is needed')
    except (ValueError, UnsupportedAlgorithm, NotImplementedError) as exc:
        if not passphrase and _looks_encrypted(text):
            # cryptography before 45 raises ValueError, not TypeError.
            raise PassphraseRequired('the private key is encrypted; a '
                                     'passphrase is needed')
        if passphrase and _looks_encrypted(text):
            raise WrongPassphrase('the passphrase does not decrypt the '
                                  'private key')
        raise InvalidKey(f'the private key is corrupt or unsupported '
                        f'({_first_line(exc)})')
    if not isinstance(key, (ed25519.Ed25519PrivateKey,
                            ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise InvalidKey('unsupported private key type; use ed25519, ecdsa '
                        'or rsa')
    return key


#: ssh-keygen uses 16 bcrypt rounds (``-a``); a corrupt or hostile file could
#: ask for billions and hang the command.
MAX_BCRYPT_ROUNDS = 1024


def _check_openssh_kdf_rounds(text: str) -> None:
    """Refuse an OpenSSH key whose bcrypt KDF asks for absurd work."""
    match = re.search(r'-----BEGIN OPENSSH PRIVATE KEY-----(.*?)-----END',
                      text, re.DOTALL)
    if not match:
        return  # the loader reports the missing END line
    try:
        raw = base64.b64decode(''.join(match.group(1).split()))
        magic = b'openssh-key-v1\0'
        if not raw.startswith(magic):
            return
        _, offset = _read_ssh_string(raw, len(magic))   # cipher name
        kdf, offset = _read_ssh_string(raw, offset)
        options, _ = _read_ssh_string(raw, offset)
        if kdf != b'bcrypt':
            return
        _, rounds_at = _read_ssh_string(options, 0)      # salt
        (rounds,) = struct.unpack('>I', options[rounds_at:rounds_at + 4])
    except (InvalidKey, binascii.Error, ValueError, struct.error):
        return  # malformed: the loader gives the precise error
    if rounds > MAX_BCRYPT_ROUNDS:
        raise InvalidKey(f'the private key asks for {rounds} bcrypt rounds; '
                         f'refusing more than {MAX_BCRYPT_ROUNDS} (corrupt '
                         'file?)')


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
    if 'ENCRYPTED' in text or 'Proc-Type: 4,ENCRYPTED' in text:
        return True
    if '-----BEGIN OPENSSH PRIVATE KEY-----' in text:
        body = ''.join(text.split('-----')[2].split())
        try:
            raw = base64.b64decode(body)
        except (binascii.Error, ValueError):
            return False
        return b'bcrypt' in raw[:64]
    return False


def _first_line(exc: Exception) -> str:
    # cryptography before 45 puts OpenSSL's error list in args[1].
    first = exc.args[0] if exc.args and isinstance(exc.args[0], str) else exc
    return (str(first).strip().splitlines() or [type(exc).__name__])[0]


def public_key_of(key: PrivateKey, comment: str = '') -> PublicKeyInfo:
    """The public half of a private key, as OpenSSH describes it."""
    return describe(key.public_key(), comment)


def public_blob_of_private_key(data: bytes) -> bytes | None:
    """The public key blob of a private key file, without its passphrase.

    Unencrypted keys are loaded; an encrypted OpenSSH key carries its public
    key in clear in its header. None when neither applies (an encrypted PEM
    or PKCS#8 key).
    """
    text = data.decode('ascii', errors='replace')
    try:
        return public_key_of(load_private_key(data)).blob
    except PassphraseRequired:
        pass
    except InvalidKey:
        # A security-key handle is an OpenSSH key file cryptography cannot
        # load; its public half is in its header, as for an encrypted one.
        if '-----BEGIN OPENSSH PRIVATE KEY-----' not in text:
            return None
    match = re.search(r'-----BEGIN OPENSSH PRIVATE KEY-----(.*?)-----END',
                      text, re.DOTALL)
    if not match:
        return None
    try:
        raw = base64.b64decode(''.join(match.group(1).split()))
        magic = b'openssh-key-v1\0'
        if not raw.startswith(magic):
            return None
        offset = len(magic)
        for _ in range(3):  # cipher name, KDF name, KDF options
            _, offset = _read_ssh_string(raw, offset)
        (count,) = struct.unpack('>I', raw[offset:offset + 4])
        if count != 1:
            return None
        blob, _ = _read_ssh_string(raw, offset + 4)
    except (InvalidKey, binascii.Error, ValueError, struct.error):
        return None
    return blob
