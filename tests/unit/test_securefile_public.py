"""Unit tests for keypairs_osc.securefile: reading input (public keys,
passphrases) and writing public key files.
"""

from __future__ import annotations

import io
import os
import signal
import threading

import fixtures

from keypairs_osc import securefile
from tests.unit import base
from tests.unit.base import content, mode


LINE = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAOhB7/zzhC+HXDdGOdLwJln5N'
        'Ywm6UNXx3chmQSVTG4 me@host')


class Timeout(Exception):
    pass


class ReadInputTest(base.FileTestCase):

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
