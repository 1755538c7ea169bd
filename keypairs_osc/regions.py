"""The compute service's regions, and one request to each at once.

A key pair lives in one region's Nova. ``--region`` and ``--all-regions``
name the regions of the compute service in the catalog of the token the
command already holds; each region gets its own SDK compute proxy, through
a connection that shares the command's keystoneauth session (so the token
is got once and used for every region) and its settings (interface,
timeouts, a pinned microversion), as the SDK's own
``Connection.global_request`` clones one. The region the command runs in
anyway (``--os-region-name`` or clouds.yaml) keeps the very proxy core
commands use.

:func:`each` runs one request per region in a small thread pool, so that N
regions take about the time of one; a region that fails is an
:class:`Outcome` with its failure, never an exception that hides the
others' answers.
"""

from __future__ import annotations

import concurrent.futures
import copy
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from openstack import connection as sdk_connection
from openstack.config import cloud_region
from osc_lib import exceptions as osc_exceptions

from keypairs_osc import errors
from keypairs_osc import problem

T = TypeVar('T')
#: Regions asked at once; more wait for a free worker.
MAX_WORKERS = 8
SERVICE_TYPE = 'compute'


class UnknownRegion(problem.Problem):
    """A region the compute service does not have in the catalog."""


class NoRegions(problem.Problem):
    """The catalog names no region for the compute service."""


@dataclasses.dataclass(frozen=True)
class Region:
    """One region of the compute service and the proxy that reaches it."""

    name: str
    compute: Any


@dataclasses.dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one region answered, or why it did not."""

    region: Region
    value: T | None = None
    failure: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def catalog_regions(auth_ref: Any, interface: str | None) -> list[str]:
    """The compute service's regions in the token's catalog, in its order.

    Only endpoints of the interface the command uses count (a region whose
    compute service has only an internal endpoint is not reachable here).
    """
    catalog = getattr(auth_ref, 'service_catalog', None)
    if catalog is None:
        return []
    found = catalog.get_endpoints(service_type=SERVICE_TYPE,
                                  interface=interface or 'public')
    names: list[str] = []
    for endpoint in found.get(SERVICE_TYPE, []):
        name = endpoint.get('region_id') or endpoint.get('region')
        if name and name not in names:
            names.append(name)
    return names


def choose(known: Sequence[str], asked: Sequence[str] | None,
           all_regions: bool, current: str | None) -> list[str]:
    """The regions a command runs in, in the order shown.

    ``--region`` names in the order given (each once); ``--all-regions``
    the current region first, then the others by name. A name the catalog
    does not have is one line that lists those it has.
    """
    if not known:
        raise NoRegions('the catalog names no region for the compute '
                        'service')
    listing = ', '.join(sorted(known))
    if all_regions:
        rest = sorted(r for r in known if r != current)
        return ([current] if current in known else []) + rest
    chosen: list[str] = []
    for name in asked or []:
        if name not in known:
            raise UnknownRegion(f'unknown region {name!r}: the compute '
                                f'service is in {listing}')
        if name not in chosen:
            chosen.append(name)
    return chosen


def connection_in(conn: Any, region: str) -> Any:
    """``conn`` in ``region``, on the same session and settings.

    The clone is made as ``Connection.global_request`` makes one: the same
    session (token, discovery cache), a copy of the settings with another
    region.
    """
    params = copy.deepcopy(conn.config.config)
    params['region_name'] = region
    config = cloud_region.from_session(
        session=conn.session, app_name=conn.config._app_name,
        app_version=conn.config._app_version,
        discovery_cache=conn.session._discovery_cache, **params)
    config._name = conn.name
    return sdk_connection.Connection(config=config)


def compute_in(conn: Any, region: str) -> Any:
    """The compute proxy of ``region``, on ``conn``'s session."""
    return connection_in(conn, region).compute


def current_region(conn: Any) -> str | None:
    """The region the command runs in without region options."""
    return conn.config.get_region_name(SERVICE_TYPE) or None


def for_names(conn: Any, default_compute: Any, auth_ref: Any,
              asked: Sequence[str] | None,
              all_regions: bool) -> list[Region]:
    """The regions asked, each with its proxy (the current one's reused)."""
    current = current_region(conn)
    known = catalog_regions(auth_ref, conn.config.get_interface(SERVICE_TYPE))
    names = choose(known, asked, all_regions, current)
    return [Region(name, default_compute if name == current
                   else compute_in(conn, name)) for name in names]


def each(regions: Sequence[Region],
         request: Callable[[Region], T]) -> list[Outcome[T]]:
    """``request(region)`` in every region at once; an outcome each, in
    order. A failure the commands report is kept as that region's outcome.
    """
    def one(region: Region) -> Outcome[T]:
        try:
            return Outcome(region, value=request(region))
        except (*errors.REPORTED, osc_exceptions.CommandError) as exc:
            return Outcome(region, failure=exc)

    if len(regions) == 1:
        return [one(regions[0])]
    with concurrent.futures.ThreadPoolExecutor(
            min(MAX_WORKERS, len(regions))) as pool:
        return list(pool.map(one, regions))


def failure_line(outcome: Outcome[Any], subject: str | None = None) -> str:
    """``'region <name>: <subject>: <cause>'``, the one line of a failure."""
    assert outcome.failure is not None
    if isinstance(outcome.failure, osc_exceptions.CommandError):
        text = str(outcome.failure)  # already one line with its subject
    else:
        text = errors.one_line(outcome.failure, subject)
    return f'region {outcome.region.name}: {text}'

