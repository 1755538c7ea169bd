"""keypair delete."""

from __future__ import annotations

import argparse
import concurrent.futures
import logging

from osc_lib import exceptions

from keypairs_osc import api
from keypairs_osc import errors
from keypairs_osc.v1 import common

LOG = logging.getLogger(__name__)
#: Deletes in flight at once: fast over a WAN, gentle on the API.
MAX_WORKERS = 8


class DeleteKeypair(common.Command):
    """Delete key pairs, several at a time; go on past failures."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<key>', nargs='+',
                            help='Name of key pair(s) to delete (name only)')
        parser.add_argument(
            '--ignore-missing', action='store_true',
            help='Count a key pair that does not exist as deleted')
        parser.add_argument(
            '--if-unused', action='store_true',
            help='Skip key pairs that servers were booted with (and say '
                 'which); without it they are deleted with a warning')
        common.add_user_options(parser, 'The owner of the key pairs')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        # An invalid name is that name's failure: the others still go.
        invalid: dict[str, str] = {}
        for name in parsed_args.name:
            try:
                common.precheck_name(name)
            except exceptions.CommandError as exc:
                invalid[name] = str(exc)
        valid = [n for n in dict.fromkeys(parsed_args.name)
                 if n not in invalid]
        compute = self.app.client_manager.compute
        user_id = common.resolve_user_id(self.app, parsed_args)
        # Authenticate once, before the deletes run in parallel.
        with errors.reported('key pairs'):
            compute.get_endpoint()
        owner = user_id or common.own_user_id(self.app)
        in_use: dict[str, list] = {}
        skipped: dict[str, list] = {}
        known = (common.servers_of(self.app, valid, owner,
                                   all_projects=bool(user_id))
                 if valid else {})

        if isinstance(known, str) and not parsed_args.if_unused:
            LOG.warning('Deleting without knowing whether servers use the '
                        'key pairs: the cloud cannot tell (%s)', known)

        def delete(name: str) -> str | None:
            if name in invalid:
                return invalid[name]
            if isinstance(known, str):  # the cloud cannot tell
                if parsed_args.if_unused:
                    return (f"key pair '{name}': not deleted: cannot tell "
                            f'whether servers use it ({known})')
                users = []
            else:
                users = known.get(name, [])
            if users and parsed_args.if_unused:
                skipped[name] = users
                return None
            try:
                with errors.reported():
                    api.delete(compute, name, user_id=user_id)
            except exceptions.CommandError as exc:
                if (parsed_args.ignore_missing
                        and errors.is_not_found(exc.__cause__)):
                    return None
                if errors.is_ambiguous(exc.__cause__) and gone(name):
                    return None  # it took effect; only the answer was lost
                return str(exc)
            if users:
                in_use[name] = users
            return None

        def gone(name: str) -> bool:
            """Whether a key pair whose delete failed ambiguously is gone."""
            try:
                api.get(compute, name, user_id=user_id)
            except errors.REPORTED as exc:
                return errors.is_not_found(exc)
            return False

        names = parsed_args.name
        workers = min(MAX_WORKERS, len(names))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            failures = list(pool.map(delete, names))
        for name in names:
            if name in skipped:
                LOG.warning("Skipped key pair '%s': servers use it: %s",
                            name, ', '.join(map(str, skipped[name])))
            elif name in in_use:
                LOG.warning("Deleted key pair '%s', which servers still "
                            "use: %s (they keep the public key; keep the "
                            "private key to log in)", name,
                            ', '.join(map(str, in_use[name])))
        for name, failure in zip(names, failures, strict=True):
            if failure:
                LOG.error("Failed to delete key with name '%s': %s",
                          name, failure)
        failed = sum(1 for f in failures if f)
        if failed:
            raise exceptions.CommandError(
                f'{failed} of {len(names)} keys failed to delete.')
