"""Passphrases: from a file or asked on the terminal, never from argv."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from keypairs_osc import securefile


class PassphraseProblem(securefile.FileProblem):
    """No usable passphrase."""


def add_options(parser: argparse.ArgumentParser, purpose: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--passphrase-file', metavar='<file>',
        help=f'Read the passphrase that {purpose} from the first line of '
             '<file> ("-" for stdin). Never give a passphrase on the '
             'command line.')
    group.add_argument(
        '--ask-passphrase', action='store_true',
        help=f'Ask on the terminal for the passphrase that {purpose} '
             '(not echoed).')


def _from_file(path: str) -> bytes:
    data = securefile.read_input(path, what='passphrase', limit=4096)
    line = data.splitlines()[0] if data else b''
    if not line:
        raise PassphraseProblem(f'{path}: the passphrase file is empty')
    return line


def _terminal_available() -> bool:
    try:
        fd = os.open('/dev/tty', os.O_RDWR)
    except OSError:
        return sys.stdin.isatty()
    os.close(fd)
    return True


def _ask(prompt: str, ask: Callable[[str], str] | None) -> bytes:
    ask = ask or getpass.getpass  # looked up now, so tests can replace it
    if not _terminal_available():
        raise PassphraseProblem('cannot ask for a passphrase: there is no '
                                'terminal; use --passphrase-file')
    try:
        return ask(prompt).encode()
    except (EOFError, KeyboardInterrupt):
        raise PassphraseProblem('no passphrase was entered')


def for_new_key(parsed_args: argparse.Namespace,
                ask: Callable[[str], str] | None = None) -> bytes | None:
    """The passphrase to encrypt a new private key with, or None."""
    if parsed_args.passphrase_file:
        return _from_file(parsed_args.passphrase_file)
    if not parsed_args.ask_passphrase:
        return None
    first = _ask('Passphrase for the new private key: ', ask)
    if not first:
        raise PassphraseProblem('the passphrase is empty; leave out '
                                '--ask-passphrase for a key without one')
    second = _ask('Same passphrase again: ', ask)
    if first != second:
        raise PassphraseProblem('the passphrases do not match')
    return first


def for_existing_key(parsed_args: argparse.Namespace, encrypted: bool,
                     path: str,
                     ask: Callable[[str], str] | None = None
                     ) -> bytes | None:
    """The passphrase to decrypt an existing private key, or None.

    A key without a passphrase needs none: a passphrase file given anyway
    (empty, say, in a script that handles every key alike) is not read.
    """
    if not encrypted:
        return None
    if parsed_args.passphrase_file:
        return _from_file(parsed_args.passphrase_file)
    if parsed_args.ask_passphrase or _terminal_available():
        return _ask(f'Passphrase for {path}: ', ask)
    raise PassphraseProblem('the private key is encrypted; give '
                            '--passphrase-file or --ask-passphrase')
