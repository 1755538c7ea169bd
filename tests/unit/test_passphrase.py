"""Unit tests for keypairs_osc.passphrase: where a passphrase comes from.

Each message and prompt is pinned exactly: they are what a user sees, and
a refusal must not be mistaken for another (an empty passphrase is not a
mismatch; no terminal is not a key that needs no passphrase).
"""

from __future__ import annotations

import argparse
import os

import fixtures

from keypairs_osc import passphrase
from tests import base


def options(passphrase_file: str | None = None,
            ask_passphrase: bool = False) -> argparse.Namespace:
    return argparse.Namespace(passphrase_file=passphrase_file,
                              ask_passphrase=ask_passphrase)


class Terminal:
    """A terminal whose user types ``answers``, one per prompt."""

    def __init__(self, *answers: str | BaseException) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


class PassphraseTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.terminal(True)

    def terminal(self, available: bool) -> None:
        self.useFixture(fixtures.MockPatchObject(
            passphrase, '_terminal_available', return_value=available))

    def file(self, data: bytes) -> str:
        path = os.path.join(self.dir, 'passphrase')
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def assertProblem(self, message: str, func, *args, **kwargs) -> None:
        error = self.assertRaises(passphrase.PassphraseProblem, func, *args,
                                  **kwargs)
        self.assertEqual(message, str(error))


class NewKeyPassphraseTest(PassphraseTestCase):

    def test_none_unless_asked_for(self):
        terminal = Terminal()
        self.assertIsNone(passphrase.for_new_key(options(), terminal))
        self.assertEqual([], terminal.prompts)

    def test_asked_twice_with_these_prompts(self):
        terminal = Terminal('pw', 'pw')
        self.assertEqual(b'pw', passphrase.for_new_key(
            options(ask_passphrase=True), terminal))
        self.assertEqual(['Passphrase for the new private key: ',
                          'Same passphrase again: '], terminal.prompts)

    def test_two_different_answers_are_refused(self):
        self.assertProblem('the passphrases do not match',
                           passphrase.for_new_key,
                           options(ask_passphrase=True), Terminal('a', 'b'))

    def test_an_empty_answer_is_refused_before_the_second_prompt(self):
        terminal = Terminal('', '')
        self.assertProblem('the passphrase is empty; leave out '
                           '--ask-passphrase for a key without one',
                           passphrase.for_new_key,
                           options(ask_passphrase=True), terminal)
        self.assertEqual(1, len(terminal.prompts))

    def test_no_terminal_to_ask_on(self):
        self.terminal(False)
        self.assertProblem('cannot ask for a passphrase: there is no '
                           'terminal; use --passphrase-file',
                           passphrase.for_new_key,
                           options(ask_passphrase=True), Terminal('pw'))

    def test_end_of_input_or_ctrl_c_is_no_passphrase(self):
        for interruption in (EOFError(), KeyboardInterrupt()):
            self.assertProblem('no passphrase was entered',
                               passphrase.for_new_key,
                               options(ask_passphrase=True),
                               Terminal(interruption))

    def test_first_line_of_the_file(self):
        path = self.file(b'from a file\nsecond line\n')
        self.assertEqual(b'from a file', passphrase.for_new_key(
            options(passphrase_file=path), Terminal()))

    def test_an_empty_file_is_refused(self):
        for data in (b'', b'\n'):
            path = self.file(data)
            self.assertProblem(f'{path}: the passphrase file is empty',
                               passphrase.for_new_key,
                               options(passphrase_file=path), Terminal())

    def test_a_file_of_4096_bytes_is_read_and_one_more_is_refused(self):
        path = self.file(b'p' * 4096)
        self.assertEqual(b'p' * 4096, passphrase.for_new_key(
            options(passphrase_file=path), Terminal()))
        path = self.file(b'p' * 4097)
        error = self.assertRaises(passphrase.securefile.FileProblem,
                                  passphrase.for_new_key,
                                  options(passphrase_file=path), Terminal())
        self.assertIn('is larger than 4 KiB; not a passphrase file',
                      str(error))


class ExistingKeyPassphraseTest(PassphraseTestCase):

    def test_a_key_without_one_reads_no_file_and_asks_nothing(self):
        terminal = Terminal()
        missing = os.path.join(self.dir, 'not-there')
        self.assertIsNone(passphrase.for_existing_key(
            options(passphrase_file=missing), False, 'key', terminal))
        self.assertIsNone(passphrase.for_existing_key(
            options(ask_passphrase=True), False, 'key', terminal))
        self.assertEqual([], terminal.prompts)

    def test_from_the_file(self):
        path = self.file(b'secret\n')
        self.assertEqual(b'secret', passphrase.for_existing_key(
            options(passphrase_file=path), True, 'key', Terminal()))

    def test_asked_once_naming_the_key(self):
        terminal = Terminal('pw')
        self.assertEqual(b'pw', passphrase.for_existing_key(
            options(ask_passphrase=True), True, '~/.ssh/id', terminal))
        self.assertEqual(['Passphrase for ~/.ssh/id: '], terminal.prompts)

    def test_asked_without_the_option_when_a_terminal_is_there(self):
        terminal = Terminal('pw')
        self.assertEqual(b'pw', passphrase.for_existing_key(
            options(), True, 'key', terminal))
        self.assertEqual(['Passphrase for key: '], terminal.prompts)

    def test_no_terminal_and_no_option_says_which_options(self):
        self.terminal(False)
        self.assertProblem('the private key is encrypted; give '
                           '--passphrase-file or --ask-passphrase',
                           passphrase.for_existing_key,
                           options(), True, 'key', Terminal())

    def test_asked_for_without_a_terminal_says_there_is_none(self):
        self.terminal(False)
        self.assertProblem('cannot ask for a passphrase: there is no '
                           'terminal; use --passphrase-file',
                           passphrase.for_existing_key,
                           options(ask_passphrase=True), True, 'key',
                           Terminal())


class TerminalTest(base.TestCase):
    """Asking needs a terminal: /dev/tty, or else a stdin that is one."""

    def test_dev_tty_that_opens_is_a_terminal_and_is_closed_again(self):
        opened = self.useFixture(fixtures.MockPatchObject(
            passphrase.os, 'open', return_value=99)).mock
        closed = self.useFixture(fixtures.MockPatchObject(
            passphrase.os, 'close')).mock
        self.assertTrue(passphrase._terminal_available())
        opened.assert_called_once_with('/dev/tty', os.O_RDWR)
        closed.assert_called_once_with(99)

    def test_without_dev_tty_stdin_decides(self):
        self.useFixture(fixtures.MockPatchObject(
            passphrase.os, 'open', side_effect=OSError('no tty')))
        for isatty in (True, False):
            stdin = self.useFixture(fixtures.MockPatchObject(
                passphrase.sys, 'stdin')).mock
            stdin.isatty.return_value = isatty
            self.assertIs(isatty, passphrase._terminal_available())
