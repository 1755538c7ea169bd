"""keypair ssh: log in to a server with its key pair's private key."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
from typing import Any

from osc_lib import exceptions

from keypairs_osc import keys
from keypairs_osc import securefile
from keypairs_osc.v1 import common
from keypairs_osc.v1 import reach
from keypairs_osc.v1 import server_key

LOG = logging.getLogger(__name__)

def _split_at_double_dash(parser: argparse.ArgumentParser) -> None:
    """Everything after the first ``--`` goes to ssh, wherever options are.

    argparse fills all positionals at once, so ``<server> --login x --
    uptime`` would leave "uptime" with nowhere to go.
    """
    parse_known_args = parser.parse_known_args

    def split(args=None, namespace=None):  # type: ignore[no-untyped-def]
        args = list(args if args is not None else [])
        extra: list[str] = []
        if '--' in args:
            at = args.index('--')
            args, extra = args[:at], args[at + 1:]
        parsed, rest = parse_known_args(args, namespace)
        parsed.ssh_args = list(parsed.ssh_args or []) + extra
        return parsed, rest

    parser.parse_known_args = split  # type: ignore[method-assign]


class SshKeypair(server_key.OnServer, common.Command):
    """Log in to a server with the private key of its key pair.

    The key is --identity, or the file that "keypair create --private-key"
    or "keypair import --private-key" saved for the server's key pair; its
    public half must match the key pair. Runs the system's ssh; arguments
    after "--" go to ssh. Nothing secret is put on ssh's command line.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('--identity', '-i', '--private-key',
                            metavar='<file>', dest='identity',
                            help='Private key file to use instead of the '
                                 'one recorded for the key pair '
                                 '(--private-key as in the other keypair '
                                 'commands)')
        parser.add_argument('--login', '-l', metavar='<user>',
                            help='Login name (default: the image\'s '
                                 'os_admin_user, or one for its os_distro)')
        parser.add_argument('--port', '-p', metavar='<port>', type=int,
                            help='Port of the ssh server')
        parser.add_argument('--address', metavar='<address>',
                            help='Connect to this address')
        parser.add_argument('--option', '-o', metavar='<option>',
                            action='append', default=[],
                            help='An ssh_config(5) option for ssh, as '
                                 '"ssh -o" (repeatable), as in core\'s '
                                 '"server ssh"')
        parser.add_argument('-v', dest='verbose', action='store_true',
                            help='Ask ssh for debugging output (ssh -v)')
        reach.add_address_options(parser)
        parser.add_argument('ssh_args', nargs='*',
                            metavar='-- <ssh arguments>',
                            help='Arguments for ssh, after "--"')
        _split_at_double_dash(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        server = self.find_server(parsed_args)
        identity = parsed_args.identity or server_key.recorded_key(
            self.app, server, '--identity')
        self._check_key(server, identity)
        if parsed_args.address:
            address = parsed_args.address
        else:
            address = reach.choose_address(server, parsed_args)
        login = parsed_args.login or reach.image_login(self.app, server)
        ssh = shutil.which('ssh')
        if ssh is None:
            raise exceptions.CommandError('ssh is not installed')
        argv = [ssh, '-i', identity, '-o', 'IdentitiesOnly=yes',
                '-l', login]
        if parsed_args.port:
            argv += ['-p', str(parsed_args.port)]
        for option in parsed_args.option:
            argv += ['-o', option]
        if parsed_args.verbose:
            argv.append('-v')
        argv += [address, *parsed_args.ssh_args]
        LOG.debug('Running %s', ' '.join(argv))
        return subprocess.call(argv)

    def _check_key(self, server: Any, identity: str) -> None:
        """Refuse a key file whose public half is not the key pair's."""
        if os.path.exists(identity) and not os.path.isfile(identity):
            # ssh reads it again itself: a pipe would be empty by then.
            raise exceptions.CommandError(
                f'{identity}: ssh needs the identity as a regular file')
        data = securefile.read_input(identity, 'private key')
        blob = keys.public_blob_of_private_key(data)
        if blob is None and os.path.isfile(identity + '.pub'):
            with open(identity + '.pub', 'rb') as f:
                parsed = keys.describe_stored(f.read(4096).decode(
                    errors='replace'))
            blob = parsed.blob if parsed else None
        if blob is None:
            raise exceptions.CommandError(
                f'{identity}: cannot read its public half without the '
                'passphrase, and there is no matching .pub file beside it')
        local = keys.fingerprint_sha256(blob)
        expected = server_key.keypair_key(self.app, server).fingerprint_sha256
        if expected is not None and expected != local:
            raise exceptions.CommandError(
                f'{identity} ({local}) is not the private key of key pair '
                f'{server.key_name!r} ({expected})')
