"""Secure file handling for private and public key files.

The rules, in one place:

* a private key file is 0600 from its first byte, whatever the umask, and a
  symbolic link at the target path is never followed;
* an existing non-empty file is never overwritten unless asked, and then the
  old file is kept as ``<file>.bak`` (0600);
* the target is reserved *before* the cloud is asked for anything, and the
  key is written only after the cloud accepted it; :meth:`abandon` undoes the
  reservation so a refused create leaves nothing behind;
* an existing target must be the running user's own, with no other name (a
  hard link in a directory someone else controls would let them read it),
  must not name a directory (``newdir/``), and must not lie in the kernel's
  interfaces under ``/proc`` or ``/sys``, whose files look like empty
  regular files and accept writes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import stat
import sys
import tempfile
import time
from typing import BinaryIO

from keypairs_osc import problem

PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644
MAX_INPUT_BYTES = 64 * 1024
#: Where the kernel's interfaces live: never a place for a key.
KERNEL_INTERFACES = ('/proc', '/sys')
#: How long a pipe or device given as an input file may stay silent.
STREAM_TIMEOUT = 10.0


class FileProblem(problem.Problem):
    """A local file cannot be used; the message names the file."""


def _describe_os_error(path: str, exc: OSError) -> str:
    reason = {
        errno.ENOENT: 'does not exist',
        errno.EACCES: 'permission denied',
        errno.EPERM: 'permission denied',
        errno.ENOSPC: 'no space left on the device',
        errno.EDQUOT: 'disk quota exceeded',
        errno.EFBIG: 'file too large',
        errno.EROFS: 'read-only file system',
        errno.EISDIR: 'is a directory',
        errno.ENOTDIR: 'a part of the path is not a directory',
        errno.ELOOP: 'is a symbolic link',
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return f'{path}: {reason}'


def expand(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def _read_stream(path: str, full: str, limit: int,
                 timeout: float) -> bytes:
    """Up to ``limit + 1`` bytes of a pipe or device, or its silence.

    Process substitution (``<(pass show x)``) hands over a pipe: the usual
    way to pass a secret without a file on disk. A writer that never comes
    or never ends (a FIFO nobody opens, ``/dev/zero``) is a clear error
    after ``timeout`` seconds or ``limit`` bytes, never a hang.
    """
    try:
        fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise FileProblem(_describe_os_error(path, exc))
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + timeout
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    try:
        while size <= limit:
            left = deadline - time.monotonic()
            if left <= 0:
                raise FileProblem(f'{path}: nothing more was written to it '
                                  f'within {timeout:g} s')
            if not poller.poll(left * 1000):
                continue
            try:
                chunk = os.read(fd, min(65536, limit + 1 - size))
            except BlockingIOError:
                continue
            except OSError as exc:
                raise FileProblem(_describe_os_error(path, exc))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    return b''.join(chunks)


def read_input(path: str, what: str = 'key',
               limit: int = MAX_INPUT_BYTES,
               stdin: BinaryIO | None = None,
               timeout: float | None = None) -> bytes:
    """Read a small input: a file, a pipe or device, or ``-`` for stdin."""
    if path == '-':
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(limit + 1)
    else:
        full = expand(path)
        try:
            info = os.stat(full)
        except OSError as exc:
            raise FileProblem(_describe_os_error(path, exc))
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem(f'{path}: is a directory, not a {what} file')
        if stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode):
            data = _read_stream(path, full, limit,
                                STREAM_TIMEOUT if timeout is None else timeout)
        elif not stat.S_ISREG(info.st_mode):
            raise FileProblem(f'{path}: is not a regular file, pipe or '
                              'character device')
        elif info.st_size > limit:
            raise FileProblem(f'{path}: is larger than {limit // 1024} KiB; '
                              f'not a {what} file')
        else:
            try:
                with open(full, 'rb') as f:
                    data = f.read(limit + 1)
            except OSError as exc:
                raise FileProblem(_describe_os_error(path, exc))
    if len(data) > limit:
        raise FileProblem(f'{path}: is larger than {limit // 1024} KiB; '
                          f'not a {what} file')
    return data


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class PrivateKeyFile:
    """A private key file reserved before, and written after, the API call.

    ``prepare()`` proves the file can be written (and reserves a 0600
    temporary file beside it); ``commit()`` writes the key; ``abandon()``
    removes everything this object created. Whatever happens, a file that
    existed before is left as it was unless ``commit()`` succeeds.
    """

    def __init__(self, path: str, force: bool = False):
        self.display_path = path
        self.path = expand(path)
        self.force = force
        self.backup_path: str | None = None
        self._fd: int | None = None
        self._tmp: str | None = None
        self._in_place_mode: int | None = None  # mode of an empty file

    # -- before the API call -------------------------------------------------

    def prepare(self) -> None:
        if self.display_path.endswith(os.sep):
            raise FileProblem(f'{self.display_path}: names a directory; '
                              'give the private key file\'s name')
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise FileProblem(_describe_os_error(self.display_path, exc))
        if info is None:
            self._refuse_kernel_interfaces()
            self._reserve_temporary()
            return
        if stat.S_ISLNK(info.st_mode):
            raise FileProblem(f'{self.display_path}: is a symbolic link; '
                              'refusing to write a private key through it')
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem(f'{self.display_path}: is a directory')
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(f'{self.display_path}: is not a regular file')
        self._refuse_kernel_interfaces()
        self._check_ours(info)
        if info.st_size == 0:
            self._open_empty(info)
            return
        if not self.force:
            raise FileProblem(
                f'{self.display_path}: already exists; refusing to overwrite '
                'it (use --force to replace it; the old file is kept as '
                f'{self.display_path}.bak)')
        self._reserve_temporary()

    def _refuse_kernel_interfaces(self) -> None:
        real = os.path.realpath(self.path)
        if any(real == top or real.startswith(top + os.sep)
               for top in KERNEL_INTERFACES):
            raise FileProblem(f'{self.display_path}: is in the kernel\'s '
                              f'interfaces ({real}), not a place for a key')

    def _check_ours(self, info: os.stat_result) -> None:
        """Refuse a file another user owns, or one with another name."""
        if info.st_uid != os.geteuid():
            raise FileProblem(f'{self.display_path}: belongs to another '
                              'user, who could read a key written into it; '
                              'refusing to use it')
        if info.st_nlink > 1:
            raise FileProblem(f'{self.display_path}: has other hard links, '
                              'which could let others read a key written '
                              'into it; refusing to use it')

    def _reserve_temporary(self) -> None:
        directory, name = os.path.split(self.path)
        if not os.path.isdir(directory):
            raise FileProblem(f'{os.path.dirname(self.display_path) or "."}: '
                              'directory does not exist')
        try:
            # mkstemp: O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600 before umask.
            fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix='.tmp',
                                       dir=directory)
        except OSError as exc:
            raise FileProblem(_describe_os_error(
                os.path.dirname(self.display_path) or '.', exc))
        os.fchmod(fd, PRIVATE_MODE)  # a umask such as 0277 must not win
        self._fd, self._tmp = fd, tmp

    def _open_empty(self, before: os.stat_result) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_NOFOLLOW)
        except OSError as exc:
            raise FileProblem(_describe_os_error(self.display_path, exc))
        after = os.fstat(fd)
        if (after.st_ino, after.st_dev) != (before.st_ino, before.st_dev):
            os.close(fd)
            raise FileProblem(f'{self.display_path}: changed while opening')
        try:
            self._check_ours(after)  # as opened, not only as looked at
        except FileProblem:
            os.close(fd)
            raise
        self._fd = fd
        self._in_place_mode = stat.S_IMODE(after.st_mode)

    # -- after the API call --------------------------------------------------

    def commit(self, private_key: bytes) -> None:
        """Write the key and put the file in place; raise FileProblem."""
        assert self._fd is not None, 'prepare() first'
        try:
            if self._in_place_mode is not None:
                self._commit_in_place(private_key)
            else:
                self._commit_temporary(private_key)
        except OSError as exc:
            self.abandon()
            raise FileProblem(_describe_os_error(self.display_path, exc))
        except FileProblem:
            self.abandon()  # no hidden temporary copy of the key is left
            raise

    def _commit_in_place(self, private_key: bytes) -> None:
        fd = self._fd
        assert fd is not None
        if os.fstat(fd).st_size:
            raise FileProblem(f'{self.display_path}: was written to by '
                              'another program meanwhile')
        os.fchmod(fd, PRIVATE_MODE)
        try:
            _write_all(fd, private_key)
            os.fsync(fd)
        except OSError:
            # Restore the empty file exactly as it was.
            os.ftruncate(fd, 0)
            os.fchmod(fd, self._in_place_mode or PRIVATE_MODE)
            raise
        os.close(fd)
        self._fd = None

    def _commit_temporary(self, private_key: bytes) -> None:
        fd, tmp = self._fd, self._tmp
        assert fd is not None and tmp is not None
        _write_all(fd, private_key)
        os.fsync(fd)
        os.close(fd)
        self._fd = None
        if self.force and os.path.lexists(self.path):
            self.backup_path = keep_backup(self.path, self.display_path)
            os.replace(tmp, self.path)
        else:
            # link() never replaces: a file that appeared meanwhile is kept.
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                raise FileProblem(f'{self.display_path}: appeared while the '
                                  'key pair was created; not overwritten')
            os.unlink(tmp)
        self._tmp = None
        fsync_directory(os.path.dirname(self.path))

    def abandon(self) -> None:
        """Remove what prepare() created; leave everything else alone."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None


def keep_backup(path: str, display_path: str) -> str:
    """Copy ``path`` to the first free ``<path>.bak[.N]`` (0600).

    A copy, not a hard link: the original keeps its mode and content until
    it is replaced, so a failure before that changes nothing.
    """
    with open(path, 'rb') as f:
        content = f.read()
    candidates = [f'{path}.bak'] + [f'{path}.bak.{n}' for n in range(1, 100)]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    for candidate in candidates:
        try:
            fd = os.open(candidate, flags, PRIVATE_MODE)
        except FileExistsError:
            continue
        try:
            os.fchmod(fd, PRIVATE_MODE)
            _write_all(fd, content)
            os.fsync(fd)
        except OSError:
            os.close(fd)
            os.unlink(candidate)
            raise
        os.close(fd)
        return candidate
    raise FileProblem(f'{display_path}: too many backups exist already; '
                      'remove some of the .bak files')


def fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable (best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace_with_backup(path: str, display_path: str,
                         content: bytes) -> str:
    """Write the new file, copy the old one aside, then swap them."""
    directory, name = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix='.tmp',
                               dir=directory)
    backup = None
    try:
        os.fchmod(fd, PUBLIC_MODE)
        _write_all(fd, content)
        os.close(fd)
        fd = -1
        backup = keep_backup(path, display_path)
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(backup)
        raise
    return backup


def write_public_key(path: str, line: str,
                     replace: bool = False) -> str | None:
    """Write ``<file>.pub`` unless a different file is there.

    With ``replace`` (``--force``) a different file is kept as
    ``<file>.pub.bak`` and replaced, so that it matches the new private key.
    Returns a message for the user, or None when the file holds the key.
    """
    full = expand(path)
    content = (line.rstrip('\n') + '\n').encode()
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        fd = os.open(full, flags, PUBLIC_MODE)
    except FileExistsError:
        if os.path.islink(full) or not os.path.isfile(full):
            return f'{path} exists and is not a regular file; not written'
        try:
            with open(full, 'rb') as f:
                existing = f.read(MAX_INPUT_BYTES)
        except OSError as exc:
            return f'{_describe_os_error(path, exc)}; not written'
        if existing.split()[:2] == content.split()[:2]:
            return None
        if not replace:
            return f'{path} exists with another key; not overwritten'
        try:
            backup = _replace_with_backup(full, path, content)
        except (OSError, FileProblem) as exc:
            return f'{path}: could not replace it ({exc})'
        return f'The previous {path} was kept as {backup}'
    except OSError as exc:
        return f'{_describe_os_error(path, exc)}; public key not written'
    try:
        _write_all(fd, content)
    except OSError as exc:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(full)
        return f'{_describe_os_error(path, exc)}; public key not written'
    os.close(fd)
    return None
