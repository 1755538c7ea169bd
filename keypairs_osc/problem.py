"""The one base of every error that is a problem to tell the user.

It imports nothing, so that every module can raise a :class:`Problem` and
the commands' edge (:mod:`keypairs_osc.errors`) can tell one from a bug.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


class Problem(Exception):
    """A problem to tell the user in one line: the message says why.

    A problem that names what it is about (a file problem names its file)
    is shown as it is, after its :attr:`subject` if one was set with
    :func:`about`. One that does not (a missing microversion) is shown after
    the command's subject, as an error of the cloud is.
    """

    #: Whether the message, with :attr:`subject`, needs no other subject.
    names_its_subject = True
    #: What the problem is about, where the message does not say.
    subject: str | None = None


@contextlib.contextmanager
def about(subject: str) -> Iterator[None]:
    """The problems raised inside are about ``subject`` (if not said)."""
    try:
        yield
    except Problem as exc:
        if exc.subject is None:
            exc.subject = subject
        raise
