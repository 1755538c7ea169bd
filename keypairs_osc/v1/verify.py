"""keypair verify: does this private key belong to that key pair?"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from osc_lib import exceptions

from keypairs_osc import api
from keypairs_osc import keys
from keypairs_osc import passphrase
from keypairs_osc import regions
from keypairs_osc.v1 import common

LOG = logging.getLogger(__name__)
#: Exit codes for scripts: the answer, or why there is none.
MATCH, MISMATCH, ERROR = 0, 1, 2


class Mismatch(exceptions.CommandError):
    """The private key is not the key pair's: the answer "no"."""


class VerifyKeypair(common.Command):
    """Check locally that a private key belongs to a key pair in the cloud.

    Compares the public half of the private key with the key pair's public
    key; the private key is never sent. Exits 0 when they match, 1 when
    they differ, and 2 when there is no answer (a missing key pair or file,
    a wrong passphrase, a failed login, a failure of the cloud, bad
    usage).
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Key pair to check against')
        parser.add_argument(
            '--private-key', metavar='<file>', required=True,
            help='Private key file (OpenSSH, PEM or PKCS#8)')
        passphrase.add_options(parser, 'decrypts --private-key')
        common.add_user_options(parser, 'The owner of the key pair')
        common.add_region_options(parser, 'Check against the key pair')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        common.precheck_name(parsed_args.name)
        chosen = common.chosen_regions(self.app, parsed_args)
        path = parsed_args.private_key
        local = keys.public_key_of(common.load_private_key(path, parsed_args))
        user_id = common.resolve_user_id(self.app, parsed_args)
        if chosen is not None:
            return self._in_regions(chosen, parsed_args, local, user_id)
        keypair = api.get(self.app.client_manager.compute, parsed_args.name,
                          user_id=user_id)
        mismatch = _mismatch(keypair, local, path, parsed_args.name)
        if mismatch:
            raise Mismatch(mismatch)
        self.app.stdout.write(
            f'private key {path} matches key pair {parsed_args.name!r} '
            f'({local.fingerprint_sha256})\n')
        return MATCH

    def _in_regions(self, chosen: list[regions.Region],
                    parsed_args: argparse.Namespace,
                    local: keys.PublicKeyInfo, user_id: str | None) -> int:
        """A line per region; 0 if all match, 1 if any differs (and all
        answered), 2 if any region could not answer."""
        path, name = parsed_args.private_key, parsed_args.name
        outcomes = regions.each(chosen, lambda region: _mismatch(
            api.get(region.compute, name, user_id=user_id), local, path,
            name))
        worst = MATCH
        for outcome in outcomes:
            where = outcome.region.name
            if not outcome.ok:
                self.region_failures.append(regions.failure_line(
                    outcome, common.keypair_subject(name)))
                worst = ERROR
            elif outcome.value:
                self.region_failures.append(f'region {where}: '
                                            f'{outcome.value}')
                worst = max(worst, MISMATCH)
            else:
                self.app.stdout.write(
                    f'region {where}: private key {path} matches key pair '
                    f'{name!r} ({local.fingerprint_sha256})\n')
        return worst  # the lines are written by common.RegionFailures

    def run(self, parsed_args: argparse.Namespace) -> int:
        # The login is the command's first step (common.LogsInFirst): a
        # failed one is a "no answer" like any other, exit 2.
        try:
            return super().run(parsed_args)
        except Mismatch:
            raise  # shown as any error, exit 1
        except Exception as exc:
            LOG.debug('keypair verify could not answer', exc_info=True)
            self.app.stderr.write(f'{exc}\n')
            return ERROR


def _mismatch(keypair: Any, local: keys.PublicKeyInfo, path: str,
              name: str) -> str | None:
    """Why ``keypair`` is not the private key's; None when it is."""
    stored = keys.describe_stored(keypair.public_key, keypair.type)
    if keys.same_key(stored, local):
        return None
    theirs = stored.fingerprint_sha256 if stored else 'unreadable'
    return (f'private key {path} ({local.fingerprint_sha256}) does not '
            f'match key pair {name!r} ({theirs})')
