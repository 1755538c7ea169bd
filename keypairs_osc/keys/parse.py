"""Public keys in every common format, parsed into what Nova should store.

OpenSSH lines (with authorized_keys options), RFC 4716, PEM ``PUBLIC KEY``
and ``RSA PUBLIC KEY``, X.509 certificates; private key material is
recognised and refused. Every failure is one :class:`InvalidKey`.
"""

from __future__ import annotations

import binascii
import dataclasses
import re

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from keypairs_osc.keys import blob as key_blob
from keypairs_osc.keys import info as key_info
from keypairs_osc.keys import wire
from keypairs_osc.keys.exceptions import InvalidKey
from keypairs_osc.keys.exceptions import PrivateKeyGiven

MAX_PUBLIC_KEY_BYTES = 64 * 1024

_KEY_TOKEN = re.compile(
    r'^(?:ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+'
    r'|[a-z0-9-]+-cert-v01@openssh\.com)$')
_PRIVATE_MARKERS = re.compile(
    r'-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----'
    r'|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----'
    r'|PuTTY-User-Key-File-')
_PEM_BLOCK = re.compile(
    r'-----BEGIN ([A-Z0-9 ]+)-----\s.*?-----END \1-----', re.DOTALL)
_QUOTED = re.compile(r'"[^"]*(?:"|$)')
_OPTION_SEPARATOR = re.compile(r'[,\s]')
_RFC4716_BLOCK = re.compile(
    r'---- BEGIN SSH2 PUBLIC KEY ----(.*?)---- END SSH2 PUBLIC KEY ----',
    re.DOTALL)


@dataclasses.dataclass(frozen=True)
class ParsedPublicKey:
    """What to upload to Nova, and what it is."""

    upload: str           # the text sent as ``public_key``
    info: key_info.PublicKeyInfo
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
    info = key_blob.from_blob(algorithm, _decode_base64(b64), comment)
    return ParsedPublicKey(info.openssh, info, 'openssh')


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


def line_blob(line: str) -> bytes | None:
    """The key an ``authorized_keys`` line lets log in, as sshd reads it.

    Options before the key are skipped; None for a comment, a blank line,
    a line that holds no readable key, or a ``cert-authority`` line (its
    key signs certificates; sshd does not take it as a login key).
    """
    line = line.strip()
    if not line or line.startswith('#'):
        return None
    try:
        _, b64, _ = _split_key_line(line)
    except InvalidKey:
        return None
    if 'cert-authority' in _option_names(line[:line.index(b64)]):
        return None
    try:
        return _decode_base64(b64)
    except InvalidKey:
        return None


def _option_names(options: str) -> set[str]:
    """The lowercased names of the comma-separated options before a key.

    A quoted value (unterminated: to the end) is no name, and may hold
    commas and spaces.
    """
    unquoted = _QUOTED.sub('', options)
    return {name.partition('=')[0].lower()
            for name in _OPTION_SEPARATOR.split(unquoted)}


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
    algorithm, _ = wire.read_string(blob, 0)
    try:
        name = algorithm.decode('ascii')
    except UnicodeDecodeError:
        raise InvalidKey('the key data is corrupt (unreadable key type)')
    info = key_blob.from_blob(name, blob, comment)
    return ParsedPublicKey(info.openssh, info, 'rfc4716')


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
    info = key_info.describe(key)  # type: ignore[arg-type]
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
    info = key_info.describe(public_key)  # type: ignore[arg-type]
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return ParsedPublicKey(pem, info, 'x509')


def describe_stored(public_key: str | None, key_type: str | None = 'ssh'
                    ) -> key_info.PublicKeyInfo | None:
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
        key = serialization.load_ssh_public_key(f'{algorithm} {b64}'.encode())
    except (InvalidKey, ValueError, UnsupportedAlgorithm, TypeError,
            NotImplementedError):
        return None
    bits = getattr(key, 'key_size', 256)  # ed25519 alone has no key_size
    return key_info.PublicKeyInfo(algorithm, bits, blob,
                                  key_info.clean_comment(comment))
