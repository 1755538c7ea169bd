"""Edit an ``authorized_keys`` file's text: add a key, remove a key.

Pure functions over the file's bytes, so that ``keypair rotate`` changes
only the lines it means to: a key is found by its blob (as sshd compares
keys), whatever options or comment its line has, and every other byte of
the file, line endings and a missing final newline included, is kept.
Nothing here reads or writes files; the guest does that (see
:mod:`keypairs_osc.rotation`).
"""

from __future__ import annotations

from keypairs_osc import keys


def _lines(text: bytes) -> list[bytes]:
    return text.splitlines(keepends=True)


def _blob(line: bytes) -> bytes | None:
    # The key itself is ASCII; a comment or option in another encoding
    # does not hide it from sshd, so it must not hide it here.
    return keys.line_blob(line.decode('utf-8', errors='replace'))


def count(text: bytes, blob: bytes) -> int:
    """How many lines of ``text`` authorise the key ``blob``."""
    return sum(1 for line in _lines(text) if _blob(line) == blob)


def add(text: bytes, public_line: str, blob: bytes) -> bytes:
    """``text`` with ``public_line`` appended, unless ``blob`` is in it.

    A file that does not end in a newline gets one before the new line,
    which sshd would otherwise read as the end of the last key's comment.
    """
    if count(text, blob):
        return text
    if text and not text.endswith(b'\n'):
        text += b'\n'
    return text + public_line.strip().encode('utf-8') + b'\n'


def remove(text: bytes, blob: bytes) -> bytes:
    """``text`` without the lines that authorise ``blob``; the rest kept."""
    return b''.join(line for line in _lines(text) if _blob(line) != blob)
