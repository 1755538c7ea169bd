"""Which compute API microversion a key pair request asks for.

The one place that knows which feature needs which microversion. The SDK
caps key pair calls at 2.10 unless the user pins a version, so requests that
need more (paging needs 2.35) must ask for it themselves, after checking that
the server offers it.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

#: What the SDK, and so the core commands, use for key pairs by default.
BASELINE = '2.10'
#: ``type`` (ssh or x509) in requests and replies.
KEY_TYPE = '2.2'
#: ``user_id`` in requests: acting on another user's key pairs (admin).
OTHER_USER = '2.10'
#: ``limit`` and ``marker`` on list.
PAGING = '2.35'
#: Key pair names may also contain ``@`` and ``.``.
WIDE_NAMES = '2.92'

Version = tuple[int, int]


#: The highest version a compute proxy's server offers, once a 406 made a
#: command ask: its later requests need not try a version beyond it.
_learned: weakref.WeakKeyDictionary[Any, Version] = (
    weakref.WeakKeyDictionary())


def learned_max(proxy: Any) -> Version | None:
    """The server's highest version, if this command has learned it."""
    try:
        return _learned.get(proxy)
    except TypeError:
        return None


def within_learned(proxy: Any, version: str) -> str:
    """``version``, or the server's highest if it is known to be lower."""
    learned = learned_max(proxy)
    wanted = parse(version)
    if learned is not None and wanted is not None and wanted > learned:
        return text(learned)
    return version


class MicroversionError(Exception):
    """A needed microversion is not available; one line for the user."""


def parse(version: str) -> Version | None:
    """'2.35' -> (2, 35); None for forms such as '2.latest'."""
    major, _, minor = str(version).partition('.')
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return None


def text(version: Version) -> str:
    return f'{version[0]}.{version[1]}'


def server_range(proxy: Any) -> tuple[Version, Version] | None:
    """The (min, max) microversion the compute endpoint offers, if any.

    keystoneauth caches the version document per session, so this costs one
    request per command at most, the same one the SDK would make.
    """
    data = proxy.get_endpoint_data()
    if data is None or not data.max_microversion:
        return None
    low = data.min_microversion or (2, 1)
    return (tuple(low[:2]), tuple(data.max_microversion[:2]))  # type: ignore


def pinned(proxy: Any) -> str | None:
    """The version the user pinned (``--os-compute-api-version``), if any."""
    return getattr(proxy, 'default_microversion', None) or None


def choose(proxy: Any, needs: Mapping[str, str] | None = None,
           discover: bool = True) -> str | None:
    """The microversion for a request that needs each of ``needs``.

    ``needs`` maps a description of a feature ("--limit") to the version it
    needs. A version the user pinned is used as it is, after checking it is
    new enough; otherwise the request asks for the baseline, or more when a
    feature needs more. With ``discover`` the server's range is fetched
    first: a need beyond it is a clear error, and None means "no
    microversion header", for a server without microversions. Without it,
    no request is made and the wanted version is returned as it is.
    """
    needs = dict(needs or {})
    user_version = pinned(proxy)
    if user_version is not None:
        have = parse(user_version)
        for feature, need in needs.items():
            if have is not None and have < parse(need):  # type: ignore
                raise MicroversionError(
                    f'{feature} needs compute API microversion {need} or '
                    f'later, but --os-compute-api-version is {user_version}')
        return user_version
    if not discover:
        wanted = max([BASELINE] + list(needs.values()), key=parse)
        return wanted
    offered = server_range(proxy)
    if offered is None:
        if needs:
            feature, need = max(needs.items(), key=lambda i: parse(i[1]))
            raise MicroversionError(
                f'{feature} needs compute API microversion {need}; this '
                'cloud offers no microversions')
        return None
    low, high = offered
    try:
        _learned[proxy] = high
    except TypeError:
        pass  # a proxy that cannot be weakly referenced: learn nothing
    wanted = max([parse(BASELINE)] + [parse(v) for v in needs.values()])
    for feature, need in needs.items():
        if parse(need) > high:  # type: ignore
            raise MicroversionError(
                f'{feature} needs compute API microversion {need}; this '
                f'cloud offers at most {text(high)}')
    chosen = min(max(wanted, low), high)  # type: ignore
    return text(chosen)


def supports(version: str | None, feature_version: str) -> bool:
    """Whether a request made at ``version`` has ``feature_version``."""
    if version is None:
        return False
    have = parse(version)
    return have is None or have >= parse(feature_version)  # type: ignore
