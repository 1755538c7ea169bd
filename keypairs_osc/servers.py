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
    """The servers of ``user_id`` booted with key pair ``key_name``."""
    pinned = microversion.pinned(proxy)
    if pinned and not microversion.supports(pinned, KEY_NAME_FILTER):
        raise CannotTell(f'needs compute API microversion {KEY_NAME_FILTER}'
                         f', but --os-compute-api-version is {pinned}')
    version = pinned or KEY_NAME_FILTER
    params: dict[str, Any] = {'key_name': key_name}
    if all_projects:
        params['all_tenants'] = 'True'
    found: list[ServerRef] = []
    while True:
        response = proxy.get('/servers/detail', params=params,
                             microversion=version, raise_exc=False)
        if response.status_code == 406:
            raise CannotTell(f'the cloud does not offer compute API '
                             f'microversion {KEY_NAME_FILTER}')
        try:
            sdk_exceptions.raise_from_response(response)
        except sdk_exceptions.HttpException as exc:
            raise CannotTell(f'the servers API answered HTTP '
                             f'{exc.status_code}') from exc
        body = response.json()
        page = body.get('servers') or []
        found += [ServerRef(s.get('id', ''), s.get('name', ''))
                  for s in page
                  if s.get('key_name') == key_name
                  and (user_id is None or s.get('user_id') == user_id)]
        links = body.get('servers_links') or []
        if not page or not any(link.get('rel') == 'next' for link in links):
            return found
        params['marker'] = page[-1].get('id')
