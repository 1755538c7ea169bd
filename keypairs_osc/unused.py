"""Which key pairs no server uses: ``keypair list --unused`` and
``keypair delete --unused``.

A key pair is unused when no server of its user was booted with it (or
rebuilt with it): one listing of the servers gives every name in use
(:func:`keypairs_osc.servers.in_use`), however many key pairs there are.
Nova lists key pairs without their ``created_at`` at every microversion
(only a single key pair's GET has it), so ``--older-than`` costs one GET
per key pair it is asked about, and only then.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import math
from collections.abc import Iterable
from typing import Any

from keypairs_osc import api
from keypairs_osc import errors
from keypairs_osc import problem
from keypairs_osc import servers

#: GETs of created_at in flight at once.
MAX_WORKERS = 8


class BadOption(problem.Problem):
    """An option of --unused that cannot be used as given."""


class Undated(problem.Problem):
    """The cloud gave a key pair no creation time that can be read."""

    names_its_subject = False


def parse_days(text: str | None) -> float | None:
    """``--older-than``'s days: a number, 0 or more (None: not given)."""
    if text is None:
        return None
    try:
        days = float(text)
    except ValueError:
        days = math.nan
    if not math.isfinite(days) or days < 0:
        raise BadOption(f'--older-than takes a number of days, 0 or more, '
                        f'not {text!r}')
    return days


def parse_prefix(text: str | None) -> str | None:
    """``--name-prefix``: a non-empty start of a name (None: not given)."""
    if text is not None and not text:
        raise BadOption('--name-prefix needs at least one character')
    return text


def created_at(text: str | None) -> datetime.datetime | None:
    """When Nova made a key pair, in UTC (Nova's times carry no zone)."""
    if not text:
        return None
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when


def older_than(when: datetime.datetime, days: float,
               now: datetime.datetime) -> bool:
    """Whether ``when`` is more than ``days`` days before ``now``."""
    return when < now - datetime.timedelta(days=days)


def named(keypairs: Iterable[Any], prefix: str | None) -> list[Any]:
    """The key pairs whose names start with ``prefix`` (None: all)."""
    return [k for k in keypairs if prefix is None or k.name.startswith(prefix)]


def not_in(keypairs: Iterable[Any], names_in_use: set[str]) -> list[Any]:
    """The key pairs no server was booted with, in their order."""
    return [k for k in keypairs if k.name not in names_in_use]


def names_in_use(proxy: Any, user_id: str | None,
                 all_projects: bool = False) -> set[str]:
    """:func:`servers.in_use`; any failure is one ``CannotTell``."""
    try:
        return servers.in_use(proxy, user_id, all_projects=all_projects)
    except errors.REPORTED as exc:
        raise servers.CannotTell(f'cannot tell which key pairs servers '
                                 f'use: {errors.explain(exc)}') from exc


@dataclasses.dataclass(frozen=True)
class Aged:
    """The key pairs old enough, and those whose age the cloud withheld."""

    old: list[Any]
    #: (name, why) of each key pair whose created_at could not be had.
    unknown: list[tuple[str, BaseException]]


def by_age(proxy: Any, keypairs: list[Any], days: float,
           now: datetime.datetime, user_id: str | None = None) -> Aged:
    """The key pairs made more than ``days`` days before ``now``.

    A key pair listed without its created_at (Nova's listing never has
    it) is fetched, concurrently; one that has gone meanwhile is left
    out, one that cannot be fetched or dated is in ``unknown``.
    """
    def age(keypair: Any) -> tuple[Any, datetime.datetime | None,
                                   BaseException | None]:
        when = created_at(keypair.created_at)
        if when is not None:
            return keypair, when, None
        try:
            fetched = api.get(proxy, keypair.name, user_id=user_id)
        except errors.REPORTED as exc:
            if errors.is_not_found(exc):
                return keypair, None, None  # gone meanwhile: nothing to do
            return keypair, None, Undated(
                f'not deleted: cannot tell its age: {errors.explain(exc)}')
        when = created_at(fetched.created_at)
        if when is None:
            return keypair, None, Undated(
                f'not deleted: cannot tell its age: the cloud gave no '
                f'usable created_at ({fetched.created_at!r})')
        return keypair, when, None

    if not keypairs:
        return Aged([], [])
    with concurrent.futures.ThreadPoolExecutor(
            min(MAX_WORKERS, len(keypairs))) as pool:
        dated = list(pool.map(age, keypairs))
    old, unknown = [], []
    for keypair, when, failure in dated:
        if failure is not None:
            unknown.append((keypair.name, failure))
        elif when is not None and older_than(when, days, now):
            old.append(keypair)
    return Aged(old, unknown)
