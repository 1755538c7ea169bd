"""Key pair requests, each at the microversion it needs.

Thin wrappers over openstacksdk's Keypair resource. Each request is sent at
the microversion its features need (see :mod:`keypairs_osc.microversion`)
without asking the server first: the compute version document costs a round
trip on every command, and every cloud of the last decade offers the
versions asked for. Only when the server answers 406 (version not
acceptable) is its range fetched, to retry at a version it offers or to say
clearly which feature it lacks. Names are checked before anything is sent.

Failures are the SDK's and keystoneauth's exceptions, or a
:class:`~keypairs_osc.problem.Problem`; the commands turn them into one line.
:func:`create_or_recover` and :func:`delete_confirmed` keep the promise
that a lost answer leaves no orphan: neither a key pair in the cloud whose
private half was thrown away, nor a failure reported for a delete that
took effect.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from openstack.compute.v2 import keypair as sdk_keypair
from openstack import exceptions as sdk_exceptions

from keypairs_osc import errors
from keypairs_osc import keys
from keypairs_osc import microversion
from keypairs_osc import names
from keypairs_osc import problem

Keypair = sdk_keypair.Keypair
T = TypeVar('T')


def _needs(other_user: bool = False, key_type: str | None = None,
           name: str | None = None, paging: bool = False) -> dict[str, str]:
    needs = {}
    if other_user:
        needs['--user'] = microversion.OTHER_USER
    if key_type:
        needs['--type'] = microversion.KEY_TYPE
    if name is not None and names.needs_wide_names(name):
        needs[f'the key pair name {name!r}'] = microversion.WIDE_NAMES
    if paging:
        needs['--limit/--marker'] = microversion.PAGING
    return needs


def _negotiated(proxy: Any, needs: dict[str, str],
                request: Callable[[str | None], T]) -> tuple[str | None, T]:
    """Run ``request(version)``; on a 406, learn the server's range, retry.

    Once a command has learned the range, its later requests use it.
    """
    version = microversion.first_choice(proxy, needs)
    try:
        return version, request(version)
    except sdk_exceptions.HttpException as exc:
        if exc.status_code != 406 or microversion.pinned(proxy):
            raise
    version = microversion.choose(proxy, needs)
    return version, request(version)


def create(proxy: Any, name: str, public_key: str,
           key_type: str | None = None,
           user_id: str | None = None) -> Keypair:
    """Register ``public_key`` as key pair ``name``; one POST."""
    attrs: dict[str, Any] = {'name': name, 'public_key': public_key}
    if key_type:
        attrs['type'] = key_type  # core's key_type= never reached Nova
    if user_id:
        attrs['user_id'] = user_id

    def request(version: str | None) -> Keypair:
        names.check(name, version)
        return Keypair.new(**attrs).create(proxy, microversion=version)

    return _negotiated(proxy, _needs(bool(user_id), key_type, name),
                       request)[1]


def get(proxy: Any, name: str, user_id: str | None = None) -> Keypair:
    """Fetch one key pair by name; one GET."""
    params = {'user_id': user_id} if user_id else {}

    def request(version: str | None) -> Keypair:
        names.check(name, version)
        return Keypair.new(name=name).fetch(
            proxy, microversion=version,
            error_message=f"No Keypair found for {name}", **params)

    return _negotiated(proxy, _needs(bool(user_id), name=name), request)[1]


def delete(proxy: Any, name: str, user_id: str | None = None) -> None:
    """Delete one key pair by name; one DELETE."""
    params = {'user_id': user_id} if user_id else None

    def request(version: str | None) -> None:
        names.check(name, version)
        Keypair.new(name=name).delete(proxy, microversion=version,
                                      params=params)

    _negotiated(proxy, _needs(bool(user_id), name=name), request)


def list_(proxy: Any, user_id: str | None = None, limit: int | None = None,
          marker: str | None = None, max_items: int | None = None,
          other_user: bool = False) -> tuple[str | None, list[Keypair]]:
    """(microversion used, key pairs), page by page, up to ``max_items``.

    ``limit`` is the page size, as in core. Pages are followed by the
    server's ``next`` link; the marker is sent as a plain value (the SDK's
    own link following re-encodes it as a Python list).
    """
    query: dict[str, Any] = {}
    if user_id:
        query['user_id'] = user_id
    if limit is not None:
        query['limit'] = limit
    if marker is not None:
        query['marker'] = marker
    paging = limit is not None or marker is not None

    def request(version: str | None) -> list[Keypair]:
        found: list[Keypair] = []
        page_query = dict(query)
        #: Where to go on from if the key pair a page went on from is
        #: deleted meanwhile (Nova answers 400 for a marker it cannot find):
        #: the names listed before it, then the caller's own marker.
        earlier: list[str | None] = []
        while True:
            response = proxy.get('/os-keypairs', params=page_query,
                                 microversion=version, raise_exc=False)
            if response.status_code == 400 and earlier:
                page_query['marker'] = earlier.pop()
                if page_query['marker'] is None:
                    del page_query['marker']
                continue
            sdk_exceptions.raise_from_response(response)
            body = response.json()
            page = [Keypair.existing(**item)
                    for item in body.get('keypairs', [])]
            listed = {keypair.name for keypair in found}
            found.extend(k for k in page if k.name not in listed)
            if max_items is not None and len(found) >= max_items:
                return found[:max_items]
            links = body.get('keypairs_links') or []
            if not page or not any(link.get('rel') == 'next'
                                   for link in links):
                return found
            earlier = [query.get('marker')] + [k.name for k in found[:-1]]
            page_query['marker'] = page[-1].name

    needs = _needs(bool(user_id) or other_user, paging=paging)
    return _negotiated(proxy, needs, request)


@dataclasses.dataclass(frozen=True)
class Created:
    """A key pair Nova holds now, and what it answered if that failed."""

    keypair: Keypair
    #: The failure the cloud answered although it created the key pair.
    despite: BaseException | None = None


class Unconfirmed(problem.Problem):
    """A create failed ambiguously, and so did asking whether it was made."""

    names_its_subject = False


def create_or_recover(proxy: Any, name: str, public_key: str,
                      key: keys.PublicKeyInfo, key_type: str | None = None,
                      user_id: str | None = None) -> Created:
    """Register ``public_key``; keep the key pair Nova made despite an error.

    A 5xx answer, a dropped connection or a timeout may come after Nova
    committed the create. Then the key pair exists and its private half
    must be saved, not thrown away: ask Nova (one GET). A key pair of that
    name holding another key is not ours: the failure stands.
    """
    try:
        return Created(create(proxy, name, public_key, key_type=key_type,
                              user_id=user_id))
    except errors.REPORTED as failure:
        if not errors.is_ambiguous(failure):
            raise
        try:
            existing = get(proxy, name, user_id=user_id)
        except errors.REPORTED as exc:
            if errors.is_not_found(exc):
                raise failure  # not created: nothing to keep
            raise Unconfirmed(
                f'{errors.explain(failure)}; could not check whether the '
                f'key pair was created ({errors.explain(exc)}); check with '
                f'"openstack keypair show {name}" and delete it if it '
                'exists') from failure
        stored = keys.describe_stored(existing.public_key, existing.type)
        if not keys.same_key(stored, key):
            raise
        return Created(existing, despite=failure)


@dataclasses.dataclass(frozen=True)
class Deleted:
    """What came of deleting one key pair."""

    name: str
    #: Why the key pair may still exist; None when it is gone.
    failure: BaseException | None = None
    #: Whether Nova answered that it deleted it (not: it was missing, or
    #: found gone after the answer was lost).
    answered: bool = False


def delete_confirmed(proxy: Any, name: str, user_id: str | None = None,
                     ignore_missing: bool = False) -> Deleted:
    """Delete key pair ``name``; a lost answer is checked with one GET.

    A 5xx answer, a dropped connection or a timeout may come after Nova
    deleted it: then the key pair is gone, as asked, and that is no failure.
    """
    try:
        delete(proxy, name, user_id=user_id)
    except errors.REPORTED as exc:
        if ignore_missing and errors.is_not_found(exc):
            return Deleted(name)
        if errors.is_ambiguous(exc) and _gone(proxy, name, user_id):
            return Deleted(name)
        return Deleted(name, failure=exc)
    return Deleted(name, answered=True)


def _gone(proxy: Any, name: str, user_id: str | None) -> bool:
    """Whether a key pair whose delete failed ambiguously is gone."""
    try:
        get(proxy, name, user_id=user_id)
    except errors.REPORTED as exc:
        return errors.is_not_found(exc)
    return False


def get_password(proxy: Any, server: Any) -> str:
    """The encrypted password the server's guest posted; '' when none."""
    return proxy.get_server_password(server) or ''


def clear_password(proxy: Any, server: Any) -> None:
    """Forget the server's posted password (the guest's is unchanged)."""
    proxy.clear_server_password(server)
