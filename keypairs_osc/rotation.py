"""One server's key rotation: the steps, and what each failure leaves.

The order is what keeps a server reachable: log in with the old key and
read ``~/.ssh/authorized_keys``; add the new key; log in with the new key
(the proof); only then remove the old key's line; log in with the new key
again. A step that fails stops the rotation there, and the outcome says
which key still logs in.

The guest runs only :data:`READ` and :data:`WRITE` (the scripts in
``keypairs_osc/guest/``), plain POSIX sh and tools BusyBox has too; the
file's text is changed here, by :mod:`keypairs_osc.authorized_keys`.
``WRITE`` replaces the file atomically (a temporary file in the same
directory, the old file's mode and owner, ``mv``), and only if the file
is still what was read. Everything runs through a :data:`Runner`, so the
steps are tested without ssh.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources
from collections.abc import Callable
from collections.abc import Sequence

from keypairs_osc import authorized_keys

#: Where the keys are, on the guest (as sshd's default AuthorizedKeysFile).
FILE = '~/.ssh/authorized_keys'


def _guest_script(name: str) -> str:
    return importlib.resources.files(__package__).joinpath(
        'guest', name).read_text(encoding='utf-8')


#: Print the file; exit 3 when it is not there.
READ = _guest_script('read_authorized_keys.sh')
#: Replace the file with stdin, if its SHA-256 is still ``$1``: exit 4 if
#: it changed meanwhile, 5 if it is a symbolic link, non-zero if any step
#: fails (the file then is as it was).
WRITE = _guest_script('write_authorized_keys.sh')

#: ssh's exit status for its own failures (connecting, authenticating).
SSH_FAILED = 255
_WHY = {3: f'there is no {FILE}',
        4: f'{FILE} changed while it was being edited',
        5: f'{FILE} is a symbolic link, which this will not replace'}


@dataclasses.dataclass(frozen=True)
class Ran:
    """What a command on the guest gave."""

    status: int
    stdout: bytes = b''
    #: ssh's or the command's last line on standard error.
    error: str = ''


#: Runs ``script`` with ``args`` on the guest, logged in with the private
#: key file ``identity``, ``stdin`` as its input.
Runner = Callable[[str, str, Sequence[str], bytes], Ran]


@dataclasses.dataclass(frozen=True)
class Key:
    """A key pair's key, as a rotation uses it."""

    name: str
    #: Its private key file, to log in with.
    identity: str
    blob: bytes
    #: The public key as an authorized_keys line.
    line: str


@dataclasses.dataclass(frozen=True)
class Outcome:
    rotated: bool
    #: What happened; for a failure, why, and which key still logs in.
    reason: str
    #: How many times ssh logged in (or tried to).
    logins: int
    #: Whether the old key's line was removed: then only the new key can
    #: log in, even when the last proof failed, and the record says so.
    old_removed: bool = False


class _Failed(Exception):
    pass


class _Steps:
    def __init__(self, run: Runner, old: Key, new: Key):
        self.run, self.old, self.new = run, old, new
        self.logins = 0
        self.old_removed = False

    def ran(self, key: Key, script: str, args: Sequence[str] = (),
            stdin: bytes = b'', doing: str = '', keeps: str = '') -> bytes:
        self.logins += 1
        result = self.run(key.identity, script, args, stdin)
        if result.status == 0:
            return result.stdout
        if result.status == SSH_FAILED:
            why = f'cannot log in with {key.name!r}'
        else:
            why = _WHY.get(result.status,
                           f'{doing} failed (exit status {result.status})')
        if result.error:
            why += f': {result.error}'
        raise _Failed(f'{why}; {keeps}')

    def rotate(self) -> str:
        old, new = self.old, self.new
        keeps_old = f'it keeps {old.name!r}'
        text = self.ran(old, READ, doing=f'reading {FILE}', keeps=keeps_old)
        if not authorized_keys.count(text, old.blob):
            raise _Failed(f'{old.name!r} is not in {FILE} (sshd let it in '
                          f'from another file); nothing changed, {keeps_old}')
        if not authorized_keys.count(text, new.blob):
            self.ran(old, WRITE, [_digest(text)],
                     authorized_keys.add(text, new.line, new.blob),
                     doing=f'adding {new.name!r} to {FILE}', keeps=keeps_old)
        text = self.ran(new, READ, doing=f'reading {FILE}',
                        keeps=f'{keeps_old} ({new.name!r} is added but did '
                              'not log in)')
        keeps_both = f'it keeps {old.name!r} and {new.name!r}'
        self.ran(new, WRITE, [_digest(text)],
                 authorized_keys.remove(text, old.blob),
                 doing=f'removing {old.name!r} from {FILE}', keeps=keeps_both)
        self.old_removed = True
        text = self.ran(new, READ, doing=f'reading {FILE}',
                        keeps=f'{new.name!r} logged in before {old.name!r} '
                              'was removed')
        if (authorized_keys.count(text, old.blob)
                or not authorized_keys.count(text, new.blob)):
            raise _Failed(f'{FILE} is not as written: {keeps_both}, as it '
                          'shows now')
        return f'{new.name!r} logs in, {old.name!r} is removed'


def rotate(run: Runner, old: Key, new: Key) -> Outcome:
    """Move one server from ``old`` to ``new``; what came of it."""
    steps = _Steps(run, old, new)
    try:
        reason = steps.rotate()
    except _Failed as exc:
        return Outcome(False, str(exc), steps.logins, steps.old_removed)
    return Outcome(True, reason, steps.logins, old_removed=True)


def _digest(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()
