"""Which servers were booted with a key pair.

Nova filters servers by ``key_name`` for ordinary users from microversion
2.83 (below that the filter is silently ignored and every server comes
back, so it is never used there). The filter matches the name across the
project: another user's key pair of the same name matches too, so only the
servers of the key pair's own user are kept.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from openstack import exceptions as sdk_exceptions

from keypairs_osc import microversion

KEY_NAME_FILTER = '2.83'


@dataclasses.dataclass(frozen=True)
class ServerRef:
    id: str
    name: str

    def __str__(self) -> str:
        return f'{self.name} ({self.id})'


class CannotTell(Exception):
    """The cloud cannot say which servers use a key pair."""


def using(proxy: Any, key_name: str, user_id: str | None,
          all_projects: bool = False) -> list[ServerRef]:
    """The servers of ``user_id`` booted with key pair ``key_name``.

    One request (per page of answers), with the key_name filter.
    """
    pinned = microversion.pinned(proxy)
    if pinned and not microversion.supports(pinned, KEY_NAME_FILTER):
        raise CannotTell(f'needs compute API microversion {KEY_NAME_FILTER}'
                         f', but --os-compute-api-version is {pinned}')
    learned = microversion.learned_max(proxy)
    if (not pinned and learned is not None
            and learned < microversion.parse(KEY_NAME_FILTER)):  # type: ignore
        # A 406 already told this command: no second one to learn it again.
        raise CannotTell(f'needs compute API microversion {KEY_NAME_FILTER}'
                         f'; this cloud offers at most '
                         f'{microversion.text(learned)}')
    params: dict[str, Any] = {'key_name': key_name}
    if all_projects:
        params['all_tenants'] = 'True'
    return _list(proxy, pinned or KEY_NAME_FILTER, params, {key_name},
                 user_id)[key_name]


def using_any(proxy: Any, key_names: set[str], user_id: str | None,
              all_projects: bool = False) -> dict[str, list[ServerRef]]:
    """For several key pairs at once: the servers using each.

    One listing of the user's servers, filtered here, instead of a
    filtered request per key pair: a bulk delete then costs no more
    requests than core's. The listing needs no particular microversion.
    """
    params: dict[str, Any] = {}
    if all_projects:
        params.update(all_tenants='True')
        if user_id:
            params['user_id'] = user_id
    version = microversion.pinned(proxy) or microversion.BASELINE
    return _list(proxy, version, params, key_names, user_id,
                 any_version=True)


def _list(proxy: Any, version: str, params: dict[str, Any],
          key_names: set[str], user_id: str | None,
          any_version: bool = False) -> dict[str, list[ServerRef]]:
    """Servers using each of ``key_names``, page by page.

    With ``any_version`` the listing needs no particular microversion: on
    a cloud older than ``version`` it is sent at the cloud's highest, which
    a 406 teaches (once per command, shared with the key pair requests).
    """
    found: dict[str, list[ServerRef]] = {name: [] for name in key_names}
    if any_version:
        version = microversion.within_learned(proxy, version)
    while True:
        response = proxy.get('/servers/detail', params=dict(params),
                             microversion=version, raise_exc=False)
        if response.status_code == 406 and not microversion.pinned(proxy):
            # Learn the range once, for this and the command's later
            # requests, which then need no 406 of their own.
            highest = microversion.choose(proxy, {}, discover=True)
            if any_version and highest:
                version, any_version = highest, False  # one retry
                continue
        if response.status_code == 406:
            raise CannotTell(f'the cloud does not offer compute API '
                             f'microversion {version}')
        try:
            sdk_exceptions.raise_from_response(response)
        except sdk_exceptions.HttpException as exc:
            raise CannotTell(f'the servers API answered HTTP '
                             f'{exc.status_code}') from exc
        body = response.json()
        page = body.get('servers') or []
        for server in page:
            if (server.get('key_name') in found
                    and (user_id is None or server.get('user_id') == user_id)):
                found[server['key_name']].append(
                    ServerRef(server.get('id', ''), server.get('name', '')))
        links = body.get('servers_links') or []
        if not page or not any(link.get('rel') == 'next' for link in links):
            return found
        params['marker'] = page[-1].get('id')
