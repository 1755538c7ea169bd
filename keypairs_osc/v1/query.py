"""keypair list and keypair show."""

from __future__ import annotations

import argparse
import concurrent.futures
import os
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
from keypairs_osc import servers
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
                 'Key: the private key file saved here for it, if any')
        return parser

    def subject(self, parsed_args: argparse.Namespace) -> str:
        return 'key pairs'

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        if parsed_args.project and parsed_args.marker:
            raise exceptions.CommandError(
                '--project is not compatible with --marker')
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

        def fetch(user_id: str | None) -> tuple[str | None, list[Any]]:
            with errors.reported(f'key pairs of user {user_id}'
                                 if user_id else 'key pairs'):
                # A limit of 0 means no page size, as in core.
                return api.list_(compute, user_id=user_id,
                                 limit=parsed_args.limit or None,
                                 marker=parsed_args.marker,
                                 max_items=parsed_args.max_items,
                                 other_user=needs_user)

        if len(user_ids) > 1:
            workers = min(MAX_WORKERS, len(user_ids))
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                pages = list(pool.map(fetch, user_ids))
        else:
            pages = [fetch(u) for u in user_ids]
        rows = [(user_id, keypair)
                for user_id, (_, page) in zip(user_ids, pages, strict=True)
                for keypair in page]
        # The microversion the answers came at decides core's Type column.
        version = (pages[0][0] if pages
                   else microversion.first_choice(compute))

        columns: tuple[str, ...] = ('Name', 'Fingerprint')
        if microversion.supports(version, microversion.KEY_TYPE):
            columns += ('Type',)
        if parsed_args.long:
            columns += LONG_COLUMNS
            own_id = common.own_user_id(self.app)
            cloud = common.cloud_id(self.app)
            local: dict[str | None, dict[str, record.Entry]] = {}
        data = []
        for user_id, keypair in rows:
            row = [keypair.name, keypair.fingerprint]
            if 'Type' in columns:
                row.append(keypair.type)
            if parsed_args.long:
                details = common.key_details(keypair)
                owner = keypair.user_id or user_id or own_id
                if owner not in local:
                    local[owner] = record.all_entries(cloud, owner)
                entry = local[owner].get(keypair.name)
                row += [details['fingerprint_sha256'], details['algorithm'],
                        details['bits'], owner,
                        _local_key(entry, details['fingerprint_sha256'])]
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
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        common.precheck_name(parsed_args.name)
        user_id = common.resolve_user_id(self.app, parsed_args)
        compute = self.app.client_manager.compute
        keypair = api.get(compute, parsed_args.name, user_id=user_id)
        if parsed_args.public_key:
            self.print_alone(keypair.public_key)
            return (), ()
        display, values = common.show_columns(keypair, 'public_key')
        fields = dict(zip(display, values, strict=True))
        fields.update(common.key_details(keypair))
        usage = servers.usage(compute, [keypair.name], keypair.user_id,
                              all_projects=bool(parsed_args.user))
        fields['servers'] = (f'unknown: {usage.unknown}' if usage.unknown
                             else format_columns.ListColumn(
                                 [str(s) for s in usage.of(keypair.name)]))
        ordered = sorted(fields)
        return tuple(ordered), tuple(fields[f] for f in ordered)
