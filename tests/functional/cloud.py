"""The cloud a functional run targets, and what the run made there.

A run (``python -m tests.functional.run``, which ``tox -e functional``
calls) targets either the devcloud or any cloud named by ``OS_CLOUD``, with
``OS_ADMIN_CLOUD`` for what needs an admin, as python-openstackclient's own
functional tests do. It writes a clouds.yaml of its own whose clouds are
named by their role: ``user`` (the cloud under test), ``admin`` and ``alt``
(a second member of the user's project, made by the run). Every resource
the run makes carries the run's prefix, and every user and project a test
makes is noted in the run's ledger, so the run can remove exactly what it
made and prove that the cloud is left as it was found.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

import openstack
from openstack.compute.v2 import keypair as sdk_keypair

from keypairs_osc import regions

#: The environment variable naming the run's ``run.json``.
RUN_FILE = 'KEYPAIRS_FUNCTIONAL_RUN'
#: Every name a run makes starts with its prefix: "kpf" and six hex digits.
RUN_PREFIX = re.compile(r'kpf[0-9a-f]{6}')


def new_prefix() -> str:
    return f'kpf{secrets.token_hex(3)}'
USER, ALT, ADMIN = 'user', 'alt', 'admin'
#: Per-user key pair requests need this microversion (``user_id``).
OTHER_USER_VERSION = '2.10'


@dataclasses.dataclass
class Target:
    """What a run targets; written by the runner, read by every test."""

    prefix: str
    clouds_yaml: str
    #: The cloud names (roles) this cloud offers, of USER, ALT, ADMIN.
    roles: list[str]
    #: Why a role is missing, for the skip message.
    missing: dict[str, str]
    user_name: str
    user_id: str
    project_name: str
    project_id: str
    alt_user_name: str | None
    alt_user_id: str | None
    devcloud: bool
    run_dir: str

    @property
    def ledger(self) -> Path:
        return Path(self.run_dir) / 'ledger.jsonl'

    @property
    def snapshot_file(self) -> Path:
        return Path(self.run_dir) / 'before.json'

    def save(self) -> Path:
        path = Path(self.run_dir) / 'run.json'
        path.write_text(json.dumps(dataclasses.asdict(self), indent=2))
        return path

    @classmethod
    def load(cls) -> Target:
        path = os.environ.get(RUN_FILE)
        if not path:
            raise RuntimeError(
                f'{RUN_FILE} is not set: run the functional tests with '
                '"tox -e functional" (or python -m tests.functional.run)')
        return cls(**json.loads(Path(path).read_text()))

    def note(self, user_id: str, project_id: str) -> None:
        """Ledger a user and project a test made, for the final sweep."""
        line = json.dumps({'user_id': user_id, 'project_id': project_id})
        fd = os.open(self.ledger, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                     0o600)
        with os.fdopen(fd, 'a') as f:
            f.write(line + '\n')

    def noted(self) -> list[dict[str, str]]:
        try:
            text = self.ledger.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line]


#: How often the suite's own requests try again after a connection failure.
#: A web server closes a keep-alive connection that has been idle a while
#: (gunicorn after 2 s, Apache after 5 s); a request sent on it as it
#: closes is reset, and a test that checks Nova between two commands leaves
#: it idle about that long.  openstacksdk 4.14 retried once on its own;
#: 4.22 does not.  The commands under test are never retried.
CONNECT_RETRIES = 3


def connect(clouds_yaml: str, cloud: str,
            region: str | None = None) -> openstack.connection.Connection:
    """A connection to ``cloud``; in ``region`` of its catalog if given."""
    config = openstack.config.OpenStackConfig(config_files=[clouds_yaml],
                                              load_envvars=False)
    conn = openstack.connection.Connection(
        config=config.get_one(cloud=cloud, connect_retries=CONNECT_RETRIES))
    return conn if region is None else in_region(conn, region)


def compute_regions(conn: openstack.connection.Connection) -> list[str]:
    """The regions of the compute service in ``conn``'s catalog, its own
    region first, then the others by name."""
    access = conn.session.auth.get_access(conn.session)
    found = access.service_catalog.get_endpoints(
        service_type='compute', interface=conn.config.get_interface())
    names = {e.get('region_id') or e.get('region')
             for e in found.get('compute', [])} - {None}
    own = conn.config.region_name
    return ([own] if own in names else []) + sorted(names - {own})


def in_region(conn: openstack.connection.Connection,
              region: str) -> openstack.connection.Connection:
    """``conn`` in another region of its catalog, on the same session.

    clouds.yaml names one region (openstacksdk refuses another by name):
    the clone is made as ``Connection.global_request`` makes one.
    """
    if region == conn.config.region_name:
        return conn
    return regions.connection_in(conn, region)


def every_region(conn: openstack.connection.Connection
                 ) -> dict[str, openstack.connection.Connection]:
    """``conn`` in each region of the compute service, by region."""
    return {region: in_region(conn, region)
            for region in compute_regions(conn)}


def user_keypairs(admin: openstack.connection.Connection,
                  user_id: str) -> list[sdk_keypair.Keypair]:
    """Every key pair of ``user_id``, as an admin sees them."""
    return list(sdk_keypair.Keypair.list(
        admin.compute, user_id=user_id, microversion=OTHER_USER_VERSION))


def delete_user_keypair(admin: openstack.connection.Connection,
                        user_id: str, name: str) -> None:
    sdk_keypair.Keypair.new(name=name).delete(
        admin.compute, params={'user_id': user_id},
        microversion=OTHER_USER_VERSION)


def remove_user(admin: openstack.connection.Connection, user_id: str,
                project_id: str | None = None) -> None:
    """Delete a user the run made, with its key pairs (and its project).

    Keystone does not tell Nova when a user goes: key pairs left behind
    would stay in Nova for good, so they go first, in every region, and so
    do the project's quotas.
    """
    regions = every_region(admin)
    for in_region_ in regions.values():
        for keypair in user_keypairs(in_region_, user_id):
            delete_user_keypair(in_region_, user_id, keypair.name)
    admin.identity.delete_user(user_id, ignore_missing=True)
    if project_id and admin.identity.find_project(project_id):
        admin.delete_compute_quotas(project_id)
        for in_region_ in regions.values():
            if in_region_ is not admin:
                # Keystone may be in one region only: compute's own call.
                in_region_.compute.revert_quota_set(project_id)
        admin.identity.delete_project(project_id, ignore_missing=True)


def snapshot(target: Target, servers: bool = False) -> dict[str, Any]:
    """What the run must leave as it found it.

    The key pairs of the cloud's own users, the users and projects (with an
    admin) and, for a run that boots servers, the user's servers.
    """
    conns = {role: connect(target.clouds_yaml, role)
             for role in (USER, ADMIN) if role in target.roles}

    def mine(name: str) -> bool:
        # Another functional run on the same cloud makes and removes its
        # own names meanwhile; that run checks them, this one must not.
        return (name.startswith(target.prefix)
                or not RUN_PREFIX.match(name))

    state: dict[str, Any] = {}
    for role, conn in conns.items():
        for region, in_region_ in every_region(conn).items():
            # The default region's name is as it was before regions came.
            where = ('' if region == conn.config.region_name
                     else f' in {region}')
            state[f'keypairs of {role}{where}'] = sorted(
                [k.name, k.fingerprint]
                for k in in_region_.compute.keypairs() if mine(k.name))
    if servers:
        state['servers of user'] = sorted(
            [s.id, s.name] for s in conns[USER].compute.servers()
            if mine(s.name))
    if ADMIN in conns:
        identity = conns[ADMIN].identity
        state['users'] = sorted([u.id, u.name] for u in identity.users()
                                if mine(u.name))
        state['projects'] = sorted(
            [p.id, p.name] for p in identity.projects() if mine(p.name))
    return state
