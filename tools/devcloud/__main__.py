"""devcloud: a real Keystone and real Nova APIs on 127.0.0.1, for tests.

Installs pinned keystone and nova releases into ``.devcloud/venv`` inside the
checkout, configures both with SQLite, bootstraps Keystone (admin, a
``service`` project with the nova user, a ``demo`` project with two member
users), registers the compute endpoints and serves both under gunicorn: a
Nova API per region (two by default, RegionOne and RegionTwo), each with its
own databases.

Usage::

    python3 tools/devcloud.py up       # idempotent: reuses what exists
    python3 tools/devcloud.py up --regions 3   # RegionOne to RegionThree
    python3 tools/devcloud.py status
    python3 tools/devcloud.py env      # export OS_CLIENT_CONFIG_FILE=...
    python3 tools/devcloud.py down     # stops exactly what ``up`` started

``--compute`` (``up --compute``, ``status --compute``, ...) works on the
optional compute tier instead: a second, separate cloud in
``.devcloud/compute/`` that boots servers (compute_tier.py says more).
Plain ``down``, ``reset`` and ``status`` cover both tiers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import compute_tier, keypair_tier
from .common import DevcloudError, say, tail


def cmd_up(args: argparse.Namespace) -> int:
    if args.compute:
        if args.regions:
            raise DevcloudError('--regions is for the keypair tier, not '
                                'the compute tier')
        return compute_tier.up()
    return keypair_tier.up(args.regions)


def cmd_down(args: argparse.Namespace) -> int:
    if not args.compute:
        stopped = keypair_tier.down()
        say(f'stopped {", ".join(stopped)}' if stopped
            else 'nothing was running')
    if args.compute or compute_tier.exists():
        stopped = compute_tier.down()
        if stopped or args.compute:
            say(f'compute tier: stopped {", ".join(stopped)}' if stopped
                else 'compute tier: nothing was running')
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Stop the cloud and forget its data; the installed venv is kept."""
    if args.compute:
        compute_tier.reset()
        say('compute tier stopped and wiped; "up --compute" starts a '
            'fresh one')
        return 0
    keypair_tier.reset()
    if compute_tier.exists():
        compute_tier.reset()
    say('stopped and wiped; "up" starts a fresh cloud')
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    if args.compute:
        return compute_tier.status()
    rc = keypair_tier.status()
    if compute_tier.exists():
        compute_tier.status()  # shown; the exit code is the keypair tier's
    return rc


def cmd_env(args: argparse.Namespace) -> int:
    return compute_tier.env() if args.compute else keypair_tier.env()


def cmd_clouds(args: argparse.Namespace) -> int:
    """Write a clouds.yaml for the running devcloud (mode 0600)."""
    keypair_tier.write_clouds(
        Path(args.output), 'devstack' if args.devstack_names else 'devcloud')
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='devcloud', description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    for name, func, helptext in (
            ('up', cmd_up, 'install if needed, start, print the env'),
            ('down', cmd_down, 'stop the servers this tool started'),
            ('reset', cmd_reset, 'stop and wipe the data (keeps the venv)'),
            ('status', cmd_status, 'show what runs (exit 3 if stopped)'),
            ('env', cmd_env, 'print the shell export to use the cloud')):
        p = sub.add_parser(name, help=helptext)
        p.add_argument(
            '--compute', action='store_true',
            help='the compute tier only: a separate cloud in '
                 '.devcloud/compute/ that boots servers (MariaDB, RabbitMQ, '
                 'Placement, Glance, Neutron, all of Nova)')
        p.set_defaults(func=func)
        if name == 'up':
            p.add_argument(
                '--regions', type=int, metavar='<count>',
                help='how many regions the keypair tier serves, each a Nova '
                     'API of its own in the one Keystone (RegionOne, '
                     'RegionTwo, ...; 1 to '
                     f'{keypair_tier.MAX_REGIONS}); default: as many as it '
                     f'serves now, {keypair_tier.DEFAULT_REGIONS} for a new '
                     'cloud')
    p = sub.add_parser('clouds', help='write a clouds.yaml for the cloud')
    p.add_argument('--output', required=True, metavar='<file>',
                   help='where to write it (mode 0600)')
    p.add_argument('--devstack-names', action='store_true',
                   help='name the clouds as DevStack does: devstack, '
                        'devstack-admin, devstack-alt')
    p.set_defaults(func=cmd_clouds)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DevcloudError as exc:
        say(f'error: {exc}')
        if exc.log is not None:
            print(f'--- last lines of {exc.log} ---', file=sys.stderr)
            print(tail(exc.log), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        say('interrupted')
        return 130


if __name__ == '__main__':
    sys.exit(main())
