"""The managed block of ``keypair ssh-config`` in an ssh_config(5) text.

Pure logic, no I/O: host names made from server names, each value quoted
as ssh_config(5) reads it back, the block rendered, and the block spliced
into (or out of) the text of a configuration file so that nothing outside
it changes, byte for byte.

One block per cloud, project and user: its marker lines name the compute
endpoint and the user ID, which the local record of private keys is kept
by, and the project the servers belong to, so a user of two clouds or two
projects (or two users of one cloud) keeps a block for each, and a rerun
replaces only its own.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence

from keypairs_osc import problem

MARKER = 'keypairs-osc'
BEGIN = f'# BEGIN {MARKER} '
END = f'# END {MARKER} '
#: How many characters of the server ID tell servers of one name apart.
ID_SUFFIX = 8
#: What a host name (and the prefix) is made of: ssh matches Host patterns
#: without regard to case, and ``*``, ``?``, ``!`` and ``,`` are pattern
#: syntax, so only these characters, in lower case.
_HOST_CHARS = re.compile(r'[^a-z0-9._-]+')
_PREFIX = re.compile(r'[a-z0-9][a-z0-9._-]*')
#: A login name as ssh_config's User takes it without quoting or tokens.
_LOGIN = re.compile(r'[A-Za-z0-9_][A-Za-z0-9._@-]*')
#: A server ID as HostKeyAlias takes it.
_ALIAS = re.compile(r'[A-Za-z0-9][A-Za-z0-9._:-]*')
_LINE = re.compile(r'[^\n]*\n|[^\n]+')


class Unwritable(problem.Problem):
    """A value that ssh_config cannot hold exactly; the message says why."""


class Damaged(problem.Problem):
    """The file's block is not a whole BEGIN ... END pair."""


@dataclasses.dataclass(frozen=True)
class HostEntry:
    """One ``Host`` of the block: a server and how to reach it."""

    host: str
    server_name: str
    server_id: str
    address: str
    login: str
    identity_file: str
    #: The known_hosts file of the server's pinned host keys, if any.
    known_hosts: str | None = None
    port: int | None = None


def label(cloud: str, user_id: str, project_id: str | None = None) -> str:
    """What names one cloud's, project's and user's block in its markers.

    The record of private keys is kept by cloud and user; servers belong
    to a project: a user of two projects keeps a block for each.
    """
    parts = [cloud] + (['project', project_id] if project_id else []) + \
        ['user', user_id]
    return ' '.join(printable(part, ascii_only=True).replace(' ', '%20')
                    or '-' for part in parts)


def printable(text: str, ascii_only: bool = False) -> str:
    """``text`` with what cannot stand in a comment line escaped.

    Control characters (a newline in a server name would end the comment
    and start an option) become ``\\xNN`` or ``\\uNNNN``; a backslash is
    doubled so the escapes cannot be forged.
    """
    out = []
    for ch in text:
        if ch == '\\':
            out.append('\\\\')
        elif ch.isprintable() and (ch.isascii() or not ascii_only):
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f'\\x{ord(ch):02x}')
        else:
            out.append(f'\\u{ord(ch):04x}' if ord(ch) < 0x10000
                       else f'\\U{ord(ch):08x}')
    return ''.join(out)


def check_prefix(prefix: str) -> str:
    """``--prefix`` as host names start with it, or Unwritable."""
    lowered = prefix.lower()
    if not _PREFIX.fullmatch(lowered):
        raise Unwritable(
            f'--prefix {prefix!r}: use letters, digits, ".", "_" and "-", '
            'starting with a letter or digit')
    return lowered


def base_name(server_name: str) -> str:
    """A server name as a host name: lower case, only safe characters.

    Accents are dropped (``Café`` is ``cafe``), every run of anything else
    becomes one ``-``; a name left empty is ``server``.
    """
    folded = unicodedata.normalize('NFKD', server_name or '')
    folded = ''.join(ch for ch in folded if not unicodedata.combining(ch))
    name = _HOST_CHARS.sub('-', folded.lower()).strip('-.')
    return name or 'server'


def host_names(servers: Iterable[tuple[str, str]], prefix: str = '',
               taken: Iterable[str] = ()) -> dict[str, str]:
    """A unique host name for each ``(server ID, server name)``, by ID.

    A name that two servers share, or that is ``taken`` already, gets a
    suffix of the server's ID (``web-4f1c2a9b``), long enough to be unique;
    the same servers always give the same names, whatever their order.
    """
    pairs = sorted(set(servers))
    wanted: dict[str, list[str]] = {}
    for server_id, name in pairs:
        wanted.setdefault(prefix + base_name(name), []).append(server_id)
    used = {name.lower() for name in taken}
    result: dict[str, str] = {}
    clashes: list[tuple[str, str]] = []
    for name, ids in sorted(wanted.items()):
        if len(ids) == 1 and name not in used:
            result[ids[0]] = name
            used.add(name)
        else:
            clashes.extend((name, server_id) for server_id in ids)
    for name, server_id in clashes:
        tail = base_name(server_id)
        length = ID_SUFFIX
        while True:
            candidate = f'{name}-{tail[:length]}'
            if candidate not in used or length >= len(tail):
                break
            length += 4
        while candidate in used:  # IDs that agree in every character
            candidate += '-'
        result[server_id] = candidate
        used.add(candidate)
    return result


def quoted_path(path: str, what: str) -> str:
    """A file path as IdentityFile and UserKnownHostsFile read it back.

    Double quotes keep spaces; ``%`` is doubled, since ssh expands
    ``%`` tokens in these paths. ssh also expands ``${VAR}`` in them, with
    no way to escape it, and OpenSSH before 8.7 knows no escapes inside
    quotes: a path with ``${``, a quote, a backslash or a control character
    is refused rather than written as another path.
    """
    if not path.startswith('/'):
        raise Unwritable(f'{what} {printable(path)!r} is not an absolute '
                         'path')
    if '${' in path or any(ch in path for ch in '"\\') or \
            not path.isprintable():
        raise Unwritable(f'{what} {printable(path)!r} holds characters '
                         'ssh_config cannot quote ("${", a quote, a '
                         'backslash or a control character)')
    return '"' + path.replace('%', '%%') + '"'


def checked_address(address: str) -> str:
    """An IP address as HostName reads it back (``%`` doubled)."""
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise Unwritable(f'address {printable(address)!r} is not an IP '
                         'address') from None
    return address.replace('%', '%%')


def checked_login(login: str) -> str:
    """A login name that needs no quoting: letters, digits, ``._@-``."""
    if not _LOGIN.fullmatch(login):
        raise Unwritable(f'login name {printable(login)!r}: ssh-config '
                         'writes only letters, digits, ".", "_", "@" '
                         'and "-", starting with a letter, digit or "_"')
    return login


def checked_alias(server_id: str) -> str:
    if not _ALIAS.fullmatch(server_id):
        raise Unwritable(f'server ID {printable(server_id)!r} cannot be a '
                         'HostKeyAlias')
    return server_id


def host_lines(entry: HostEntry) -> list[str]:
    """The lines of one ``Host`` section, values checked and quoted."""
    lines = [f'Host {entry.host}',
             f'  # server {printable(entry.server_name)!r} '
             f'{printable(entry.server_id)}',
             f'  HostName {checked_address(entry.address)}',
             f'  User {checked_login(entry.login)}']
    if entry.port is not None:
        lines.append(f'  Port {int(entry.port)}')
    lines += [f'  IdentityFile '
              f'{quoted_path(entry.identity_file, "private key file")}',
              '  IdentitiesOnly yes']
    if entry.known_hosts is not None:
        lines += [f'  UserKnownHostsFile '
                  f'{quoted_path(entry.known_hosts, "known_hosts file")}',
                  f'  HostKeyAlias {checked_alias(entry.server_id)}',
                  '  StrictHostKeyChecking yes',
                  '  CheckHostIP no']
    return lines


def render(block_label: str, entries: Sequence[HostEntry],
           cloud_name: str | None = None) -> list[str]:
    """The whole block, marker lines included, without line ends.

    It ends with ``Match all``, so that whatever follows the block in the
    file applies to every host, as it would without the block.
    """
    about = f' for cloud {printable(cloud_name)!r}' if cloud_name else ''
    lines = [BEGIN + block_label,
             f'# Written by "openstack keypair ssh-config"{about}: a rerun '
             'rewrites this block, --remove removes it; edits here are '
             'lost.']
    for entry in sorted(entries, key=lambda e: e.host):
        lines += host_lines(entry)
    lines += ['Match all', END + block_label]
    return lines


def split_lines(text: str) -> list[str]:
    """The lines of ``text``, each with its own line end (``\\n`` only).

    ssh splits lines at ``\\n`` alone (a ``\\r`` before it is stripped
    as white space), not at the other characters ``str.splitlines`` takes.
    """
    return _LINE.findall(text)


def line_end(text: str) -> str:
    """The line end the file uses: that of its first line, else ``\\n``."""
    first = text.find('\n')
    return '\r\n' if first > 0 and text[first - 1] == '\r' else '\n'


def _marker(line: str) -> tuple[str, str] | None:
    """('begin' or 'end', label) for a keypairs-osc marker line."""
    stripped = line.strip()
    for kind, start in (('begin', BEGIN), ('end', END)):
        if stripped.startswith(start):
            return kind, stripped[len(start):].strip()
    return None


def find_block(lines: Sequence[str], block_label: str
               ) -> tuple[int, int] | None:
    """Where the block of ``block_label`` is: (BEGIN index, END index).

    None when there is none; Damaged when it is not one whole pair, or
    another keypairs-osc marker is inside it.
    """
    begins, ends = [], []
    for number, line in enumerate(lines):
        found = _marker(line)
        if found and found[1] == block_label:
            (begins if found[0] == 'begin' else ends).append(number)
    if not begins and not ends:
        return None
    where = f'the {MARKER} block for {block_label}'
    if len(begins) != 1 or len(ends) != 1:
        if not ends:
            why = f'BEGIN on line {begins[0] + 1} has no END line'
        elif not begins:
            why = f'END on line {ends[0] + 1} has no BEGIN line'
        else:
            why = (f'{len(begins)} BEGIN lines (line '
                   f'{", ".join(str(n + 1) for n in begins)}) and '
                   f'{len(ends)} END lines (line '
                   f'{", ".join(str(n + 1) for n in ends)})')
        raise Damaged(f'{where} is damaged: {why}; fix or remove it by '
                      'hand')
    begin, end = begins[0], ends[0]
    if end < begin:
        raise Damaged(f'{where} is damaged: END on line {end + 1} comes '
                      f'before BEGIN on line {begin + 1}; fix or remove it '
                      'by hand')
    for number in range(begin + 1, end):
        if _marker(lines[number]):
            raise Damaged(f'{where} is damaged: another {MARKER} marker '
                          f'is inside it, on line {number + 1}; fix or '
                          'remove it by hand')
    return begin, end


def hosts_outside(text: str, block_label: str) -> set[str]:
    """The host names of the ``Host`` lines outside the block, lower case.

    The block comes first in the file and ssh takes the first value it
    finds: a host of the block named as one of the user's own (or another
    cloud's block's) would take that name over. Patterns are kept as they
    are; only a literal name can be the same as one of the block's.
    """
    hosts: set[str] = set()
    inside = False
    for line in split_lines(text):
        found = _marker(line)
        if found:
            inside = found == ('begin', block_label)
            continue
        words = line.replace('=', ' ', 1).split()
        if not inside and len(words) > 1 and words[0].lower() == 'host':
            hosts.update(word.strip('"').lower() for word in words[1:])
    return hosts


def splice(text: str, block: Sequence[str] | None,
           block_label: str) -> str:
    """``text`` with its block replaced by ``block``, or removed (None).

    A new block goes at the start of the file: ssh takes the first value it
    finds for each option, and general defaults (``Host *``) are usually at
    the end, where they would otherwise win over the block's values. The
    block ends with ``Match all``, so whatever follows it applies as it did
    before. Every line outside the block stays as it was, byte for byte;
    the block takes the file's line ends (those of its first line). A
    block moved to the end of a file whose last line has no line end
    keeps it so.
    """
    lines = split_lines(text)
    eol = line_end(text)
    where = find_block(lines, block_label)
    if where is None:
        if block is None:
            return text
        return eol.join(block) + eol + text
    begin, end = where
    at_end_without_eol = not lines[end].endswith('\n')
    before, after = lines[:begin], lines[end + 1:]
    if block is None:
        return ''.join(before + after)
    body = eol.join(block) + ('' if at_end_without_eol else eol)
    return ''.join(before) + body + ''.join(after)
