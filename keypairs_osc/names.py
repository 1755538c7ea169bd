"""Nova's rules for key pair names, checked before any request."""

from __future__ import annotations

import re

from keypairs_osc import microversion
from keypairs_osc import problem

MAX_LENGTH = 255
_BASIC = re.compile(r'^[_\- a-zA-Z0-9]+$')
_WIDE = re.compile(r'^[_\- a-zA-Z0-9@.]+$')


class InvalidName(problem.Problem, ValueError):
    """A name Nova would refuse."""


def needs_wide_names(name: str) -> bool:
    """True when ``name`` is valid only from microversion 2.92."""
    return bool(_WIDE.match(name)) and not _BASIC.match(name)


def check(name: str, version: str | None) -> None:
    """Raise InvalidName unless Nova accepts ``name`` at ``version``."""
    if not name:
        raise InvalidName('a key pair name cannot be empty')
    if len(name) > MAX_LENGTH:
        raise InvalidName(f'key pair name is {len(name)} characters long; '
                          f'at most {MAX_LENGTH} are allowed')
    if name != name.strip():
        raise InvalidName(f'key pair name {name!r} has leading or trailing '
                          'whitespace')
    wide = microversion.supports(version, microversion.WIDE_NAMES)
    if (_WIDE if wide else _BASIC).match(name):
        return
    allowed = "letters, digits, spaces, '_' and '-'"
    if wide:
        allowed += ", '@' and '.'"
    elif _WIDE.match(name):
        raise InvalidName(
            f"key pair name {name!r} uses '@' or '.', which need compute API "
            f'microversion {microversion.WIDE_NAMES}')
    raise InvalidName(f'key pair name {name!r} is invalid: only {allowed} '
                      'are allowed')
