"""One server's key rotation, through a Runner that stands in for ssh.

The steps' order is the promise: <old> logs in and adds <new>; <new> logs
in before <old>'s line goes; a failing step stops there and says which key
still logs in. The guest's two scripts run for real under ``sh`` at the end
(in a home of their own), when the system has the tools they use.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import unittest

import fixtures

from keypairs_osc import rotation
from keypairs_osc.rotation import READ
from keypairs_osc.rotation import WRITE
from keypairs_osc.rotation import Ran
from tests.unit import base
from tests.unit.test_authorized_keys import NEW
from tests.unit.test_authorized_keys import NEW_BLOB
from tests.unit.test_authorized_keys import OLD
from tests.unit.test_authorized_keys import OLD_BLOB
from tests.unit.test_authorized_keys import OTHER

OLD_KEY = rotation.Key('old', '/keys/old', OLD_BLOB, OLD.decode())
NEW_KEY = rotation.Key('new', '/keys/new', NEW_BLOB,
                       NEW.decode() + ' new@laptop')

HEAD = b'# ops: keep the backup key\n'
TAIL = b'from="127.0.0.0/8",no-pty ' + OTHER + b' backup@ops\n'
#: The file as cloud-init left it, between lines of the user's.
BEFORE = HEAD + OLD + b' cloud-init\n' + TAIL
#: With <new> added.
ADDED = BEFORE + NEW + b' new@laptop\n'
#: With <old> removed.
AFTER = HEAD + TAIL + NEW + b' new@laptop\n'
#: Their SHA-256, as ``sha256sum`` prints it.
BEFORE_SHA256 = ('68b6745002fb13574ebcf71453fc2eba'
                 '7ca520ef17cf9f792f7439ff56b9a4ee')
ADDED_SHA256 = ('32f5552590b543dbffea4dfdd1f5a5cd'
                '9760ba644107f8cfd8e07b8849558629')

DENIED = 'Permission denied (publickey).'


class Guest:
    """A Runner answering each call in turn; the calls it was given."""

    def __init__(self, *answers: Ran):
        self.answers = list(answers)
        self.calls: list[tuple] = []

    def __call__(self, identity, script, args, stdin) -> Ran:
        self.calls.append((identity, script, tuple(args), stdin))
        return self.answers.pop(0)


#: The five calls of a rotation of BEFORE, and their answers.
HAPPY_CALLS = [('/keys/old', READ, (), b''),
               ('/keys/old', WRITE, (BEFORE_SHA256,), ADDED),
               ('/keys/new', READ, (), b''),
               ('/keys/new', WRITE, (ADDED_SHA256,), AFTER),
               ('/keys/new', READ, (), b'')]
HAPPY_ANSWERS = [Ran(0, BEFORE), Ran(0), Ran(0, ADDED), Ran(0),
                 Ran(0, AFTER)]


def rotate(*answers: Ran) -> tuple[rotation.Outcome, Guest]:
    guest = Guest(*answers)
    return rotation.rotate(guest, OLD_KEY, NEW_KEY), guest


class StepsTest(base.TestCase):

    def test_read_add_prove_remove_prove_in_that_order(self):
        outcome, guest = rotate(*HAPPY_ANSWERS)
        self.assertEqual(HAPPY_CALLS, guest.calls)
        self.assertEqual(rotation.Outcome(
            True, "'new' logs in, 'old' is removed", 5, old_removed=True),
            outcome)

    def test_the_removal_edits_what_new_read_under_its_digest(self):
        meanwhile = ADDED + b'# added meanwhile\n'
        outcome, guest = rotate(Ran(0, BEFORE), Ran(0), Ran(0, meanwhile),
                                Ran(0), Ran(0, AFTER))
        self.assertTrue(outcome.rotated)
        self.assertEqual(
            ('/keys/new', WRITE, ('a22980d39c7e4f4dc14ecd4aba1845ca'
                                  'e933b38f9a867aca5464b2923df31e8c',),
             AFTER + b'# added meanwhile\n'), guest.calls[3])

    def test_new_already_there_is_not_added_again(self):
        both = HEAD + OLD + b' cloud-init\n' + NEW + b' by hand\n' + TAIL
        outcome, guest = rotate(Ran(0, both), Ran(0, both), Ran(0),
                                Ran(0, HEAD + NEW + b' by hand\n' + TAIL))
        self.assertEqual(
            [('/keys/old', READ, (), b''),
             ('/keys/new', READ, (), b''),
             ('/keys/new', WRITE, ('b2a2d2f2c65f9ff94f04a4d1070f18bb'
                                   'babdd4d96fee052f1e8e4dce86fe3f03',),
              HEAD + NEW + b' by hand\n' + TAIL),
             ('/keys/new', READ, (), b'')], guest.calls)
        self.assertEqual(rotation.Outcome(
            True, "'new' logs in, 'old' is removed", 4, old_removed=True),
            outcome)

    def test_old_not_in_the_file_changes_nothing(self):
        for text in (HEAD + TAIL, b'', b'# ' + OLD + b'\n'):
            with self.subTest(text=text):
                outcome, guest = rotate(Ran(0, text))
                self.assertEqual(rotation.Outcome(
                    False, "'old' is not in ~/.ssh/authorized_keys (sshd "
                    'let it in from another file); nothing changed, it '
                    "keeps 'old'", 1), outcome)
                self.assertEqual(HAPPY_CALLS[:1], guest.calls)

    def test_a_final_read_not_as_written_fails(self):
        for shown in (ADDED, HEAD + TAIL, BEFORE):
            with self.subTest(shown=shown):
                outcome, guest = rotate(*HAPPY_ANSWERS[:4], Ran(0, shown))
                self.assertEqual(rotation.Outcome(
                    False, '~/.ssh/authorized_keys is not as written: it '
                    "keeps 'old' and 'new', as it shows now", 5,
                    old_removed=True), outcome)
                self.assertEqual(HAPPY_CALLS, guest.calls)


#: (step that fails, its answer, the outcome's reason).
FAILURES = [
    (0, Ran(255, error=DENIED),
     f"cannot log in with 'old': {DENIED}; it keeps 'old'"),
    (0, Ran(3), "there is no ~/.ssh/authorized_keys; it keeps 'old'"),
    (0, Ran(1, error='cat: Permission denied'),
     'reading ~/.ssh/authorized_keys failed (exit status 1): cat: '
     "Permission denied; it keeps 'old'"),
    (1, Ran(255), "cannot log in with 'old'; it keeps 'old'"),
    (1, Ran(4), '~/.ssh/authorized_keys changed while it was being '
     "edited; it keeps 'old'"),
    (1, Ran(5), '~/.ssh/authorized_keys is a symbolic link, which this '
     "will not replace; it keeps 'old'"),
    (1, Ran(1, error='mktemp: failed'),
     "adding 'new' to ~/.ssh/authorized_keys failed (exit status 1): "
     "mktemp: failed; it keeps 'old'"),
    (2, Ran(255, error=DENIED),
     f"cannot log in with 'new': {DENIED}; it keeps 'old' ('new' is "
     'added but did not log in)'),
    (2, Ran(3), "there is no ~/.ssh/authorized_keys; it keeps 'old' "
     "('new' is added but did not log in)"),
    (3, Ran(255), "cannot log in with 'new'; it keeps 'old' and 'new'"),
    (3, Ran(4), '~/.ssh/authorized_keys changed while it was being '
     "edited; it keeps 'old' and 'new'"),
    (3, Ran(5), '~/.ssh/authorized_keys is a symbolic link, which this '
     "will not replace; it keeps 'old' and 'new'"),
    (3, Ran(2), "removing 'old' from ~/.ssh/authorized_keys failed (exit "
     "status 2); it keeps 'old' and 'new'"),
    (4, Ran(255, error=DENIED),
     f"cannot log in with 'new': {DENIED}; 'new' logged in before 'old' "
     'was removed'),
]


class FailuresTest(base.TestCase):

    def test_each_step_failing_stops_there_saying_which_key_logs_in(self):
        for step, answer, reason in FAILURES:
            with self.subTest(step=step, answer=answer):
                outcome, guest = rotate(*HAPPY_ANSWERS[:step], answer)
                # Only the last proof comes after old's line is gone.
                self.assertEqual(rotation.Outcome(False, reason, step + 1,
                                                  old_removed=step == 4),
                                 outcome)
                self.assertEqual(HAPPY_CALLS[:step + 1], guest.calls)

    def test_old_is_never_removed_before_new_logged_in(self):
        for step, answer, _ in FAILURES:
            if step > 2:
                continue
            with self.subTest(step=step, answer=answer):
                _, guest = rotate(*HAPPY_ANSWERS[:step], answer)
                for _, script, _, stdin in guest.calls:
                    if script == WRITE:
                        self.assertIn(OLD + b' cloud-init\n', stdin)

    def test_new_refused_everywhere_leaves_old_in_every_write(self):
        def guest(identity, script, args, stdin):
            calls.append((identity, script, stdin))
            if identity == '/keys/new':
                return Ran(255, error=DENIED)
            return Ran(0, BEFORE) if script == READ else Ran(0)

        calls: list[tuple] = []
        outcome = rotation.rotate(guest, OLD_KEY, NEW_KEY)
        self.assertFalse(outcome.rotated)
        self.assertEqual([('/keys/old', READ, b''),
                          ('/keys/old', WRITE, ADDED),
                          ('/keys/new', READ, b'')], calls)


def _guest_tools() -> bool:
    """The guest's tools the scripts use, all POSIX (BusyBox has them)."""
    return all(shutil.which(tool) for tool in (
        'sh', 'cat', 'sha256sum', 'cut', 'mktemp', 'cp', 'mv', 'rm'))


@unittest.skipUnless(_guest_tools(), 'needs sh, sha256sum and mktemp')
class ScriptsOnAShellTest(base.TestCase):
    """READ and WRITE under ``sh -c``, as ssh's remote shell runs them."""

    def setUp(self):
        super().setUp()
        self.home = self.useFixture(fixtures.TempDir()).path
        self.ssh_dir = os.path.join(self.home, '.ssh')
        os.mkdir(self.ssh_dir, 0o700)
        self.file = os.path.join(self.ssh_dir, 'authorized_keys')
        self.path = os.environ['PATH']

    def put(self, data: bytes, file_mode: int = 0o600) -> None:
        with open(self.file, 'wb') as f:
            f.write(data)
        os.chmod(self.file, file_mode)

    def run_script(self, script: str, args=(), stdin: bytes = b''
                   ) -> subprocess.CompletedProcess:
        return subprocess.run(['sh', '-c', script, 'sh', *args],
                              input=stdin, capture_output=True, timeout=30,
                              env={'HOME': self.home, 'PATH': self.path},
                              check=False)

    def runner(self, identity, script, args, stdin) -> Ran:
        done = self.run_script(script, args, stdin)
        return Ran(done.returncode, done.stdout, done.stderr.decode())

    def content(self) -> bytes:
        return base.content(self.file)

    def assertOnlyTheFile(self):
        self.assertEqual(['authorized_keys'], os.listdir(self.ssh_dir))

    def test_read_prints_the_file_byte_for_byte(self):
        text = b'# ops\r\n\xff\xfe ' + OLD + b'\n' + NEW
        self.put(text)
        done = self.run_script(READ)
        self.assertEqual((0, text), (done.returncode, done.stdout))

    def test_read_without_the_file_exits_3(self):
        self.assertEqual(3, self.run_script(READ).returncode)

    def test_write_replaces_the_file_keeping_its_mode(self):
        self.put(BEFORE, 0o640)
        before = os.stat(self.file)
        done = self.run_script(WRITE, [BEFORE_SHA256], ADDED)
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertEqual(ADDED, self.content())
        after = os.stat(self.file)
        self.assertEqual(0o640, stat.S_IMODE(after.st_mode))
        self.assertEqual(before.st_uid, after.st_uid)
        self.assertNotEqual(before.st_ino, after.st_ino)  # moved in whole
        self.assertOnlyTheFile()

    def test_write_refuses_a_file_changed_since_it_was_read(self):
        self.put(ADDED)
        done = self.run_script(WRITE, [BEFORE_SHA256], AFTER)
        self.assertEqual(4, done.returncode)
        self.assertEqual(ADDED, self.content())
        self.assertOnlyTheFile()

    def test_write_refuses_a_symbolic_link(self):
        real = os.path.join(self.home, 'real_keys')
        with open(real, 'wb') as f:
            f.write(BEFORE)
        os.symlink(real, self.file)
        done = self.run_script(WRITE, [BEFORE_SHA256], ADDED)
        self.assertEqual(5, done.returncode)
        self.assertTrue(os.path.islink(self.file))
        self.assertEqual(BEFORE, base.content(real))
        self.assertOnlyTheFile()

    def test_write_never_creates_the_file(self):
        done = self.run_script(WRITE, [BEFORE_SHA256], ADDED)
        self.assertEqual(4, done.returncode)
        self.assertEqual([], os.listdir(self.ssh_dir))

    def test_a_failing_step_leaves_the_file_and_no_temporary(self):
        tools = self.useFixture(fixtures.TempDir()).path
        fake = os.path.join(tools, 'mv')
        with open(fake, 'w') as f:
            f.write('#!/bin/sh\necho "mv: not permitted" >&2\nexit 1\n')
        os.chmod(fake, 0o700)
        self.path = f'{tools}:{self.path}'
        self.put(BEFORE)
        done = self.run_script(WRITE, [BEFORE_SHA256], ADDED)
        self.assertEqual(1, done.returncode)
        self.assertIn(b'mv: not permitted', done.stderr)
        self.assertEqual(BEFORE, self.content())
        self.assertOnlyTheFile()

    def test_a_whole_rotation_edits_only_the_keys_lines(self):
        self.put(BEFORE)
        outcome = rotation.rotate(self.runner, OLD_KEY, NEW_KEY)
        self.assertEqual(rotation.Outcome(
            True, "'new' logs in, 'old' is removed", 5, old_removed=True),
            outcome)
        self.assertEqual(AFTER, self.content())
        self.assertEqual(0o600, base.mode(self.file))
        self.assertOnlyTheFile()
