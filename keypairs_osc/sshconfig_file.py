"""Reading and rewriting an ssh client configuration file, safely.

The file is read whole and replaced in one rename of a temporary file
beside it, so ssh never reads half a file; the new file keeps the old
one's mode (0600 when there was none) and, as far as the user may, its
owner. A symbolic link is followed: the file it names is rewritten and the
link stays. The bytes are kept as they are (``surrogateescape``), so text
in another encoding outside the block survives unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import stat
import tempfile

from keypairs_osc import securefile

#: The largest configuration file read: ssh's own are a few KiB.
MAX_BYTES = 1024 * 1024
NEW_MODE = 0o600
DIRECTORY_MODE = 0o700


@dataclasses.dataclass(frozen=True)
class ConfigText:
    """A configuration file's text and what is needed to replace it."""

    #: The file that is read and replaced: the link's target for a link.
    path: str
    text: str
    #: None when the file does not exist yet.
    info: os.stat_result | None


def default_path() -> str:
    return os.path.join(os.path.expanduser('~'), '.ssh', 'config')


def _problem(path: str, exc: OSError) -> securefile.FileProblem:
    reason = exc.strerror or str(exc)
    return securefile.FileProblem(f'{path}: {reason[:1].lower()}{reason[1:]}')


def read(path: str) -> ConfigText:
    """The file's text (empty when it does not exist yet)."""
    target = os.path.realpath(securefile.expand(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return ConfigText(target, '', None)
    except OSError as exc:
        raise _problem(path, exc) from exc
    if not stat.S_ISREG(info.st_mode):
        raise securefile.FileProblem(f'{path}: is not a regular file')
    if info.st_size > MAX_BYTES:
        raise securefile.FileProblem(
            f'{path}: is larger than {MAX_BYTES // 1024} KiB; not an ssh '
            'configuration file')
    try:
        with open(target, 'rb') as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _problem(path, exc) from exc
    return ConfigText(target, data.decode('utf-8', 'surrogateescape'), info)


def _make_directory(directory: str, display: str) -> None:
    """Create the file's directory (0700) when only it is missing."""
    if os.path.isdir(directory):
        return
    if not os.path.isdir(os.path.dirname(directory)):
        raise securefile.FileProblem(
            f'{os.path.dirname(display) or "."}: directory does not exist')
    try:
        os.mkdir(directory, DIRECTORY_MODE)
    except FileExistsError:
        pass
    except OSError as exc:
        raise _problem(directory, exc) from exc


def write(before: ConfigText, text: str, display: str) -> None:
    """Replace ``before``'s file with ``text``, atomically.

    Refuses (one line, nothing written) when the file changed since it was
    read: another program's edit is never lost.
    """
    _make_directory(os.path.dirname(before.path), display)
    data = text.encode('utf-8', 'surrogateescape')
    directory, name = os.path.split(before.path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix='.tmp',
                                   dir=directory)
    except OSError as exc:
        raise _problem(directory, exc) from exc
    try:
        with os.fdopen(fd, 'wb') as f:
            mode = (stat.S_IMODE(before.info.st_mode) if before.info
                    else NEW_MODE)
            os.fchmod(f.fileno(), mode)
            if before.info and before.info.st_uid != os.geteuid():
                with contextlib.suppress(OSError):
                    os.fchown(f.fileno(), before.info.st_uid,
                              before.info.st_gid)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if read(before.path).text != before.text:
            raise securefile.FileProblem(
                f'{display}: changed while it was rewritten; nothing '
                'written, run the command again')
        os.replace(tmp, before.path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _problem(display, exc) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    securefile.fsync_directory(directory)
