"""keypair verify: does this private key belong to that key pair?"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from osc_lib import exceptions

from keypairs_osc import api
from keypairs_osc import keys
from keypairs_osc import passphrase
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

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Key pair to check against')
        parser.add_argument(
            '--private-key', metavar='<file>', required=True,
            help='Private key file (OpenSSH, PEM or PKCS#8)')
        passphrase.add_options(parser, 'decrypts --private-key')
        common.add_user_options(parser, 'The owner of the key pair')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        common.precheck_name(parsed_args.name)
        path = parsed_args.private_key
        local = keys.public_key_of(common.load_private_key(path, parsed_args))
        user_id = common.resolve_user_id(self.app, parsed_args)
        keypair = api.get(self.app.client_manager.compute, parsed_args.name,
                          user_id=user_id)
        stored = keys.describe_stored(keypair.public_key, keypair.type)
        if not keys.same_key(stored, local):
            theirs = stored.fingerprint_sha256 if stored else 'unreadable'
            raise Mismatch(
                f'private key {path} ({local.fingerprint_sha256}) does not '
                f'match key pair {parsed_args.name!r} ({theirs})')
        self.app.stdout.write(
            f'private key {path} matches key pair {parsed_args.name!r} '
            f'({local.fingerprint_sha256})\n')
        return MATCH
