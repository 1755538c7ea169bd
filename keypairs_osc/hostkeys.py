"""A server's SSH host keys, as its console shows them, and known_hosts text.

On first boot cloud-init (``keys_to_console``, its
``write-ssh-key-fingerprints`` helper) prints the guest's host keys between
:data:`BEGIN` and :data:`END`, one OpenSSH public key per line, through
``logger``: so a line may carry a syslog prefix (``ec2: ``,
``<14>Dec  2 10:00:01 ec2: ``, ``[   12.34] cloud-init[123]: ``), console
lines end in ``\\r\\n``, and a serial console may wrap a long key over
several lines. The guest is the only one who knows its keys before anybody
connects: pinning them from the console, instead of trusting the first key
that answers, is what keeps an address reused by another server (or a man
in the middle) from passing.

Pure: text in, keys and text out. No file, no network.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Iterable

from keypairs_osc import keys
from keypairs_osc import problem

BEGIN = '-----BEGIN SSH HOST KEY KEYS-----'
END = '-----END SSH HOST KEY KEYS-----'
#: How many console lines one wrapped key may take (an RSA-8192 key is
#: about 1400 characters: 18 lines of 80 columns).
MAX_WRAPPED_LINES = 32

_LINE_BREAK = re.compile(r'\r\n|\r|\n')
_NOT_BASE64 = re.compile(r'[^A-Za-z0-9+/=\s]')
#: A key line starts with its type (then a space, or the line's end when
#: the console wrapped it right there).
_KEY_START = re.compile(
    r'(?:ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)(?:\s|$)')
#: A syslog prefix the block's first line did not have (another program
#: writing to the console), ending where a key line starts.
_OTHER_PREFIX = re.compile(
    r'^.*?:\s+(?=(?:ssh-|ecdsa-sha2-|sk-)[a-z0-9@.-]+\s)')
#: What a server ID must look like to be a known_hosts host name: no
#: pattern characters (``*?![],``), no spaces. Nova's are UUIDs.
_ALIAS = re.compile(r'[A-Za-z0-9][A-Za-z0-9._:-]*')
#: ``ssh-keygen -l``'s name of each key type.
_TYPE_NAMES = {
    'ssh-ed25519': 'ED25519', 'ssh-rsa': 'RSA',
    'ecdsa-sha2-nistp256': 'ECDSA', 'ecdsa-sha2-nistp384': 'ECDSA',
    'ecdsa-sha2-nistp521': 'ECDSA',
    'sk-ssh-ed25519@openssh.com': 'ED25519-SK',
    'sk-ecdsa-sha2-nistp256@openssh.com': 'ECDSA-SK',
}


class HostKeyProblem(problem.Problem):
    """Host keys that cannot be used, or that are not the pinned ones."""

    names_its_subject = False


@dataclasses.dataclass(frozen=True)
class ConsoleKeys:
    """The host keys of the console's last complete block."""

    keys: tuple[keys.PublicKeyInfo, ...]
    #: Why each line of the block that is no usable key was left out.
    skipped: tuple[str, ...] = ()


def from_console(text: str | None) -> ConsoleKeys | None:
    """The host keys of the last complete block in ``text``; None: none.

    A block that was begun and never ended (the console cut short, or the
    guest still printing) does not count; of several blocks (a reboot, a
    rebuild) the last one is what the guest has now.
    """
    blocks: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None
    for line in _LINE_BREAK.split(text or ''):
        if BEGIN in line:
            current = (line[:line.index(BEGIN)], [])
        elif END in line and current is not None:
            blocks.append(current)
            current = None
        elif current is not None:
            current[1].append(line)
    if not blocks:
        return None
    prefix, lines = blocks[-1]
    return _keys_of(lines, _prefix_pattern(prefix))


def _prefix_pattern(prefix: str) -> re.Pattern[str] | None:
    """The shape of the BEGIN line's prefix: digits and spaces may vary.

    ``<14>Dec  2 10:00:01 ec2: `` matches every line logger wrote in the
    same second or the next; ``[   12.34] cloud-init[123]: `` every kernel
    timestamp.
    """
    if not _NOT_BASE64.search(prefix):
        return None  # it could match the start of a wrapped key's base64
    parts = re.split(r'(\d+|\s+)', prefix.lstrip())
    shape = ''.join(r'\d+' if part.isdigit() else r'\s*' if part.isspace()
                    else re.escape(part) for part in parts if part)
    return re.compile(r'\s*' + shape)


def _payload(line: str, pattern: re.Pattern[str] | None) -> str:
    """The line without its syslog prefix (a wrapped part has none)."""
    if pattern is not None:
        found = pattern.match(line)
        if found:
            line = line[found.end():]
    line = line.strip()
    if not _KEY_START.match(line):
        other = _OTHER_PREFIX.match(line)
        if other:
            line = line[other.end():]
    return line


def _keys_of(lines: list[str],
             pattern: re.Pattern[str] | None) -> ConsoleKeys:
    found: dict[bytes, keys.PublicKeyInfo] = {}
    skipped: list[str] = []
    pending: list[str] = []  # the parts of a key line not complete yet
    wrapped = False  # the last key was wrapped: its comment may go on
    for line in lines:
        payload = _payload(line, pattern)
        if not payload:
            continue
        if _KEY_START.match(payload):
            if pending:
                skipped.append(_why_not(pending))
            pending = [payload]
        elif pending:
            pending.append(payload)
        elif wrapped and not any(c.isspace() for c in payload):
            wrapped = False  # the rest of the comment, cut by the console
            continue
        else:
            skipped.append('a line that is no host key')
            continue
        key = _complete(pending)
        wrapped = False
        if key is not None:
            found.setdefault(key.blob, key)
            wrapped = len(pending) > 1
            pending = []
        elif len(pending) >= MAX_WRAPPED_LINES:
            skipped.append(_why_not(pending))
            pending = []
    if pending:
        skipped.append(_why_not(pending))
    return ConsoleKeys(tuple(found.values()), tuple(skipped))


def _joins(parts: list[str]) -> Iterable[str]:
    """A wrapped key line put together again, each way it may have been.

    The console cuts where the column ends: inside the base64 (the parts
    join without a space) or at the space before the comment, which is
    then lost. Only the newest cut can be that one: with the space at an
    earlier cut, the key was complete before this part came.
    """
    yield ''.join(parts)
    if len(parts) > 1:
        yield ''.join(parts[:-1]) + ' ' + parts[-1]


def _complete(parts: list[str]) -> keys.PublicKeyInfo | None:
    for candidate in _joins(parts):
        try:
            return keys.parse_public_key(candidate).info
        except keys.InvalidKey:
            continue
    return None


def _why_not(parts: list[str]) -> str:
    algorithm = parts[0].split(None, 1)[0]
    try:
        keys.parse_public_key(''.join(parts))
    except keys.InvalidKey as exc:
        return f'{algorithm}: {exc}'
    return f'{algorithm}: not a complete key'


def type_name(key: keys.PublicKeyInfo) -> str:
    """The key's type as ``ssh-keygen -l`` names it (``ED25519``)."""
    return _TYPE_NAMES.get(key.algorithm, key.algorithm.upper())


def fingerprints(host_keys: Iterable[keys.PublicKeyInfo]) -> str:
    """``SHA256:... (ED25519), SHA256:... (RSA)``, in a stable order."""
    return ', '.join(sorted(f'{key.fingerprint_sha256} ({type_name(key)})'
                            for key in host_keys))


def same_keys(pinned: Iterable[keys.PublicKeyInfo],
              shown: Iterable[keys.PublicKeyInfo]) -> bool:
    """True when both hold exactly the same host keys (comments aside)."""
    return {key.blob for key in pinned} == {key.blob for key in shown}


def check_alias(alias: str) -> str:
    """``alias`` if it can be a known_hosts host name, else one line."""
    if not _ALIAS.fullmatch(alias):
        raise HostKeyProblem(f'the server ID {alias!r} cannot name host '
                             'keys in a known_hosts file')
    return alias


def known_hosts(alias: str, host_keys: Iterable[keys.PublicKeyInfo]) -> str:
    """known_hosts text of ``host_keys`` for the host named ``alias``.

    ``alias`` is the server's ID, which ssh is given as ``HostKeyAlias``:
    the keys belong to that server, whatever address it answers on. The
    guest's comments are left out.
    """
    check_alias(alias)
    lines = [f'# SSH host keys of server {alias}, pinned by keypairs-osc '
             'from its console output']
    lines += [f'{alias} {key.algorithm} {base64.b64encode(key.blob).decode()}'
              for key in host_keys]
    return '\n'.join(lines) + '\n'


def parse_known_hosts(text: str,
                      alias: str) -> tuple[keys.PublicKeyInfo, ...]:
    """The host keys a file of :func:`known_hosts` holds for ``alias``.

    Anything else in it is damage (or somebody else's file): one line
    saying where, never a key silently dropped.
    """
    found: list[keys.PublicKeyInfo] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        fields = line.split()
        if len(fields) < 3:
            raise HostKeyProblem(f'line {number} is no known_hosts line')
        if fields[0] != alias:
            raise HostKeyProblem(f'line {number} is for another host, '
                                 f'{fields[0]!r}')
        try:
            found.append(keys.parse_public_key(
                f'{fields[1]} {fields[2]}').info)
        except keys.InvalidKey as exc:
            raise HostKeyProblem(f'line {number}: {exc}') from exc
    if not found:
        raise HostKeyProblem('holds no host key')
    return tuple(found)
