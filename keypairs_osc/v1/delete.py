"""keypair delete."""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import logging
from typing import Any

from osc_lib import exceptions

from keypairs_osc import api
from keypairs_osc import errors
from keypairs_osc import names as names_
from keypairs_osc import regions
from keypairs_osc import servers
from keypairs_osc import unused
from keypairs_osc.v1 import common

LOG = logging.getLogger(__name__)
#: Deletes in flight at once: fast over a WAN, gentle on the API.
MAX_WORKERS = 8


def _name_problem(name: str) -> names_.InvalidName | None:
    """Why ``name`` cannot be deleted, before anything is sent."""
    try:
        common.precheck_name(name)
    except names_.InvalidName as exc:
        return exc
    return None


class DeleteKeypair(common.Command):
    """Delete key pairs, several at a time; go on past failures."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument('name', metavar='<key>', nargs='*', default=[],
                           help='Name of key pair(s) to delete (name only); '
                                'or --unused instead')
        which.add_argument(
            '--unused', action='store_true',
            help='Instead of names: delete every key pair of yours that no '
                 'server of yours in this project was booted with (with '
                 '--user, no server of that user in any project); the '
                 'servers are listed once, right before the deletes')
        parser.add_argument(
            '--older-than', metavar='<days>',
            help='With --unused: only key pairs made more than this many '
                 'days ago (a number, 0 or more; one request per key pair '
                 'to learn its age: Nova does not list it)')
        parser.add_argument(
            '--name-prefix', metavar='<prefix>',
            help='With --unused: only key pairs whose names start with this')
        parser.add_argument(
            '--dry-run', action='store_true',
            help='With --unused: print which key pairs would be deleted, '
                 'and delete nothing')
        parser.add_argument(
            '--ignore-missing', action='store_true',
            help='Count a key pair that does not exist as deleted')
        parser.add_argument(
            '--if-unused', action='store_true',
            help='Skip key pairs that servers were booted with (and say '
                 'which); without it they are deleted with a warning')
        common.add_user_options(parser, 'The owner of the key pairs')
        common.add_region_options(
            parser, 'Delete them (the count of failures is per key pair '
                    'and region)')
        return parser

    def subject(self, parsed_args: argparse.Namespace) -> str:
        return 'key pairs'

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        if parsed_args.unused:
            return self._delete_unused(parsed_args)
        for option in ('older_than', 'name_prefix', 'dry_run'):
            if getattr(parsed_args, option) not in (None, False):
                raise exceptions.CommandError(
                    f'--{option.replace("_", "-")} goes with --unused, not '
                    'with names')
        names = parsed_args.name
        # An invalid name is that name's failure: the others still go.
        invalid = {name: why for name in names
                   if (why := _name_problem(name)) is not None}
        chosen = common.chosen_regions(self.app, parsed_args)
        compute = self.app.client_manager.compute
        user_id = common.resolve_user_id(self.app, parsed_args)
        compute.get_endpoint()  # log in once, before the parallel deletes
        if chosen is None:
            outcomes = self._delete_in(compute, names, invalid, user_id,
                                       parsed_args)
            failed = [o for o in outcomes if o is not None and o.failure]
            for outcome in failed:
                LOG.error("Failed to delete key with name '%s': %s",
                          outcome.name, errors.explain(outcome.failure))
        else:
            by_region = regions.each(chosen, lambda region: self._delete_in(
                region.compute, names, invalid, user_id, parsed_args,
                region.name))
            failed = []
            for found in by_region:
                outcomes = found.value or [
                    api.Deleted(name, failure=found.failure)
                    for name in names]
                for outcome in outcomes:
                    if outcome is not None and outcome.failure:
                        failed.append(outcome)
                        LOG.error("Failed to delete key with name '%s' in "
                                  "region %s: %s", outcome.name,
                                  found.region.name,
                                  errors.explain(outcome.failure))
        total = len(names) * (len(chosen) if chosen is not None else 1)
        if failed:
            raise exceptions.CommandError(
                f'{len(failed)} of {total} keys failed to delete.')

    def _delete_in(self, compute: Any, names: list[str],
                   invalid: dict[str, names_.InvalidName],
                   user_id: str | None, parsed_args: argparse.Namespace,
                   region: str | None = None
                   ) -> list[api.Deleted | None]:
        """Delete ``names`` in one region; what came of each, in order."""
        where = f' in region {region}' if region else ''
        valid = [n for n in dict.fromkeys(names) if n not in invalid]
        usage = (servers.usage(compute, valid,
                               user_id or common.own_user_id(self.app),
                               all_projects=bool(user_id))
                 if valid else servers.Usage({}))
        if usage.unknown and not parsed_args.if_unused:
            LOG.warning('Deleting%s without knowing whether servers use the '
                        'key pairs: the cloud cannot tell (unknown: %s)',
                        where, usage.unknown)

        def delete(name: str) -> api.Deleted | None:
            """What came of deleting ``name``; None: skipped, as in use."""
            if name in invalid:
                return api.Deleted(name, failure=invalid[name])
            if usage.unknown and parsed_args.if_unused:
                return api.Deleted(name, failure=servers.CannotTell(
                    f"key pair '{name}': not deleted: cannot tell whether "
                    f'servers use it (unknown: {usage.unknown})'))
            if usage.of(name) and parsed_args.if_unused:
                return None
            return api.delete_confirmed(
                compute, name, user_id=user_id,
                ignore_missing=parsed_args.ignore_missing)

        with concurrent.futures.ThreadPoolExecutor(
                min(MAX_WORKERS, len(names))) as pool:
            outcomes = list(pool.map(delete, names))
        for name, outcome in zip(names, outcomes, strict=True):
            users = ', '.join(map(str, usage.of(name)))
            if outcome is None:
                LOG.warning("Skipped key pair '%s'%s: servers use it: %s",
                            name, where, users)
            elif users and outcome.answered:
                LOG.warning("Deleted key pair '%s'%s, which servers still "
                            "use: %s (they keep the public key; keep the "
                            "private key to log in)", name, where, users)
        return outcomes

    def _delete_unused(self, parsed_args: argparse.Namespace) -> None:
        """Delete the unused key pairs: per region, a line for each."""
        days = unused.parse_days(parsed_args.older_than)
        prefix = unused.parse_prefix(parsed_args.name_prefix)
        chosen = common.chosen_regions(self.app, parsed_args)
        compute = self.app.client_manager.compute
        user_id = common.resolve_user_id(self.app, parsed_args)
        compute.get_endpoint()  # log in once, before the parallel requests
        now = datetime.datetime.now(datetime.UTC)

        def retire(proxy: Any) -> list[api.Deleted]:
            return self._retire_in(proxy, user_id, prefix, days, now,
                                   parsed_args)

        if chosen is None:
            found = [(None, retire(compute))]
        else:
            answered = common.settle(
                self, regions.each(chosen, lambda r: retire(r.compute)),
                'key pairs')
            found = [(o.region.name, o.value) for o in answered]
        failed = total = 0
        for region, outcomes in found:
            where = f' in region {region}' if region else ''
            for outcome in outcomes:
                total += 1
                if outcome.failure:
                    failed += 1
                    LOG.error("Failed to delete key with name %r%s: %s",
                              outcome.name, where,
                              errors.explain(outcome.failure))
                else:
                    verb = ('Would delete' if parsed_args.dry_run
                            else 'Deleted')
                    self.app.stdout.write(
                        f'{verb} key pair {outcome.name!r}{where}\n')
        if not total:
            self.app.stdout.write('No unused key pairs to delete\n')
        if failed:
            raise exceptions.CommandError(
                f'{failed} of {total} keys failed to delete.')

    def _retire_in(self, compute: Any, user_id: str | None,
                   prefix: str | None, days: float | None,
                   now: datetime.datetime,
                   parsed_args: argparse.Namespace) -> list[api.Deleted]:
        """The unused key pairs of one region, deleted unless --dry-run.

        The servers are listed after the key pairs (and their ages),
        right before the deletes: a server booted in between with one of
        them keeps its copy of the public key, as after any delete.
        """
        _, listed = api.list_(compute, user_id=user_id,
                              other_user=bool(user_id))
        candidates = unused.named(listed, prefix)
        undated: list[tuple[str, BaseException]] = []
        if days is not None:
            aged = unused.by_age(compute, candidates, days, now,
                                 user_id=user_id)
            candidates, undated = aged.old, aged.unknown
        if candidates or undated:
            in_use = unused.names_in_use(
                compute, user_id or common.own_user_id(self.app),
                all_projects=bool(user_id))
            candidates = unused.not_in(candidates, in_use)
            undated = [(n, why) for n, why in undated if n not in in_use]
        outcomes = [api.Deleted(name, failure=why) for name, why in undated]
        names = [k.name for k in candidates]
        if parsed_args.dry_run or not names:
            return [api.Deleted(n) for n in names] + outcomes
        with concurrent.futures.ThreadPoolExecutor(
                min(MAX_WORKERS, len(names))) as pool:
            deleted = list(pool.map(lambda n: api.delete_confirmed(
                compute, n, user_id=user_id,
                ignore_missing=parsed_args.ignore_missing), names))
        return deleted + outcomes
