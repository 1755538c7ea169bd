"""Which private key file belongs to which key pair, on this machine.

``keypair create --private-key`` and ``keypair import --private-key`` note
the file's path and the key's SHA256 fingerprint, per cloud, user and key
pair name, so that ``keypair ssh`` can find the key and ``keypair list
--long`` can show it. Paths and fingerprints only: never key material. The
file is 0600 in a 0700 directory of the user's configuration directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator

LOG = logging.getLogger(__name__)

#: Overrides where the record lives (tests use it).
RECORD_ENV = 'KEYPAIRS_OSC_RECORD'


@dataclasses.dataclass(frozen=True)
class Entry:
    path: str
    fingerprint_sha256: str


def record_path() -> str:
    if os.environ.get(RECORD_ENV):
        return os.environ[RECORD_ENV]
    base = os.environ.get('XDG_CONFIG_HOME') or os.path.join(
        os.path.expanduser('~'), '.config')
    return os.path.join(base, 'keypairs-osc', 'keys.json')


def known_hosts_path(server_id: str) -> str:
    """The known_hosts file of one server's pinned host keys.

    Beside the record, one per server (by ID, never by name or address: a
    name can be reused, an address given to another server).
    """
    return os.path.join(os.path.dirname(record_path()), 'known_hosts',
                        server_id)


def _key(cloud: str, user_id: str | None, name: str) -> str:
    return f'{cloud} {user_id or "-"} {name}'


class Damaged(ValueError):
    """The record exists but cannot be read as one."""


def _read(path: str, strict: bool = False) -> dict[str, dict[str, str]]:
    """The record; a missing one is empty, a damaged one too unless strict."""
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        return {}
    except OSError:
        if strict:
            raise  # unreadable, not damaged: never set aside
        return {}
    except ValueError as exc:
        if strict:
            raise Damaged(str(exc)) from exc
        return {}
    if not isinstance(data, dict):
        if strict:
            raise Damaged('not a JSON object')
        return {}
    return data


def _set_aside(path: str) -> str:
    """Keep a damaged record under a new name; never overwrite it."""
    aside = f'{path}.corrupt-{time.strftime("%Y%m%dT%H%M%S")}'
    while os.path.lexists(aside):
        aside += '+'
    os.rename(path, aside)
    LOG.warning('The record of private key files, %s, could not be read; '
                'kept it as %s and started a new one', path, aside)
    return aside


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd = os.open(path + '.lock', os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _rewrite(change: Callable[[dict], None]) -> None:
    """Change the record under its lock; written whole or not at all."""
    target = record_path()
    with _locked(target):
        try:
            data = _read(target, strict=True)
        except Damaged:
            _set_aside(target)
            data = {}
        change(data)
        directory = os.path.dirname(target)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix='.keys.',
                                   suffix='.tmp')
        try:
            with os.fdopen(fd, 'w') as f:
                json.dump(data, f, indent=1, sort_keys=True)
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def remember(cloud: str, user_id: str | None, name: str, path: str,
             fingerprint_sha256: str) -> None:
    """Note that ``path`` holds the private key of key pair ``name``."""
    def change(data: dict) -> None:
        data[_key(cloud, user_id, name)] = {
            'path': os.path.abspath(os.path.expanduser(path)),
            'fingerprint_sha256': fingerprint_sha256}

    _rewrite(change)


def lookup(cloud: str, user_id: str | None, name: str) -> Entry | None:
    """The recorded private key of a key pair, if any."""
    found = _read(record_path()).get(_key(cloud, user_id, name))
    if not isinstance(found, dict) or 'path' not in found:
        return None
    return Entry(str(found['path']), str(found.get('fingerprint_sha256')))


def all_entries(cloud: str, user_id: str | None) -> dict[str, Entry]:
    """Every recorded key pair of one user on one cloud, by name."""
    prefix = _key(cloud, user_id, '')
    return {key[len(prefix):]: Entry(str(v.get('path')),
                                     str(v.get('fingerprint_sha256')))
            for key, v in _read(record_path()).items()
            if key.startswith(prefix) and isinstance(v, dict)}


#: The record's entry of rotated servers (a name no key pair entry has:
#: those are "<cloud> <user> <name>").
ROTATED = 'rotated'


@dataclasses.dataclass(frozen=True)
class Rotation:
    """A server that ``keypair rotate`` moved from one key pair to another.

    Nova keeps the key pair a server was booted with as its ``key_name``;
    only this record knows that the server's authorized_keys now holds
    ``to_name``'s key instead of ``from_name``'s.
    """

    server_id: str
    server_name: str
    user_id: str | None
    from_name: str
    to_name: str
    path: str
    fingerprint_sha256: str


def remember_rotation(cloud: str, rotation: Rotation) -> None:
    """Note that the server now lets in ``rotation.to_name``'s key."""
    def change(data: dict) -> None:
        rotated = data.get(ROTATED)
        if not isinstance(rotated, dict):
            rotated = data[ROTATED] = {}
        fields = dataclasses.asdict(rotation)
        fields['path'] = os.path.abspath(os.path.expanduser(rotation.path))
        rotated[f'{cloud} {rotation.server_id}'] = fields

    _rewrite(change)


def _rotation(fields: object) -> Rotation | None:
    """The entry as a Rotation; None when it is damaged."""
    if not isinstance(fields, dict):
        return None
    try:
        values = {f.name: fields[f.name]
                  for f in dataclasses.fields(Rotation)}
    except KeyError:
        return None
    # Strings only (user_id may be None): a number where a name or a path
    # belongs would break the sorting, or name a file descriptor.
    if not all(isinstance(value, str) or (name == 'user_id' and value is None)
               for name, value in values.items()):
        return None
    return Rotation(**values)


def rotated_servers(cloud: str) -> dict[str, Rotation]:
    """Every server of ``cloud`` that ``keypair rotate`` rotated, by ID."""
    rotated = _read(record_path()).get(ROTATED)
    found = {}
    for key, fields in (rotated.items() if isinstance(rotated, dict)
                        else ()):
        entry = _rotation(fields)
        if entry is not None and key == f'{cloud} {entry.server_id}':
            found[entry.server_id] = entry
    return found


def rotation(cloud: str, server_id: str) -> Rotation | None:
    """The server's rotation, if ``keypair rotate`` rotated it."""
    return rotated_servers(cloud).get(server_id)


def rotations(cloud: str, user_id: str | None, name: str) -> list[Rotation]:
    """The rotations from or to key pair ``name`` of one user, by server."""
    found = [entry for entry in rotated_servers(cloud).values()
             if entry.user_id == user_id
             and name in (entry.from_name, entry.to_name)]
    return sorted(found, key=lambda e: (e.server_name, e.server_id))
