"""Which servers were booted with a key pair; what a server's console shows.

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

from keypairs_osc import errors
from keypairs_osc import microversion
from keypairs_osc import problem


@dataclasses.dataclass(frozen=True)
class ServerRef:
    id: str
    name: str

    def __str__(self) -> str:
        return f'{self.name} ({self.id})'


class CannotTell(problem.Problem):
    """The cloud cannot say which servers use a key pair."""

    names_its_subject = False


@dataclasses.dataclass(frozen=True)
class Usage:
    """Which servers use each key pair, or why the cloud cannot tell."""

    servers: dict[str, list[ServerRef]]
    #: Why the cloud cannot tell, when it cannot.
    unknown: str | None = None

    def of(self, key_name: str) -> list[ServerRef]:
        return self.servers.get(key_name, [])


def usage(proxy: Any, key_names: list[str], user_id: str | None,
          all_projects: bool = False) -> Usage:
    """The servers booted with each key pair, or why we cannot tell.

    One key pair: the key_name filter; several: one listing for all.
    """
    try:
        if len(key_names) == 1:
            return Usage({key_names[0]: using(proxy, key_names[0], user_id,
                                              all_projects=all_projects)})
        return Usage(using_any(proxy, set(key_names), user_id,
                               all_projects=all_projects))
    except errors.REPORTED as exc:
        return Usage({}, unknown=errors.explain(exc))


def using(proxy: Any, key_name: str, user_id: str | None,
          all_projects: bool = False) -> list[ServerRef]:
    """The servers of ``user_id`` booted with key pair ``key_name``.

    One request (per page of answers), with the key_name filter.
    """
    need, pinned = microversion.KEY_NAME_FILTER, microversion.pinned(proxy)
    if pinned and not microversion.supports(pinned, need):
        raise CannotTell(f'needs compute API microversion {need}, but '
                         f'--os-compute-api-version is {pinned}')
    highest = microversion.beyond_learned(proxy, need)
    if not pinned and highest:
        # A 406 already told this command: no second one to learn it again.
        raise CannotTell(f'needs compute API microversion {need}; this '
                         f'cloud offers at most {highest}')
    params: dict[str, Any] = {'key_name': key_name}
    if all_projects:
        params['all_tenants'] = 'True'
    return _list(proxy, pinned or need, params, {key_name}, user_id)[key_name]


def using_any(proxy: Any, key_names: set[str] | None, user_id: str | None,
              all_projects: bool = False) -> dict[str, list[ServerRef]]:
    """For several key pairs at once: the servers using each.

    One listing of the user's servers, filtered here, instead of a
    filtered request per key pair: a bulk delete then costs no more
    requests than core's. The listing needs no particular microversion.
    ``key_names`` None: every key pair the servers name.
    """
    params: dict[str, Any] = {}
    if all_projects:
        params.update(all_tenants='True')
        if user_id:
            params['user_id'] = user_id
    version = microversion.pinned(proxy) or microversion.BASELINE
    return _list(proxy, version, params, key_names, user_id,
                 any_version=True)


def in_use(proxy: Any, user_id: str | None,
           all_projects: bool = False) -> set[str]:
    """The names of the key pairs the servers of ``user_id`` were booted
    with: one listing (page by page) however many key pairs there are.

    What ``keypair list --unused`` and ``delete --unused`` leave out.
    ``user_id`` None counts every server listed (never fewer in use).
    """
    return {name for name, refs in
            using_any(proxy, None, user_id, all_projects).items() if refs}


def _list(proxy: Any, version: str, params: dict[str, Any],
          key_names: set[str] | None, user_id: str | None,
          any_version: bool = False) -> dict[str, list[ServerRef]]:
    """Servers using each of ``key_names`` (None: any), page by page.

    With ``any_version`` the listing needs no particular microversion: on
    a cloud older than ``version`` it is sent at the cloud's highest, which
    a 406 teaches (once per command, shared with the key pair requests).
    """
    found: dict[str, list[ServerRef]] = {name: []
                                         for name in key_names or ()}
    if any_version:
        version = microversion.beyond_learned(proxy, version) or version
    while True:
        response = proxy.get('/servers/detail', params=dict(params),
                             microversion=version, raise_exc=False)
        if response.status_code == 406 and not microversion.pinned(proxy):
            # Learn the range once, for this and the command's later
            # requests, which then need no 406 of their own.
            highest = microversion.choose(proxy)
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
            key_name = server.get('key_name')
            if (key_name and (key_names is None or key_name in found)
                    and (user_id is None or server.get('user_id') == user_id)):
                found.setdefault(key_name, []).append(
                    ServerRef(server.get('id', ''), server.get('name', '')))
        links = body.get('servers_links') or []
        if not page or not any(link.get('rel') == 'next' for link in links):
            return found
        params['marker'] = page[-1].get('id')


class ConsoleUnavailable(problem.Problem):
    """The compute API gives no console output for the server."""

    names_its_subject = False


def console_output(proxy: Any, server: Any) -> str:
    """The server's console output, in one request.

    A cloud or a server without a console log (the fake driver's fixed
    text aside, Nova answers 404, 409 for a server not running, 501 for a
    driver without one; a policy may forbid it: 403) is
    :class:`ConsoleUnavailable`, never a failure of the command.
    """
    try:
        answer = proxy.get_server_console_output(server)
    except sdk_exceptions.HttpException as exc:
        raise ConsoleUnavailable(
            f'its console output is unavailable: {errors.explain(exc)}'
        ) from exc
    output = answer.get('output') if isinstance(answer, dict) else None
    return output if isinstance(output, str) else ''
