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
from tests.unit.base import NOBODY, OLD, content, mode


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

    def watch_modes(self) -> list[tuple[str, int]]:
        """What the code does to the file, in order, and its mode then.

        Each ``fchmod`` records the mode the file had before it
        (``'found'``) and the mode it set (``'set'``); each write the mode
        the file has then (``'write'``). So a file created readable by
        others and tightened only later shows up, under whatever umask lets
        that through.
        """
        seen: list[tuple[str, int]] = []
        real_fchmod, real_write_all = os.fchmod, securefile._write_all

        def fchmod(fd: int, file_mode: int) -> None:
            seen.append(('found', stat.S_IMODE(os.fstat(fd).st_mode)))
            real_fchmod(fd, file_mode)
            seen.append(('set', stat.S_IMODE(os.fstat(fd).st_mode)))

        def write_all(fd: int, data: bytes) -> None:
            seen.append(('write', stat.S_IMODE(os.fstat(fd).st_mode)))
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
        self.assertIn('write', [what for what, _ in seen],
                      'the key was never written')
        self.assertEqual([], [oct(m) for _, m in seen if m & 0o077])
        # 0600 whatever the umask: one umask cannot try the others, so the
        # file must be made 0600 by the code itself, before its first byte,
        # not left to what this umask happens to give (under 000, 022 and
        # 077 the temporary is 0600 already; 0277 would make it 0400).
        first_write = [what for what, _ in seen].index('write')
        self.assertIn(('set', 0o600), seen[:first_write],
                      'the mode was left to the umask')

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

    def test_abandon_before_prepare_changes_nothing(self):
        self.make('other', b'unrelated', 0o640)
        before = self.listing()
        securefile.PrivateKeyFile(self.path).abandon()
        self.assertEqual(before, self.listing())

    def test_abandon_when_the_temporary_is_gone_already(self):
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        os.unlink(os.path.join(self.dir, self.temporaries()[0]))
        target.abandon()  # best effort: nothing to remove is no error
        self.assertEqual([], os.listdir(self.dir))

    def test_abandon_when_the_descriptor_is_closed_already(self):
        before = self.open_descriptors()
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        (reserved,) = self.open_descriptors() - before
        os.close(reserved)
        target.abandon()  # best effort: nothing to close is no error
        self.assertEqual([], os.listdir(self.dir))

    def test_short_writes_are_carried_on(self):
        real_write = os.write

        def write_five_bytes(fd, data):
            return real_write(fd, bytes(data[:5]))

        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        self.useFixture(fixtures.MockPatchObject(
            securefile.os, 'write', side_effect=write_five_bytes))
        target.commit(KEY)
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
        self.assertProblem(
            target.prepare,
            contains=f'{self.path}: already exists; refusing to overwrite it '
                     '(use --force to replace it; the old file is kept as '
                     f'{self.path}.bak)')
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

    def test_the_backup_is_private_from_its_first_byte(self):
        self.make('key', OLD, 0o600)
        self.set_umask(0o000)
        created: list[int] = []
        real_fchmod = os.fchmod

        def fchmod(fd: int, file_mode: int) -> None:
            created.append(stat.S_IMODE(os.fstat(fd).st_mode))
            real_fchmod(fd, file_mode)

        target = securefile.PrivateKeyFile(self.path, force=True)
        target.prepare()
        self.useFixture(fixtures.MockPatchObject(securefile.os, 'fchmod',
                                                 side_effect=fchmod))
        target.commit(KEY)
        self.assertEqual(OLD, content(self.path + '.bak'))
        self.assertTrue(created, 'the backup was never watched')
        self.assertEqual([], [oct(m) for m in created if m & 0o077])

    def test_too_many_backups_changes_nothing(self):
        self.make('key', OLD, 0o600)
        for name in ['key.bak'] + [f'key.bak.{n}' for n in range(1, 100)]:
            self.make(name, b'older\n', 0o600)
        before = self.listing()
        target = securefile.PrivateKeyFile(self.path, force=True)
        target.prepare()
        self.assertProblem(target.commit, KEY,
                           contains=f'{self.path}: too many backups exist '
                                    'already; remove some of the .bak files')
        self.assertEqual(before, self.listing())

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

    def test_abandon_after_commit_keeps_the_key(self):
        self.make('key', b'', 0o644)
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        target.commit(KEY)
        target.abandon()
        self.assertEqual(KEY, content(self.path))
        self.assertEqual(0o600, mode(self.path))

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
        self.assertProblem(target.commit, KEY,
                           contains=f'{self.path}: was written to by another '
                                    'program meanwhile')
        self.assertEqual(b'someone else', content(self.path))
        self.assertEqual(0o644, mode(self.path))


class PrivateKeyFileRefusalsTest(base.FileTestCase):

    def assertRefused(self, path, contains, force=False):
        before = self.listing()
        target = securefile.PrivateKeyFile(path, force=force)
        self.assertProblem(target.prepare, contains=contains)
        self.assertEqual(before, self.listing())

    def another_user(self) -> str:
        return (f'{self.path}: belongs to another user, who could read a '
                'key written into it; refusing to use it')

    def test_an_empty_file_of_another_user(self):
        self.make('key', b'', 0o666)
        with mock.patch('os.geteuid', return_value=os.geteuid() + 1):
            for force in (False, True):
                self.assertRefused(self.path, self.another_user(), force)

    def test_a_file_of_another_user_even_with_force(self):
        self.make('key', OLD, 0o644)
        with mock.patch('os.geteuid', return_value=os.geteuid() + 1):
            self.assertRefused(self.path, self.another_user(), force=True)

    def test_a_file_with_another_hard_link(self):
        self.make('key', b'', 0o600)
        os.link(self.path, os.path.join(self.dir, 'elsewhere'))
        for force in (False, True):
            self.assertRefused(self.path, HARD_LINKS.format(self.path),
                               force)

    def test_a_path_ending_in_a_slash(self):
        path = os.path.join(self.dir, 'newdir') + os.sep
        self.assertRefused(path, f"{path}: names a directory; give the "
                                 "private key file's name")
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
            self.assertRefused(self.path, f'{self.path}: is a symbolic link; '
                               'refusing to write a private key through it',
                               force)
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
                           f'{self.dir}/no: directory does not exist')

    def test_a_directory_gone_since_the_file_was_named(self):
        gone = os.path.join(self.dir, 'gone')
        os.mkdir(gone)
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(gone)
        target = securefile.PrivateKeyFile('key')
        os.rmdir(gone)
        error = self.assertProblem(target.prepare)
        self.assertEqual('.: directory does not exist', str(error))
        self.assertEqual([], os.listdir(self.dir))

    def test_parent_is_a_file(self):
        self.make('file')
        path = os.path.join(self.dir, 'file', 'key')
        self.assertRefused(path, f'{path}: a part of the path is not a '
                                 'directory')

    def test_unwritable_directory(self):
        locked = os.path.join(self.dir, 'locked')
        os.mkdir(locked, 0o500)
        self.addCleanup(os.chmod, locked, 0o700)
        if os.geteuid() == 0:  # the directory of the user trying
            os.chown(locked, NOBODY, NOBODY)
        target = securefile.PrivateKeyFile(os.path.join(locked, 'key'))
        self.assertEqual(f'raised FileProblem: {locked}: permission denied',
                         self.unprivileged(target.prepare))
        self.assertEqual([], os.listdir(locked))

    def test_unwritable_directory_simulated(self):
        # The same failure without a second user.
        self.useFixture(fixtures.MockPatchObject(
            securefile.tempfile, 'mkstemp',
            side_effect=PermissionError(errno.EACCES, 'Permission denied')))
        target = securefile.PrivateKeyFile(self.path)
        self.assertProblem(target.prepare,
                           contains=f'{self.dir}: permission denied')
        self.assertEqual([], os.listdir(self.dir))

    def test_unwritable_current_directory_is_named_dot(self):
        self.useFixture(fixtures.MockPatchObject(
            securefile.tempfile, 'mkstemp',
            side_effect=PermissionError(errno.EACCES, 'Permission denied')))
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(self.dir)
        error = self.assertProblem(securefile.PrivateKeyFile('key').prepare)
        self.assertEqual('.: permission denied', str(error))

    def test_an_empty_file_it_may_not_write(self):
        self.make('key', b'', 0o400)
        if os.geteuid() == 0:  # the file of the user trying
            os.chown(self.path, NOBODY, NOBODY)
        target = securefile.PrivateKeyFile(self.path)
        self.assertEqual(f'raised FileProblem: {self.path}: permission '
                         'denied', self.unprivileged(target.prepare))
        self.assertEqual(b'', content(self.path))


#: The refusal of a file with another name.
HARD_LINKS = ('{}: has other hard links, which could let others read a key '
              'written into it; refusing to use it')


class EmptyFileRaceTest(base.FileTestCase):
    """An empty target that changes between being looked at and opened."""

    def before_opening(self, change) -> None:
        """Run ``change()`` right before the target is opened."""
        real_open = os.open

        def opening(path, *args, **kwargs):
            if path == self.path:
                change()
            return real_open(path, *args, **kwargs)

        self.useFixture(fixtures.MockPatchObject(securefile.os, 'open',
                                                 side_effect=opening))

    def test_replaced_while_opening(self):
        self.make('key', b'', 0o600)
        swapped = self.make('swapped', b'', 0o600)
        self.before_opening(lambda: os.replace(swapped, self.path))
        before = self.open_descriptors()
        self.assertProblem(securefile.PrivateKeyFile(self.path).prepare,
                           contains=f'{self.path}: changed while opening')
        self.assertEqual(before, self.open_descriptors())

    def test_given_another_name_while_opening(self):
        self.make('key', b'', 0o600)
        self.before_opening(
            lambda: os.link(self.path, os.path.join(self.dir, 'other')))
        before = self.open_descriptors()
        self.assertProblem(securefile.PrivateKeyFile(self.path).prepare,
                           contains=HARD_LINKS.format(self.path))
        self.assertEqual(before, self.open_descriptors())
        self.assertEqual(b'', content(self.path))


class CommitFailureTest(base.FileTestCase):

    def test_no_space_for_a_new_file(self):
        target = securefile.PrivateKeyFile(self.path)
        target.prepare()
        self.no_space()
        self.assertProblem(target.commit, KEY,
                           contains=f'{self.path}: no space left on the '
                                    'device')
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

    def test_no_space_for_the_backup_keeps_the_old_file(self):
        self.make('key', OLD, 0o640)
        before = self.listing()
        target = securefile.PrivateKeyFile(self.path, force=True)
        target.prepare()
        real_write_all = securefile._write_all
        writes: list[int] = []

        def full_after_the_key(fd, data):
            writes.append(fd)
            if len(writes) > 1:  # the key is written; its backup is not
                raise OSError(errno.ENOSPC, 'No space left on device')
            real_write_all(fd, data)

        self.useFixture(fixtures.MockPatchObject(
            securefile, '_write_all', side_effect=full_after_the_key))
        self.assertProblem(target.commit, KEY,
                           contains=f'{self.path}: no space left on the '
                                    'device')
        self.assertEqual(2, len(writes))
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
        self.assertProblem(target.commit, KEY,
                           contains=f'{self.path}: appeared while the key '
                                    'pair was created; not overwritten')
        self.assertEqual(b'appeared\n', content(self.path))
        # No hidden copy of the private key is left beside it.
        self.assertEqual(['key'], os.listdir(self.dir))


class FsyncDirectoryTest(base.FileTestCase):

    def test_a_directory_it_cannot_open_is_no_error(self):
        # Best effort: the rename is done; its durability is a bonus.
        self.assertIsNone(securefile.fsync_directory(
            os.path.join(self.dir, 'missing')))
