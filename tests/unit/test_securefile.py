"""Unit tests for keypairs_osc.securefile: private and public key files."""

from __future__ import annotations

import errno
import io
import os
import signal
import stat
import threading
from unittest import mock

import fixtures

from keypairs_osc import securefile
from tests import base

KEY = (b'-----BEGIN OPENSSH PRIVATE KEY-----\nnew key\n'
       b'-----END OPENSSH PRIVATE KEY-----\n')
OLD = b'the old private key\n'
LINE = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAOhB7/zzhC+HXDdGOdLwJln5N'
        'Ywm6UNXx3chmQSVTG4 me@host')


def mode(path: str) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def content(path: str) -> bytes:
    with open(path, 'rb') as f:
        return f.read()


class FileTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(self.dir, 'key')

    def set_umask(self, mask: int) -> None:
        old = os.umask(mask)
        self.addCleanup(os.umask, old)

    def make(self, name: str, data: bytes = OLD, file_mode: int = 0o644):
        path = os.path.join(self.dir, name)
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, file_mode)
        return path

    def listing(self) -> dict[str, tuple]:
        """Every entry of the directory: kind, mode, inode and content."""
        entries = {}
        for name in os.listdir(self.dir):
            info = os.lstat(os.path.join(self.dir, name))
            data = (content(os.path.join(self.dir, name))
                    if stat.S_ISREG(info.st_mode) else None)
            entries[name] = (stat.S_IFMT(info.st_mode),
                             stat.S_IMODE(info.st_mode), info.st_ino, data)
        return entries

    def temporaries(self) -> list[str]:
        return [name for name in os.listdir(self.dir)
                if name.endswith('.tmp')]

    def assertOneLine(self, error):
        self.assertTrue(str(error).strip())
        self.assertNotIn('\n', str(error))

    def assertProblem(self, func, *args, contains=(), **kwargs):
        error = self.assertRaises(securefile.FileProblem, func, *args,
                                  **kwargs)
        self.assertOneLine(error)
        for part in ([contains] if isinstance(contains, str) else contains):
            self.assertIn(part, str(error))
        return error

    def no_space(self):
        """Make every write of a key fail as on a full disk."""
        def full(fd, data):
            raise OSError(errno.ENOSPC, 'No space left on device')
        self.useFixture(fixtures.MockPatchObject(securefile, '_write_all',
                                                 side_effect=full))


class NewPrivateKeyFileTest(FileTestCase):

    def test_prepare_reserves_a_hidden_0600_temporary(self):
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        self.addCleanup(target.abandon)
        self.assertFalse(os.path.lexists(self.path))
        temporaries = self.temporaries()
        self.assertEqual(1, len(temporaries))
        self.assertEqual(temporaries, os.listdir(self.dir))
        self.assertTrue(temporaries[0].startswith('.key.'))
        self.assertEqual(0o600, mode(os.path.join(self.dir, temporaries[0])))

    def watch_modes(self) -> list[int]:
        """The file's mode at every moment the code acts on it.

        Each ``fchmod`` and each write first records the mode the file has
        then, so a file created readable by others and tightened only later
        shows up, under whatever umask lets that through.
        """
        seen: list[int] = []
        real_fchmod, real_write_all = os.fchmod, securefile._write_all

        def fchmod(fd: int, file_mode: int) -> None:
            seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
            real_fchmod(fd, file_mode)

        def write_all(fd: int, data: bytes) -> None:
            seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
            real_write_all(fd, data)

        self.useFixture(fixtures.MockPatchObject(securefile.os, 'fchmod',
                                                 side_effect=fchmod))
        self.useFixture(fixtures.MockPatchObject(securefile, '_write_all',
                                                 side_effect=write_all))
        return seen

    def check_commit_under_umask(self, umask: int) -> None:
        self.set_umask(umask)
        seen = self.watch_modes()
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        self.assertEqual(0o600, mode(os.path.join(self.dir,
                                                  self.temporaries()[0])))
        target.commit(KEY)
        self.assertEqual(KEY, content(self.path))
        self.assertEqual(0o600, mode(self.path))
        self.assertEqual(['key'], os.listdir(self.dir))
        self.assertIsNone(target.backup_path)
        # Never readable by others, not even between creation and fchmod:
        # under umask 000 or 022 a file made 0644 and tightened later fails.
        self.assertTrue(seen, 'the file was never watched')
        self.assertEqual([], [oct(m) for m in seen if m & 0o077])

    def test_commit_is_0600_under_umask_000(self):
        self.check_commit_under_umask(0o000)

    def test_commit_is_0600_under_umask_022(self):
        self.check_commit_under_umask(0o022)

    def test_commit_is_0600_under_umask_077(self):
        self.check_commit_under_umask(0o077)

    def test_commit_is_0600_under_umask_0277(self):
        self.check_commit_under_umask(0o277)

    def test_abandon_leaves_the_directory_as_it_was(self):
        self.make('other', b'unrelated', 0o640)
        before = self.listing()
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        target.abandon()
        self.assertEqual(before, self.listing())
        target.abandon()  # twice is harmless
        self.assertEqual(before, self.listing())

    def test_abandon_after_commit_keeps_the_key(self):
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        target.commit(KEY)
        target.abandon()
        self.assertEqual(KEY, content(self.path))

    def test_relative_path_is_resolved_when_created(self):
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(self.dir)
        target = securefile.PrivateKeyFile('key')
        os.chdir('/')
        self.assertEqual(os.path.join(os.path.realpath(self.dir), 'key'),
                         target.path)
        self.assertEqual('key', target.display_path)
        target.prepare()
        target.commit(KEY)
        self.assertEqual(KEY, content(self.path))

    def test_home_is_expanded(self):
        self.useFixture(fixtures.EnvironmentVariable('HOME', self.dir))
        target = securefile.PrivateKeyFile('~/key')
        target.prepare()
        target.commit(KEY)
        self.assertEqual(KEY, content(self.path))


class ExistingPrivateKeyFileTest(FileTestCase):

    def test_refused_without_force(self):
        self.make('key', OLD, 0o644)
        before = self.listing()
        target = securefile.PrivateKeyFile(self.path)
        self.assertProblem(target.prepare,
                           contains=('already exists', '--force',
                                     f'{self.path}.bak'))
        self.assertEqual(before, self.listing())

    def test_message_names_the_file_as_given(self):
        self.make('key')
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(self.dir)
        error = self.assertProblem(securefile.PrivateKeyFile('key').prepare)
        self.assertTrue(str(error).startswith('key: already exists'))

    def test_force_keeps_the_old_file_as_bak(self):
        self.make('key', OLD, 0o644)
        target = securefile.PrivateKeyFile(self.path, force=True)
        target.prepare()
        self.assertEqual(OLD, content(self.path))
        target.commit(KEY)
        self.assertEqual(KEY, content(self.path))
        self.assertEqual(0o600, mode(self.path))
        self.assertEqual(self.path + '.bak', target.backup_path)
        self.assertEqual(OLD, content(self.path + '.bak'))
        self.assertEqual(0o600, mode(self.path + '.bak'))
        self.assertEqual(['key', 'key.bak'], sorted(os.listdir(self.dir)))

    def test_force_under_umask_0277(self):
        self.make('key', OLD, 0o644)
        self.set_umask(0o277)
        target = securefile.PrivateKeyFile(self.path, force=True)
        target.prepare()
        target.commit(KEY)
        self.assertEqual(0o600, mode(self.path))
        self.assertEqual(0o600, mode(self.path + '.bak'))

    def test_existing_bak_is_kept_and_bak_1_used(self):
        self.make('key', OLD, 0o600)
        self.make('key.bak', b'older key\n', 0o640)
        target = securefile.PrivateKeyFile(self.path, force=True)
        target.prepare()
        target.commit(KEY)
        self.assertEqual(self.path + '.bak.1', target.backup_path)
        self.assertEqual(b'older key\n', content(self.path + '.bak'))
        self.assertEqual(0o640, mode(self.path + '.bak'))
        self.assertEqual(OLD, content(self.path + '.bak.1'))
        self.assertEqual(0o600, mode(self.path + '.bak.1'))
        self.assertEqual(KEY, content(self.path))

    def test_next_free_bak_number(self):
        self.make('key')
        self.make('key.bak', b'1')
        self.make('key.bak.1', b'2')
        target = securefile.PrivateKeyFile(self.path, force=True)
        target.prepare()
        target.commit(KEY)
        self.assertEqual(self.path + '.bak.2', target.backup_path)
        self.assertEqual((b'1', b'2', OLD),
                         (content(self.path + '.bak'),
                          content(self.path + '.bak.1'),
                          content(self.path + '.bak.2')))

    def test_force_then_abandon_changes_nothing(self):
        self.make('key', OLD, 0o644)
        before = self.listing()
        target = securefile.PrivateKeyFile(self.path, force=True)
        target.prepare()
        target.abandon()
        self.assertEqual(before, self.listing())


class EmptyPrivateKeyFileTest(FileTestCase):

    def test_written_in_place(self):
        self.make('key', b'', 0o644)
        inode = os.lstat(self.path).st_ino
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        self.assertEqual(['key'], os.listdir(self.dir))
        target.commit(KEY)
        self.assertEqual(inode, os.lstat(self.path).st_ino)
        self.assertEqual(KEY, content(self.path))
        self.assertEqual(0o600, mode(self.path))
        self.assertEqual(['key'], os.listdir(self.dir))
        self.assertIsNone(target.backup_path)

    def test_abandon_leaves_it_empty_with_its_mode(self):
        self.make('key', b'', 0o664)
        before = self.listing()
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        target.abandon()
        self.assertEqual(before, self.listing())
        self.assertEqual(0o664, mode(self.path))

    def test_written_to_meanwhile(self):
        self.make('key', b'', 0o644)
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        with open(self.path, 'ab') as f:
            f.write(b'someone else')
        self.assertProblem(target.commit, KEY, contains='meanwhile')
        self.assertEqual(b'someone else', content(self.path))
        self.assertEqual(0o644, mode(self.path))


class PrivateKeyFileRefusalsTest(FileTestCase):

    def assertRefused(self, path, contains, force=False):
        before = self.listing()
        target = securefile.PrivateKeyFile(path, force=force)
        self.assertProblem(target.prepare, contains=contains)
        self.assertEqual(before, self.listing())

    def test_an_empty_file_of_another_user(self):
        self.make('key', b'', 0o666)
        with mock.patch('os.geteuid', return_value=os.geteuid() + 1):
            for force in (False, True):
                self.assertRefused(self.path, 'another user', force)

    def test_a_file_of_another_user_even_with_force(self):
        self.make('key', OLD, 0o644)
        with mock.patch('os.geteuid', return_value=os.geteuid() + 1):
            self.assertRefused(self.path, 'another user', force=True)

    def test_a_file_with_another_hard_link(self):
        self.make('key', b'', 0o600)
        os.link(self.path, os.path.join(self.dir, 'elsewhere'))
        for force in (False, True):
            self.assertRefused(self.path, 'hard links', force)

    def test_a_path_ending_in_a_slash(self):
        self.assertRefused(os.path.join(self.dir, 'newdir') + os.sep,
                           'names a directory')
        self.assertFalse(os.path.lexists(os.path.join(self.dir, 'newdir')))

    def test_kernel_interfaces(self):
        for path in ('/proc/self/comm', '/sys/kernel/uevent_helper',
                     '/proc/new-file'):
            target = securefile.PrivateKeyFile(path)
            self.assertProblem(target.prepare, contains='kernel')

    def test_symlink_to_a_file(self):
        victim = self.make('victim', b'precious\n', 0o644)
        os.symlink(victim, self.path)
        for force in (False, True):
            self.assertRefused(self.path, 'symbolic link', force)
        self.assertEqual(b'precious\n', content(victim))
        self.assertEqual(0o644, mode(victim))

    def test_symlink_to_an_empty_file(self):
        victim = self.make('victim', b'', 0o644)
        os.symlink(victim, self.path)
        self.assertRefused(self.path, 'symbolic link')
        self.assertEqual(b'', content(victim))

    def test_dangling_symlink(self):
        victim = os.path.join(self.dir, 'nothing-here')
        os.symlink(victim, self.path)
        for force in (False, True):
            self.assertRefused(self.path, 'symbolic link', force)
        self.assertFalse(os.path.lexists(victim))

    def test_directory(self):
        os.mkdir(self.path)
        for force in (False, True):
            self.assertRefused(self.path, 'is a directory', force)

    def test_fifo(self):
        os.mkfifo(self.path)
        for force in (False, True):
            self.assertRefused(self.path, 'not a regular file', force)

    def test_missing_directory(self):
        self.assertRefused(os.path.join(self.dir, 'no', 'key'),
                           'directory does not exist')

    def test_parent_is_a_file(self):
        self.make('file')
        self.assertRefused(os.path.join(self.dir, 'file', 'key'),
                           'not a directory')

    def test_unwritable_directory(self):
        if os.geteuid() == 0:
            self.skipTest('root may write into any directory')
        locked = os.path.join(self.dir, 'locked')
        os.mkdir(locked, 0o500)
        self.addCleanup(os.chmod, locked, 0o700)
        target = securefile.PrivateKeyFile(os.path.join(locked, 'key'))
        self.assertProblem(target.prepare, contains='permission denied')
        self.assertEqual([], os.listdir(locked))

    def test_unwritable_directory_simulated(self):
        # The same failure for root too, which may write anywhere.
        self.useFixture(fixtures.MockPatchObject(
            securefile.tempfile, 'mkstemp',
            side_effect=PermissionError(errno.EACCES, 'Permission denied')))
        target = securefile.PrivateKeyFile(self.path)
        self.assertProblem(target.prepare, contains='permission denied')
        self.assertEqual([], os.listdir(self.dir))


class CommitFailureTest(FileTestCase):

    def test_no_space_for_a_new_file(self):
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        self.no_space()
        self.assertProblem(target.commit, KEY, contains='no space')
        self.assertEqual([], os.listdir(self.dir))
        target.abandon()
        self.assertEqual([], os.listdir(self.dir))

    def test_no_space_with_force_keeps_the_old_file(self):
        self.make('key', OLD, 0o640)
        before = self.listing()
        target = securefile.PrivateKeyFile(self.path, force=True)
        target.prepare()
        self.no_space()
        self.assertProblem(target.commit, KEY, contains='no space')
        self.assertEqual(before, self.listing())
        self.assertIsNone(target.backup_path)

    def test_no_space_for_an_empty_file(self):
        self.make('key', b'', 0o664)
        before = self.listing()
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        self.no_space()
        self.assertProblem(target.commit, KEY, contains='no space')
        self.assertEqual(before, self.listing())
        self.assertEqual(0o664, mode(self.path))
        self.assertEqual(b'', content(self.path))

    def test_a_file_that_appeared_meanwhile_is_not_replaced(self):
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        self.make('key', b'appeared\n', 0o644)
        self.assertProblem(target.commit, KEY, contains='appeared')
        self.assertEqual(b'appeared\n', content(self.path))
        # No hidden copy of the private key is left beside it.
        self.assertEqual(['key'], os.listdir(self.dir))


class Timeout(Exception):
    pass


class ReadInputTest(FileTestCase):

    def test_stdin(self):
        stdin = io.BytesIO(LINE.encode())
        self.assertEqual(LINE.encode(),
                         securefile.read_input('-', stdin=stdin))

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
        self.assertProblem(securefile.read_input, self.dir, 'public key',
                           contains='is a directory, not a public key file')

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
        self.assertProblem(securefile.read_input, self.path, timeout=0.2,
                           contains='nothing more was written')

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
        self.assertProblem(securefile.read_input, self.path,
                           contains='not a regular file, pipe')


class WritePublicKeyTest(FileTestCase):

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
        warning = securefile.write_public_key(pub, LINE)
        self.assertIn('does not exist', warning)
        self.assertIn('not written', warning)

    def test_write_failure_leaves_no_file(self):
        self.no_space()
        warning = securefile.write_public_key(self.pub, LINE)
        self.assertIn('no space', warning)
        self.assertEqual([], os.listdir(self.dir))


class ReplacePublicKeyTest(FileTestCase):
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
