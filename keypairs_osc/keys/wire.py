"""The SSH wire format's length-prefixed strings (RFC 4251, section 5)."""

from __future__ import annotations

from keypairs_osc.keys.exceptions import InvalidKey


def string(value: bytes) -> bytes:
    """``value`` as an SSH string: its length, then its bytes."""
    return len(value).to_bytes(4, 'big') + value


def read_uint32(data: bytes, offset: int) -> tuple[int, int]:
    """The 32-bit integer at ``offset``, and the offset after it."""
    end = offset + 4
    if end > len(data):
        raise InvalidKey('the key data is truncated')
    return int.from_bytes(data[offset:end], 'big'), end


def read_string(data: bytes, offset: int) -> tuple[bytes, int]:
    """The SSH string at ``offset``, and the offset after it."""
    length, start = read_uint32(data, offset)
    end = start + length
    if end > len(data):
        raise InvalidKey('the key data is truncated')
    return data[start:end], end
