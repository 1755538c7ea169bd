"""Unit tests for keypairs_osc.securefile: reading input (public keys,
passphrases) and writing public key files.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import threading
import time
from unittest import mock

import fixtures

from keypairs_osc import securefile
from tests.unit import base
from tests.unit.base import content, mode


LINE = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAOhB7/zzhC+HXDdGOdLwJln5N'
        'Ywm6UNXx3chmQSVTG4 me@host')


class Timeout(Exception):
    pass


class Endless(io.RawIOBase):
    """A stdin that never ends: reading it to its end never returns."""

    def read(self, size=-1):
        if size is None or size < 0:
            raise AssertionError('read to the end of an endless stream')
        return b'x' * size


#: Each errno a file may fail with, and how its failure reads.
REASONS = {
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
    errno.EIO: 'Input/output error',  # any other: the system's words
}


class ReadInputTest(base.FileTestCase):

    def test_stdin(self):
        stdin = io.BytesIO(LINE.encode())
        self.assertEqual(LINE.encode(),
                         securefile.read_input('-', stdin=stdin))

    def test_an_endless_stdin_is_read_only_up_to_the_limit(self):
        error = self.assertProblem(securefile.read_input, '-',
                                   stdin=Endless())
        self.assertEqual('-: is larger than 64 KiB; not a key file',
                         str(error))

    def test_each_failure_reads_as_its_reason(self):
        for number, reason in REASONS.items():
            with mock.patch.object(securefile.os, 'stat', side_effect=OSError(
                    number, os.strerror(number))):
                error = self.assertProblem(securefile.read_input, 'dir/key')
            self.assertEqual(f'dir/key: {reason}', str(error))
        with mock.patch.object(securefile.os, 'stat',
                               side_effect=OSError('an odd failure')):
            error = self.assertProblem(securefile.read_input, 'dir/key')
        self.assertEqual('dir/key: an odd failure', str(error))

    def test_a_file_it_may_not_read(self):
        path = self.make('key.pub', LINE.encode(), 0o000)
        self.assertEqual(f'raised FileProblem: {path}: permission denied',
                         self.unprivileged(
                             lambda: securefile.read_input(path)))

    def test_a_pipe_it_may_not_open(self):
        os.mkfifo(self.path, 0o000)
        self.guard(5)
        self.assertEqual(f'raised FileProblem: {self.path}: permission '
                         'denied', self.unprivileged(
                             lambda: securefile.read_input(self.path)))

    def test_stdin_over_the_limit(self):
        stdin = io.BytesIO(b'x' * (64 * 1024 + 1))
        error = self.assertProblem(securefile.read_input, '-', stdin=stdin,
                                   contains='64 KiB')
        self.assertTrue(str(error).startswith('-: '))

    def test_regular_file(self):
        self.make('key.pub', LINE.encode())
        self.assertEqual(LINE.encode(),
                         securefile.read_input(self.path + '.pub'))

    def test_symlink_to_a_regular_file_is_read(self):
        self.make('key.pub', LINE.encode())
        os.symlink(self.path + '.pub', self.path)
        self.assertEqual(LINE.encode(), securefile.read_input(self.path))

    def test_home_is_expanded(self):
        self.make('key.pub', LINE.encode())
        self.useFixture(fixtures.EnvironmentVariable('HOME', self.dir))
        self.assertEqual(LINE.encode(), securefile.read_input('~/key.pub'))

    def test_exactly_64_kib_is_read(self):
        self.make('big', b'x' * (64 * 1024))
        self.assertEqual(64 * 1024, len(securefile.read_input(
            os.path.join(self.dir, 'big'))))

    def test_over_64_kib(self):
        big = self.make('big', b'x' * (64 * 1024 + 1))
        self.assertProblem(securefile.read_input, big, 'public key',
                           contains=('64 KiB', 'not a public key file'))

    def test_smaller_limit(self):
        path = self.make('passphrase', b'x' * 4097)
        self.assertProblem(securefile.read_input, path, 'passphrase',
                           limit=4096, contains=('4 KiB', 'passphrase'))
        stdin = io.BytesIO(b'x' * 4097)
        self.assertProblem(securefile.read_input, '-', 'passphrase',
                           limit=4096, stdin=stdin, contains='4 KiB')

    def test_missing_file(self):
        error = self.assertProblem(securefile.read_input,
                                   os.path.join(self.dir, 'nope'),
                                   contains='does not exist')
        self.assertIn('nope', str(error))

    def test_directory(self):
        error = self.assertProblem(securefile.read_input, self.dir,
                                   'public key')
        self.assertEqual(f'{self.dir}: is a directory, not a public key file',
                         str(error))

    def guard(self, seconds: float) -> None:
        """Fail the test, rather than hang, after ``seconds``."""
        def timeout(signum, frame):
            raise Timeout('read_input blocked')
        old = signal.signal(signal.SIGALRM, timeout)
        self.addCleanup(signal.signal, signal.SIGALRM, old)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        self.addCleanup(signal.setitimer, signal.ITIMER_REAL, 0)

    def test_a_pipe_is_read_as_process_substitution_gives_it(self):
        reader, writer = os.pipe()
        self.addCleanup(os.close, reader)
        os.write(writer, b'pass phrase\n')
        os.close(writer)
        self.guard(5)
        self.assertEqual(b'pass phrase\n',
                         securefile.read_input(f'/proc/self/fd/{reader}'))

    def test_a_fifo_written_meanwhile_is_read(self):
        os.mkfifo(self.path)

        def writer():  # as "pass show x" behind a FIFO, in a thread
            try:
                with open(self.path, 'wb') as f:
                    f.write(b'x' * 100000)
            except BrokenPipeError:
                pass  # the reader stopped at its limit

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.guard(5)
        self.assertProblem(securefile.read_input, self.path,
                           contains='larger than 64 KiB')

    def test_a_fifo_nobody_writes_to_is_a_problem_not_a_hang(self):
        os.mkfifo(self.path)
        self.guard(5)
        error = self.assertProblem(securefile.read_input, self.path,
                                   timeout=0.2)
        self.assertEqual(f'{self.path}: nothing more was written to it '
                         'within 0.2 s', str(error))

    def write_to_fifo(self, *parts: bytes, pause: float) -> None:
        """A writer, in a thread, that writes ``parts`` ``pause`` seconds
        apart (the first after a pause too), then closes."""
        def writer():
            with open(self.path, 'wb', buffering=0) as f:
                for part in parts:
                    time.sleep(pause)
                    f.write(part)

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)

    def test_a_fifo_written_in_parts_is_read_whole(self):
        os.mkfifo(self.path)
        self.write_to_fifo(b'pass ', b'phrase\n', pause=0.1)
        self.guard(5)
        self.assertEqual(b'pass phrase\n', securefile.read_input(self.path))

    def test_a_late_writer_within_the_time_is_waited_for(self):
        os.mkfifo(self.path)
        self.write_to_fifo(b'late\n', pause=0.6)
        self.guard(5)
        self.assertEqual(b'late\n',
                         securefile.read_input(self.path, timeout=1.5))

    def test_a_read_that_would_block_is_tried_again(self):
        reader, writer = os.pipe()
        self.addCleanup(os.close, reader)
        os.write(writer, b'pass phrase\n')
        os.close(writer)
        real_read = os.read
        calls: list[int] = []

        def read(fd, size):
            calls.append(fd)
            if len(calls) == 1:
                raise BlockingIOError(errno.EAGAIN, 'would block')
            return real_read(fd, size)

        self.guard(5)
        with mock.patch.object(securefile.os, 'read', side_effect=read):
            data = securefile.read_input(f'/proc/self/fd/{reader}')
        self.assertEqual(b'pass phrase\n', data)

    def test_a_read_that_fails_is_one_line(self):
        reader, writer = os.pipe()
        self.addCleanup(os.close, reader)
        os.write(writer, b'pass phrase\n')
        os.close(writer)
        path = f'/proc/self/fd/{reader}'
        self.guard(5)
        with mock.patch.object(securefile.os, 'read', side_effect=OSError(
                errno.EIO, 'Input/output error')):
            error = self.assertProblem(securefile.read_input, path)
        self.assertEqual(f'{path}: Input/output error', str(error))

    def test_dev_zero_stops_at_the_limit(self):
        self.guard(5)
        self.assertProblem(securefile.read_input, '/dev/zero',
                           contains='larger than 64 KiB')

    def test_dev_null_is_empty(self):
        self.assertEqual(b'', securefile.read_input(os.devnull))

    def test_a_socket_is_refused(self):
        import socket
        sock = socket.socket(socket.AF_UNIX)
        self.addCleanup(sock.close)
        sock.bind(self.path)
        error = self.assertProblem(securefile.read_input, self.path)
        self.assertEqual(f'{self.path}: is not a regular file, pipe or '
                         'character device', str(error))


class WritePublicKeyTest(base.FileTestCase):

    def setUp(self):
        super().setUp()
        self.pub = self.path + '.pub'

    def test_creates_0644_file(self):
        self.set_umask(0o022)
        self.assertIsNone(securefile.write_public_key(self.pub, LINE))
        self.assertEqual((LINE + '\n').encode(), content(self.pub))
        self.assertEqual(0o644, mode(self.pub))

    def test_one_trailing_newline(self):
        self.assertIsNone(securefile.write_public_key(self.pub,
                                                      LINE + '\n\n'))
        self.assertEqual((LINE + '\n').encode(), content(self.pub))

    def test_the_line_is_written_as_given(self):
        line = LINE + ' BOX'  # a comment that ends in a capital X
        self.assertIsNone(securefile.write_public_key(self.pub, line))
        self.assertEqual((line + '\n').encode(), content(self.pub))

    def test_a_file_there_it_may_not_read(self):
        self.make('key.pub', b'ssh-ed25519 AAAAother\n', 0o000)
        self.assertEqual(f'returned {self.pub}: permission denied; not '
                         'written', self.unprivileged(
                             lambda: securefile.write_public_key(self.pub,
                                                                 LINE)))

    def test_same_key_already_there(self):
        self.make('key.pub', (LINE + '\n').encode(), 0o600)
        before = self.listing()
        self.assertIsNone(securefile.write_public_key(self.pub, LINE))
        self.assertEqual(before, self.listing())

    def test_same_key_with_another_comment(self):
        algorithm, data, _ = LINE.split()
        self.make('key.pub', f'{algorithm} {data} old comment\n'.encode())
        before = self.listing()
        self.assertIsNone(securefile.write_public_key(self.pub, LINE))
        self.assertEqual(before, self.listing())

    def test_another_key_is_not_overwritten(self):
        self.make('key.pub', b'ssh-ed25519 AAAAother someone\n')
        before = self.listing()
        warning = securefile.write_public_key(self.pub, LINE)
        self.assertIsInstance(warning, str)
        self.assertIn('another key', warning)
        self.assertIn(self.pub, warning)
        self.assertNotIn('\n', warning)
        self.assertEqual(before, self.listing())

    def test_symlink_is_not_followed(self):
        victim = self.make('victim', b'precious\n')
        os.symlink(victim, self.pub)
        before = self.listing()
        warning = securefile.write_public_key(self.pub, LINE)
        self.assertIn('not a regular file', warning)
        self.assertEqual(before, self.listing())
        self.assertEqual(b'precious\n', content(victim))

    def test_dangling_symlink_is_not_followed(self):
        victim = os.path.join(self.dir, 'nothing-here')
        os.symlink(victim, self.pub)
        warning = securefile.write_public_key(self.pub, LINE)
        self.assertIn('not a regular file', warning)
        self.assertFalse(os.path.lexists(victim))

    def test_directory(self):
        os.mkdir(self.pub)
        self.assertIn('not a regular file',
                      securefile.write_public_key(self.pub, LINE))

    def test_missing_directory(self):
        pub = os.path.join(self.dir, 'no', 'key.pub')
        self.assertEqual(f'{pub}: does not exist; public key not written',
                         securefile.write_public_key(pub, LINE))

    def test_write_failure_leaves_no_file(self):
        self.no_space()
        self.assertEqual(f'{self.pub}: no space left on the device; public '
                         'key not written',
                         securefile.write_public_key(self.pub, LINE))
        self.assertEqual([], os.listdir(self.dir))


class ReplacePublicKeyTest(base.FileTestCase):
    """write_public_key(..., replace=True), as create --force uses it."""

    def setUp(self):
        super().setUp()
        self.pub = self.path + '.pub'
        self.set_umask(0o022)

    def test_another_key_is_kept_as_bak_and_replaced(self):
        self.make('key.pub', b'ssh-ed25519 AAAAother someone\n', 0o644)
        message = securefile.write_public_key(self.pub, LINE, replace=True)
        self.assertIn(self.pub + '.bak', message)
        self.assertNotIn('\n', message)
        self.assertEqual((LINE + '\n').encode(), content(self.pub))
        self.assertEqual(0o644, mode(self.pub))
        self.assertEqual(b'ssh-ed25519 AAAAother someone\n',
                         content(self.pub + '.bak'))
        self.assertEqual([], self.temporaries())

    def test_existing_bak_is_kept(self):
        self.make('key.pub', b'ssh-ed25519 AAAAother\n')
        self.make('key.pub.bak', b'older\n', 0o640)
        message = securefile.write_public_key(self.pub, LINE, replace=True)
        self.assertIn(self.pub + '.bak.1', message)
        self.assertEqual(b'older\n', content(self.pub + '.bak'))
        self.assertEqual(0o640, mode(self.pub + '.bak'))
        self.assertEqual(b'ssh-ed25519 AAAAother\n',
                         content(self.pub + '.bak.1'))

    def test_same_key_is_left_alone(self):
        self.make('key.pub', (LINE + '\n').encode())
        before = self.listing()
        self.assertIsNone(
            securefile.write_public_key(self.pub, LINE, replace=True))
        self.assertEqual(before, self.listing())

    def test_new_file(self):
        self.assertIsNone(
            securefile.write_public_key(self.pub, LINE, replace=True))
        self.assertEqual((LINE + '\n').encode(), content(self.pub))
        self.assertEqual(['key.pub'], os.listdir(self.dir))

    def test_symlink_is_still_not_followed(self):
        victim = self.make('victim', b'precious\n')
        os.symlink(victim, self.pub)
        before = self.listing()
        warning = securefile.write_public_key(self.pub, LINE, replace=True)
        self.assertIn('not a regular file', warning)
        self.assertEqual(before, self.listing())

    def test_write_failure_keeps_the_old_file(self):
        self.make('key.pub', b'ssh-ed25519 AAAAother\n', 0o644)
        self.no_space()
        warning = securefile.write_public_key(self.pub, LINE, replace=True)
        self.assertIn('could not replace', warning)
        self.assertNotIn('\n', warning)
        self.assertEqual(b'ssh-ed25519 AAAAother\n', content(self.pub))
        self.assertEqual([], self.temporaries())

    def test_the_new_file_is_written_beside_it_hidden_then_moved(self):
        self.make('key.pub', b'ssh-ed25519 AAAAother\n')
        real_replace = os.replace
        moved: list[tuple[str, str]] = []

        def replace(src, dst):
            moved.append((src, dst))
            real_replace(src, dst)

        with mock.patch.object(securefile.os, 'replace', side_effect=replace):
            securefile.write_public_key(self.pub, LINE, replace=True)
        ((src, dst),) = moved
        self.assertEqual((self.dir, self.pub), (os.path.dirname(src), dst))
        self.assertTrue(os.path.basename(src).startswith('.key.pub.'), src)
        self.assertTrue(src.endswith('.tmp'), src)

    def test_too_many_backups_changes_nothing(self):
        self.make('key.pub', b'ssh-ed25519 AAAAother\n')
        for name in ['key.pub.bak'] + [f'key.pub.bak.{n}'
                                       for n in range(1, 100)]:
            self.make(name, b'older\n')
        before, descriptors = self.listing(), self.open_descriptors()
        self.assertEqual(
            f'{self.pub}: could not replace it ({self.pub}: too many backups '
            'exist already; remove some of the .bak files)',
            securefile.write_public_key(self.pub, LINE, replace=True))
        self.assertEqual(before, self.listing())
        self.assertEqual(descriptors, self.open_descriptors())

    def test_a_move_that_fails_leaves_no_backup(self):
        self.make('key.pub', b'ssh-ed25519 AAAAother\n', 0o644)
        before, descriptors = self.listing(), self.open_descriptors()
        with mock.patch.object(securefile.os, 'replace', side_effect=OSError(
                errno.EBUSY, 'Device or resource busy')):
            message = securefile.write_public_key(self.pub, LINE,
                                                  replace=True)
        self.assertEqual(f'{self.pub}: could not replace it ([Errno 16] '
                         'Device or resource busy)', message)
        self.assertEqual(before, self.listing())
        self.assertEqual(descriptors, self.open_descriptors())
