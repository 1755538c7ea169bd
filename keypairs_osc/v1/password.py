"""server password show/clear: a Windows guest's Administrator password."""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

from osc_lib import exceptions

from keypairs_osc import api
from keypairs_osc import errors
from keypairs_osc import keys
from keypairs_osc import passphrase
from keypairs_osc.v1 import common
from keypairs_osc.v1 import server_key

LOG = logging.getLogger(__name__)

#: How long --wait waits by default: a Windows first boot takes minutes.
DEFAULT_TIMEOUT = 900
#: Seconds between two requests while waiting.
POLL_SECONDS = 5


def _seconds(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError('must be a positive number of '
                                         'seconds')
    return value


def _not_rsa(what: str, algorithm: str) -> exceptions.CommandError:
    return exceptions.CommandError(
        f'{what} is {algorithm}, not RSA: Windows guests (cloudbase-init) '
        'encrypt the password with an RSA key only; create one with '
        '"openstack keypair create --key-type rsa --private-key <file> '
        '<name>" and boot the server with it')


class ShowServerPassword(server_key.OnServer, common.ShowOne):
    """Show the Administrator password a Windows server posted.

    cloudbase-init encrypts the password with the server's RSA key pair
    and posts it to the metadata service; this command fetches it and
    decrypts it here with the private key: --private-key, or the file that
    "keypair create --private-key" or "keypair import --private-key" saved
    for the server's key pair. The password goes to standard output only.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('--private-key', metavar='<file>',
                            help='Private key file of the server\'s key '
                                 'pair, instead of the one recorded for it')
        passphrase.add_options(parser, 'decrypts the private key')
        parser.add_argument('--wait', action='store_true',
                            help='Wait until the server has posted its '
                                 'password (first boot of Windows takes '
                                 'minutes)')
        parser.add_argument('--timeout', metavar='<seconds>', type=_seconds,
                            default=DEFAULT_TIMEOUT,
                            help='How long --wait waits, in seconds '
                                 f'(default: {DEFAULT_TIMEOUT})')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        compute = self.app.client_manager.compute
        server = self.find_server(parsed_args)
        if not server.key_name:
            raise exceptions.CommandError(
                f'server {server.name!r} was booted without a key pair, so '
                'it has no key to encrypt a password with; boot it with an '
                'RSA key pair ("openstack keypair create --key-type rsa")')
        stored = server_key.keypair_key(self.app, server)
        keypair = common.keypair_subject(server.key_name)
        if stored.info is not None and not keys.carries_password(
                stored.info):
            raise _not_rsa(keypair, stored.info.algorithm)
        path = parsed_args.private_key or server_key.recorded_key(
            self.app, server, '--private-key')
        private_key = common.load_private_key(path, parsed_args)
        local = keys.public_key_of(private_key)
        expected = stored.fingerprint_sha256
        if expected is not None and expected != local.fingerprint_sha256:
            raise exceptions.CommandError(
                f'{path} ({local.fingerprint_sha256}) is not the private key '
                f'of {keypair} ({expected}), so it cannot decrypt the '
                'password')
        if not keys.carries_password(local):
            raise _not_rsa(f'{path}, the private key of {keypair},',
                           local.algorithm)
        encrypted = self._encrypted(compute, server, parsed_args)
        try:
            password = keys.decrypt_password(private_key, encrypted)
        except keys.NotDecrypted as exc:
            raise exceptions.CommandError(
                f'{path} ({local.fingerprint_sha256}) does not decrypt the '
                f'password of server {server.name!r}, posted for {keypair} '
                f'({expected or "fingerprint unknown"}): {exc}') from None
        return ('password',), (password,)

    def _encrypted(self, compute: Any, server: Any,
                   parsed_args: argparse.Namespace) -> str:
        """The posted password, waited for with --wait."""
        encrypted = api.get_password(compute, server)
        if encrypted:
            return encrypted
        if not parsed_args.wait:
            raise exceptions.CommandError(
                f'server {server.name!r} has not posted a password (yet): '
                'a Windows guest posts it during its first boot; give '
                '--wait to wait for it')
        timeout = parsed_args.timeout
        self.app.stderr.write(f'Waiting up to {timeout} s for server '
                              f'{server.name!r} to post its password...\n')
        self.app.stderr.flush()
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(POLL_SECONDS, remaining))
            try:
                encrypted = api.get_password(compute, server)
            except errors.REPORTED as exc:
                if not errors.is_ambiguous(exc):
                    raise
                LOG.debug('Asking for the password failed, asking again: '
                          '%s', errors.explain(exc))
                continue
            if encrypted:
                return encrypted
        raise exceptions.CommandError(
            f'server {server.name!r} posted no password within {timeout} s')


class ClearServerPassword(server_key.OnServer, common.Command):
    """Clear the password a server posted, so that Nova no longer keeps it.

    The password on the server itself is unchanged.
    """

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        api.clear_password(self.app.client_manager.compute,
                           self.find_server(parsed_args))
