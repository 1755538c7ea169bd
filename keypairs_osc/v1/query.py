"""keypair list and keypair show."""

from __future__ import annotations

import argparse
import concurrent.futures
import os
from collections.abc import Sequence
from typing import Any

from openstack import utils as sdk_utils
from openstackclient.identity import common as identity_common
from osc_lib.cli import format_columns
from osc_lib.cli import parseractions
from osc_lib import exceptions

from keypairs_osc import api
from keypairs_osc import errors
from keypairs_osc import microversion
from keypairs_osc import record
from keypairs_osc import regions
from keypairs_osc import servers
from keypairs_osc import unused
from keypairs_osc.v1 import common

LONG_COLUMNS = ('Fingerprint (SHA256)', 'Algorithm', 'Bits', 'User ID',
                'Local Key')
#: Parallel requests when listing for every user of a project.
MAX_WORKERS = 8


def _local_key(entry: record.Entry | None,
               fingerprint: str | None) -> str | None:
    """The recorded private key, if it still exists and is this key's."""
    if (entry is None or entry.fingerprint_sha256 != fingerprint
            or not os.path.isfile(entry.path)):
        return None
    return entry.path


def region_drift(found: list[tuple[str | None, str, str, str | None]],
                 asked: list[str]) -> dict[tuple[str | None, str], str]:
    """What differs between regions, by (owner, name) of a key pair.

    ``found``: (owner, name, region, fingerprint) of each key pair listed;
    ``asked``: the regions that answered. A name whose fingerprint is not
    the same everywhere, or that some of them lack, has a note; the others
    have none.
    """
    seen: dict[tuple[str | None, str], dict[str, str | None]] = {}
    for owner, name, region, fingerprint in found:
        seen.setdefault((owner, name), {})[region] = fingerprint
    notes = {}
    for key, by_region in seen.items():
        parts = []
        if len(set(by_region.values())) > 1:
            parts.append('fingerprint differs')
        missing = [r for r in asked if r not in by_region]
        if missing:
            parts.append(f'missing in {", ".join(missing)}')
        notes[key] = '; '.join(parts)
    return notes


class ListKeypair(common.Lister):
    """List key pairs: yours, another user's, or a project's (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        user_group = parser.add_mutually_exclusive_group()
        user_group.add_argument(
            '--user', metavar='<user>',
            help='Show key pairs of another user (admin only) (name or ID)')
        identity_common.add_user_domain_option_to_parser(parser)
        user_group.add_argument(
            '--project', metavar='<project>',
            help='Show key pairs of every user with a role in the project '
                 '(admin only) (name or ID)')
        identity_common.add_project_domain_option_to_parser(parser)
        # Core's names and checks, with help that says what Nova does.
        parser.add_argument(
            '--limit', metavar='<limit>', type=int,
            action=parseractions.NonNegativeAction,
            help='Key pairs per request (the page size; 0: the cloud\'s); '
                 'every page is fetched, so this does not cap the total: '
                 f'see --max-items. Needs compute API microversion '
                 f'{microversion.PAGING}')
        parser.add_argument(
            '--marker', metavar='<marker>',
            help='List only the key pairs whose names sort after this one '
                 '(the last name of the previous page). Needs compute API '
                 f'microversion {microversion.PAGING}')
        parser.add_argument(
            '--max-items', metavar='<max-items>', type=int,
            action=parseractions.NonNegativeAction,
            help='Show at most this many key pairs in all, fetching pages '
                 'as needed')
        parser.add_argument(
            '--long', action='store_true',
            help='Also show the SHA256 fingerprint (as ssh-keygen -l), the '
                 'algorithm, the size in bits, the user ID, and the Local '
                 'Key: the private key file saved here for it, if any; with '
                 '--region or --all-regions, the Drift: whether the key '
                 'pair differs between the regions, or is missing in some')
        parser.add_argument(
            '--unused', action='store_true',
            help='Only key pairs that no server of yours in this project '
                 'was booted with (with --user, no server of that user in '
                 'any project): one listing of the servers for them all')
        common.add_region_options(parser, 'List key pairs')
        return parser

    def subject(self, parsed_args: argparse.Namespace) -> str:
        return 'key pairs'

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        if parsed_args.project and parsed_args.marker:
            raise exceptions.CommandError(
                '--project is not compatible with --marker')
        if parsed_args.project and parsed_args.unused:
            raise exceptions.CommandError(
                '--project is not compatible with --unused: give one user '
                'with --user')
        chosen = common.chosen_regions(self.app, parsed_args)
        compute = self.app.client_manager.compute
        user_ids: list[str | None]
        if parsed_args.project:
            user_ids = sorted(self._project_user_ids(parsed_args))
            needs_user = True
        elif parsed_args.user:
            user_ids = [common.resolve_user_id(self.app, parsed_args)]
            needs_user = True
        else:
            user_ids = [None]
            needs_user = False

        if chosen is None:
            pages = self._pages(parsed_args, compute, user_ids, needs_user)
            rows = [(None, user_id, keypair)
                    for user_id, (_, page) in zip(user_ids, pages,
                                                  strict=True)
                    for keypair in page]
            version = (pages[0][0] if pages
                       else microversion.first_choice(compute))
            return self._table(parsed_args, rows, version, None)

        outcomes = regions.each(chosen, lambda region: self._pages(
            parsed_args, region.compute, user_ids, needs_user))
        answered = common.settle(self, outcomes, 'key pairs')
        rows = [(outcome.region, user_id, keypair)
                for outcome in answered
                for user_id, (_, page) in zip(user_ids, outcome.value,
                                              strict=True)
                for keypair in page]
        first = answered[0]
        version = (first.value[0][0] if first.value
                   else microversion.first_choice(first.region.compute))
        return self._table(parsed_args, rows, version,
                           [o.region.name for o in answered])

    def _pages(self, parsed_args: argparse.Namespace, compute: Any,
               user_ids: list[str | None], needs_user: bool
               ) -> list[tuple[str | None, list[Any]]]:
        """(microversion, key pairs) of each user, in one region.

        With --unused, only those no server uses, up to --max-items.
        """
        def fetch(user_id: str | None) -> tuple[str | None, list[Any]]:
            with errors.reported(f'key pairs of user {user_id}'
                                 if user_id else 'key pairs'):
                # A limit of 0 means no page size, as in core.
                version, found = api.list_(
                    compute, user_id=user_id,
                    limit=parsed_args.limit or None,
                    marker=parsed_args.marker,
                    max_items=(None if parsed_args.unused
                               else parsed_args.max_items),
                    other_user=needs_user)
            if parsed_args.unused and found:
                found = unused.not_in(found, unused.names_in_use(
                    compute, user_id or common.own_user_id(self.app),
                    all_projects=bool(user_id)))[:parsed_args.max_items]
            return version, found

        if len(user_ids) > 1:
            workers = min(MAX_WORKERS, len(user_ids))
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                return list(pool.map(fetch, user_ids))
        return [fetch(u) for u in user_ids]

    def _table(self, parsed_args: argparse.Namespace,
               rows: list[tuple[Any, str | None, Any]],
               version: str | None,
               asked: list[str] | None) -> tuple[tuple[str, ...], list]:
        """Core's columns, and ours: ``asked`` are the regions that
        answered (None: no region options, no Region column)."""
        columns: tuple[str, ...] = ('Name', 'Fingerprint')
        if asked is not None:
            columns = ('Region',) + columns
        if microversion.supports(version, microversion.KEY_TYPE):
            columns += ('Type',)
        if parsed_args.long:
            columns += LONG_COLUMNS
            own_id = common.own_user_id(self.app)
            local: dict[tuple[str, str | None], dict[str, record.Entry]] = {}
            clouds: dict[str | None, str] = {}
            if asked is not None:
                columns += ('Drift',)
                drift = region_drift(
                    [(keypair.user_id or user_id or own_id, keypair.name,
                      region.name, keypair.fingerprint)
                     for region, user_id, keypair in rows], asked)
        data = []
        for region, user_id, keypair in rows:
            row = [keypair.name, keypair.fingerprint]
            if region is not None:
                row.insert(0, region.name)
            if 'Type' in columns:
                row.append(keypair.type)
            if parsed_args.long:
                details = common.key_details(keypair)
                owner = keypair.user_id or user_id or own_id
                where = region.name if region else None
                if where not in clouds:
                    clouds[where] = common.cloud_id(
                        self.app, region.compute if region else None)
                cloud = clouds[where]
                if (cloud, owner) not in local:
                    local[cloud, owner] = record.all_entries(cloud, owner)
                entry = local[cloud, owner].get(keypair.name)
                row += [details['fingerprint_sha256'], details['algorithm'],
                        details['bits'], owner,
                        _local_key(entry, details['fingerprint_sha256'])]
                if asked is not None:
                    row.append(drift.get((owner, keypair.name), ''))
            data.append(tuple(row))
        return columns, data

    def _project_user_ids(self, parsed_args: argparse.Namespace) -> set[str]:
        with errors.reported(f'project {parsed_args.project!r}'):
            identity = sdk_utils.ensure_service_version(
                self.app.client_manager.sdk_connection.identity, '3')
            project = identity_common.find_project_id_sdk(
                identity, parsed_args.project, parsed_args.project_domain)
            return {a.user['id'] for a in
                    identity.role_assignments(scope_project_id=project)
                    if a.user}



class ShowKeypair(common.ShowOne):
    """Show a key pair, with the fingerprint ssh-keygen prints."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<key>',
                            help='Key pair to display (name only)')
        parser.add_argument(
            '--public-key', action='store_true', default=False,
            help='Show only the bare public key')
        common.add_user_options(parser, 'The owner of the key pair')
        common.add_region_options(parser, 'Show the key pair (an entry per '
                                          'region)')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        common.precheck_name(parsed_args.name)
        chosen = common.chosen_regions(self.app, parsed_args)
        if chosen is not None:
            if parsed_args.formatter == 'shell' and len(chosen) > 1:
                raise exceptions.CommandError(
                    '-f shell shows one key pair: with several regions use '
                    '-f json or -f yaml (a list), or one --region')
            if parsed_args.public_key:
                raise exceptions.CommandError(
                    '--public-key prints one key: leave out --region and '
                    '--all-regions, or give one --region with -f value -c '
                    'public_key')
        user_id = common.resolve_user_id(self.app, parsed_args)
        if chosen is not None:
            return self._in_regions(chosen, parsed_args, user_id)
        compute = self.app.client_manager.compute
        keypair = api.get(compute, parsed_args.name, user_id=user_id)
        if parsed_args.public_key:
            self.print_alone(keypair.public_key)
            return (), ()
        return self._fields(compute, keypair, parsed_args)

    def _in_regions(self, chosen: list[regions.Region],
                    parsed_args: argparse.Namespace,
                    user_id: str | None) -> Any:
        """A block of fields per region that answered; ``region`` first."""
        def one(region: regions.Region) -> tuple[tuple, tuple]:
            keypair = api.get(region.compute, parsed_args.name,
                              user_id=user_id)
            display, values = self._fields(region.compute, keypair,
                                           parsed_args)
            return ('region', *display), (region.name, *values)

        answered = common.settle(self, regions.each(chosen, one),
                                 common.keypair_subject(parsed_args.name))
        self._blocks = [o.value for o in answered]
        return self._blocks[0]

    _blocks: list[tuple[tuple, tuple]] | None = None

    def produce_output(self, parsed_args: argparse.Namespace,
                       column_names: Sequence[str],
                       data: Sequence[Any]) -> int:
        """One entry per region: json and yaml a list, others a block each.
        """
        if not self._blocks:
            return super().produce_output(parsed_args, column_names, data)
        if parsed_args.formatter in ('json', 'yaml'):
            columns, selector = self._generate_columns_and_selector(
                parsed_args, column_names)
            rows = [list(self._compress_iterable(values, selector))
                    if selector else list(values)
                    for _, values in self._blocks]
            self.formatter.emit_list(columns, rows, self.app.stdout,
                                     parsed_args)
            return 0
        for index, (display, values) in enumerate(self._blocks):
            if index:
                self.app.stdout.write('\n')
            super().produce_output(parsed_args, display, values)
        return 0

    def _fields(self, compute: Any, keypair: Any,
                parsed_args: argparse.Namespace) -> tuple[tuple, tuple]:
        """Core's fields, the key's details, and the servers using it."""
        display, values = common.show_columns(keypair, 'public_key')
        fields = dict(zip(display, values, strict=True))
        fields.update(common.key_details(keypair))
        usage = servers.usage(compute, [keypair.name], keypair.user_id,
                              all_projects=bool(parsed_args.user))
        fields['servers'] = (f'unknown: {usage.unknown}' if usage.unknown
                             else format_columns.ListColumn(
                                 [str(s) for s in usage.of(keypair.name)]))
        fields['rotated'] = format_columns.ListColumn(_rotated(
            common.cloud_id(self.app, compute),
            keypair.user_id or common.own_user_id(self.app), keypair.name))
        ordered = sorted(fields)
        return tuple(ordered), tuple(fields[f] for f in ordered)


def _rotated(cloud: str, user_id: str | None, name: str) -> list[str]:
    """The servers "keypair rotate" moved to or from the key pair.

    From the local record: Nova still names the key pair a server was
    booted with.
    """
    return [f'{servers.ServerRef(r.server_id, r.server_name)} '
            + (f'to {r.to_name}' if r.from_name == name
               else f'from {r.from_name}')
            for r in record.rotations(cloud, user_id, name)]
