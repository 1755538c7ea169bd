"""Key pair requests, each at the microversion it needs.

Thin wrappers over openstacksdk's Keypair resource: they pick the
microversion (see :mod:`keypairs_osc.microversion`), check names, and send
exactly one request each (list follows the server's paging links).
"""

from __future__ import annotations

from typing import Any

from openstack.compute.v2 import keypair as sdk_keypair
from openstack import exceptions as sdk_exceptions

from keypairs_osc import microversion
from keypairs_osc import names

Keypair = sdk_keypair.Keypair


def _needs(user_id: str | None = None, key_type: str | None = None,
           name: str | None = None, paging: bool = False) -> dict[str, str]:
    needs = {}
    if user_id:
        needs['--user'] = microversion.OTHER_USER
    if key_type:
        needs['--type'] = microversion.KEY_TYPE
    if name is not None and names.needs_wide_names(name):
        needs[f'the key pair name {name!r}'] = microversion.WIDE_NAMES
    if paging:
        needs['--limit/--marker'] = microversion.PAGING
    return needs


def lookup_version(proxy: Any, user_id: str | None = None,
                   name: str | None = None) -> str | None:
    """The version for show and delete; checks ``name`` against it."""
    version = microversion.choose(proxy, _needs(user_id, name=name))
    if name is not None:
        names.check(name, version)
    return version


def create(proxy: Any, name: str, public_key: str,
           key_type: str | None = None,
           user_id: str | None = None) -> Keypair:
    """Register ``public_key`` as key pair ``name``; one POST."""
    version = microversion.choose(proxy, _needs(user_id, key_type, name))
    names.check(name, version)
    attrs: dict[str, Any] = {'name': name, 'public_key': public_key}
    if key_type:
        attrs['type'] = key_type  # core's key_type= never reached Nova
    if user_id:
        attrs['user_id'] = user_id
    return Keypair.new(**attrs).create(proxy, microversion=version)


def get(proxy: Any, name: str, user_id: str | None = None,
        version: str | None = None) -> Keypair:
    """Fetch one key pair by name; one GET."""
    if version is None:
        version = lookup_version(proxy, user_id, name)
    params = {'user_id': user_id} if user_id else {}
    return Keypair.new(name=name).fetch(
        proxy, microversion=version,
        error_message=f"No Keypair found for {name}", **params)


def delete(proxy: Any, name: str, user_id: str | None = None,
           version: str | None = None) -> None:
    """Delete one key pair by name; one DELETE."""
    if version is None:
        version = lookup_version(proxy, user_id, name)
    params = {'user_id': user_id} if user_id else None
    Keypair.new(name=name).delete(proxy, microversion=version, params=params)


def list_version(proxy: Any, other_user: bool = False,
                 paging: bool = False) -> str | None:
    """The version for list: other users' key pairs and paging need more."""
    return microversion.choose(
        proxy, _needs('user' if other_user else None, paging=paging))


def list_(proxy: Any, version: str | None, user_id: str | None = None,
          limit: int | None = None, marker: str | None = None,
          max_items: int | None = None) -> list[Keypair]:
    """All key pairs, page by page, or up to ``max_items``.

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
    found: list[Keypair] = []
    while True:
        response = proxy.get('/os-keypairs', params=query,
                             microversion=version, raise_exc=False)
        sdk_exceptions.raise_from_response(response)
        body = response.json()
        page = [Keypair.existing(**item) for item in body.get('keypairs', [])]
        found.extend(page)
        if max_items is not None and len(found) >= max_items:
            return found[:max_items]
        links = body.get('keypairs_links') or []
        if not page or not any(link.get('rel') == 'next' for link in links):
            return found
        query['marker'] = page[-1].name
