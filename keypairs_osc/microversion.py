"""Which compute API microversion a request asks for: every version rule.

The one place that knows which feature needs which microversion, and how
a request's version is chosen; keystoneauth parses, prints and compares the
versions. The SDK caps key pair calls at 2.10 unless the user pins a
version, so requests that need more (paging needs 2.35) ask for it
themselves.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from keystoneauth1 import discover

from keypairs_osc import problem

#: What the SDK, and so the core commands, use for key pairs by default.
BASELINE = '2.10'
#: ``type`` (ssh or x509) in requests and replies.
KEY_TYPE = '2.2'
#: ``user_id`` in requests: acting on another user's key pairs (admin).
OTHER_USER = '2.10'
#: ``limit`` and ``marker`` on list.
PAGING = '2.35'
#: Servers filtered by ``key_name`` for ordinary users (below it the
#: filter is silently ignored and every server comes back).
KEY_NAME_FILTER = '2.83'
#: Key pair names may also contain ``@`` and ``.``.
WIDE_NAMES = '2.92'

Version = tuple[float, ...]


class MicroversionError(problem.Problem):
    """A needed microversion is not available."""

    names_its_subject = False  # it names the feature, not what needs it


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


def beyond_learned(proxy: Any, version: str) -> str | None:
    """The server's highest version, if a 406 taught it is below ``version``.

    A request that needs ``version`` then fails without asking again; one
    that can do with less asks at this one.
    """
    learned = learned_max(proxy)
    if learned is None or discover.version_between(version, None, learned):
        return None
    return discover.version_to_string(learned)


def supports(version: str | None, feature_version: str) -> bool:
    """Whether a request made at ``version`` has ``feature_version``.

    A form keystoneauth cannot read (a pin such as ``2.foo``) is taken as
    new enough: the server judges it.
    """
    if version is None:
        return False
    try:
        return discover.version_between(feature_version, None, version)
    except TypeError:
        return True


def server_range(proxy: Any) -> tuple[Version, Version] | None:
    """The (min, max) microversion the compute endpoint offers, if any.

    keystoneauth caches the version document per session, so this costs one
    request per command at most, the same one the SDK would make.
    """
    data = proxy.get_endpoint_data()
    if data is None or not data.max_microversion:
        return None
    low = discover.normalize_version_number(data.min_microversion or '2.1')
    high = discover.normalize_version_number(data.max_microversion)
    return low[:2], high[:2]


def pinned(proxy: Any) -> str | None:
    """The version the user pinned (``--os-compute-api-version``), if any."""
    return getattr(proxy, 'default_microversion', None) or None


def _checked_pin(pin: str, needs: Mapping[str, str]) -> str:
    """A pinned version is used as it is, once it is new enough."""
    for feature, need in needs.items():
        if not supports(pin, need):
            raise MicroversionError(
                f'{feature} needs compute API microversion {need} or '
                f'later, but --os-compute-api-version is {pin}')
    return pin


def first_choice(proxy: Any, needs: Mapping[str, str] | None = None
                 ) -> str | None:
    """The version a request asks for first, without asking the server.

    The pinned one; within the server's range once a 406 taught it (the
    range is cached then, no request); otherwise the baseline, or more when
    a feature needs more: every cloud of the last decade offers these.
    """
    if pinned(proxy) is None and learned_max(proxy) is None:
        return _newest(BASELINE, *(needs or {}).values())
    return choose(proxy, needs)


def _newest(*versions: str) -> str:
    return max(versions, key=discover.normalize_version_number)


def choose(proxy: Any, needs: Mapping[str, str] | None = None
           ) -> str | None:
    """The version for a request that needs each of ``needs``, asking.

    ``needs`` maps a description of a feature ("--limit") to the version it
    needs. A version the user pinned is used as it is, after checking it is
    new enough. Otherwise the server's range is fetched and remembered for
    the command's later requests: a need beyond it is a clear error, and
    None means "no microversion header", for a server without
    microversions.
    """
    needs = needs or {}
    pin = pinned(proxy)
    if pin is not None:
        return _checked_pin(pin, needs)
    offered = server_range(proxy)
    if offered is None:
        if needs:
            need = _newest(*needs.values())
            feature = next(f for f, v in needs.items() if v == need)
            raise MicroversionError(
                f'{feature} needs compute API microversion {need}; this '
                'cloud offers no microversions')
        return None
    low, high = offered
    try:
        _learned[proxy] = high
    except TypeError:
        pass  # a proxy that cannot be weakly referenced: learn nothing
    for feature, need in needs.items():
        if not discover.version_between(None, high, need):
            raise MicroversionError(
                f'{feature} needs compute API microversion {need}; this '
                f'cloud offers at most {discover.version_to_string(high)}')
    wanted = discover.normalize_version_number(
        _newest(BASELINE, *needs.values()))
    return discover.version_to_string(min(max(wanted, low), high))
