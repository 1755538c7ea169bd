"""Unit tests for keypairs_osc.securefile: new, existing, empty and refused
private key files, and commits that fail.
"""

from __future__ import annotations

import errno
import os
import stat
from unittest import mock

import fixtures

from keypairs_osc import securefile
from tests.unit import base
from tests.unit.base import OLD, content, mode


KEY = (b'-----BEGIN OPENSSH PRIVATE KEY-----\nnew key\n'
       b'-----END OPENSSH PRIVATE KEY-----\n')


class NewPrivateKeyFileTest(base.FileTestCase):

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


class ExistingPrivateKeyFileTest(base.FileTestCase):

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


class EmptyPrivateKeyFileTest(base.FileTestCase):

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


class PrivateKeyFileRefusalsTest(base.FileTestCase):

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


class CommitFailureTest(base.FileTestCase):

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
