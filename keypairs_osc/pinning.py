"""The files of pinned host keys: one known_hosts file per server.

``keypair ssh`` writes a server's host keys, as its console showed them,
into ``record.known_hosts_path(<server ID>)`` (beside the record, 0600 in a
0700 directory) and has ssh check the server against that file alone;
``keypair ssh-config`` points ssh_config at the same file with
:func:`pinned_options`. What the file holds is
:func:`hostkeys.known_hosts`.
"""

from __future__ import annotations

import os

from keypairs_osc import hostkeys
from keypairs_osc import keys
from keypairs_osc import record
from keypairs_osc import securefile

#: Characters ssh_config(5) cannot take in a quoted value.
_UNQUOTABLE = ('"', '\\', '\n', '\r', '\0')


def path(server_id: str) -> str:
    """Where the server's pinned host keys are (whether or not they are)."""
    return record.known_hosts_path(hostkeys.check_alias(server_id))


def read_pinned(server_id: str) -> tuple[keys.PublicKeyInfo, ...] | None:
    """The host keys pinned for the server; None when none are.

    A file that cannot be read, or holds anything but this server's host
    keys, is one line naming it: never "nothing pinned", which would let
    the first key that answers in again.
    """
    target = path(server_id)
    if not os.path.lexists(target):
        return None
    data = securefile.read_input(target, 'known_hosts')
    try:
        return hostkeys.parse_known_hosts(data.decode('utf-8'), server_id)
    except (UnicodeDecodeError, hostkeys.HostKeyProblem) as exc:
        reason = ('is not text' if isinstance(exc, UnicodeDecodeError)
                  else str(exc))
        raise securefile.FileProblem(
            f'{target}: not a file of pinned host keys ({reason}); remove '
            'it, or pin the console\'s keys again with "openstack keypair '
            'ssh --repin"') from exc


def write_pinned(server_id: str, host_keys: tuple[keys.PublicKeyInfo, ...],
                 replace: bool = False) -> str | None:
    """Pin ``host_keys`` for the server: 0600, written whole or not at all.

    With ``replace`` a pinned file is replaced, and kept as ``.bak``
    (securefile's rule for files it replaces); without it, an existing
    file is never overwritten. Returns the backup's path, if one was made.
    """
    target = path(server_id)
    text = hostkeys.known_hosts(server_id, host_keys)
    for directory in (os.path.dirname(os.path.dirname(target)),
                      os.path.dirname(target)):
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise securefile.FileProblem(
                f'{directory}: cannot be created ({exc.strerror or exc})'
            ) from exc
    pinned = securefile.PrivateKeyFile(target, force=replace)
    pinned.prepare()
    pinned.commit(text.encode())
    return pinned.backup_path


def ssh_config_value(value: str) -> str:
    """``value`` as one ssh_config(5) argument: ``%`` escaped, quoted.

    ssh expands ``%`` tokens in file names and splits unquoted values at
    spaces (``UserKnownHostsFile`` takes several files).
    """
    if any(char in value for char in _UNQUOTABLE):
        raise securefile.FileProblem(
            f'{value!r}: ssh cannot be given this file name (it holds a '
            'quote, a backslash or a line break)')
    value = value.replace('%', '%%')
    if any(char.isspace() or char in '#\'' for char in value):
        value = f'"{value}"'
    return value


def pinned_options(server_id: str) -> dict[str, str]:
    """The ssh_config options that check the server's pinned host keys.

    Option name to value, ready for ``ssh -o Name=value`` or a ssh_config
    line (values quoted as ssh_config needs); empty when nothing is pinned.
    ``HostKeyAlias`` makes ssh look the keys up by the server's ID, not by
    its address, which another server may have had before; ``CheckHostIP
    no`` keeps ssh from looking the address up in ``~/.ssh/known_hosts``.
    """
    target = path(server_id)
    if not os.path.isfile(target):
        return {}
    return {
        'StrictHostKeyChecking': 'yes',
        'UserKnownHostsFile': ssh_config_value(target),
        'HostKeyAlias': server_id,
        'CheckHostIP': 'no',
    }
