"""keypair ssh: log in to a server with its key pair's private key."""

from __future__ import annotations

import argparse
import logging
import subprocess
from typing import Any

from osc_lib import exceptions

from keypairs_osc import keys
from keypairs_osc import record
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
    or "keypair import --private-key" saved for the server's key pair (or
    for the key pair "keypair rotate" moved the server to); its public
    half must match that key pair. The server's SSH host keys, as
    its console output shows them, are pinned on this machine and ssh
    accepts no others. Runs the system's ssh; arguments after "--" go to
    ssh. Nothing secret is put on ssh's command line.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('--identity', '-i', '--private-key',
                            metavar='<file>', dest='identity',
                            help='Private key file to use instead of the '
                                 'one recorded for the key pair '
                                 '(--private-key as in the other keypair '
                                 'commands)')
        reach.add_login_options(
            parser, 'An ssh_config(5) option for ssh, as "ssh -o" '
                    '(repeatable), as in core\'s "server ssh"')
        parser.add_argument('--address', metavar='<address>',
                            help='Connect to this address')
        parser.add_argument('-v', dest='verbose', action='store_true',
                            help='Ask ssh for debugging output (ssh -v)')
        parser.add_argument('--repin', action='store_true',
                            help='Replace the host keys pinned for the '
                                 'server with those its console shows now '
                                 '(after a rebuild, which gives the server '
                                 'new host keys)')
        parser.add_argument('--require-pinned', action='store_true',
                            help='Refuse to log in when no host keys are '
                                 'pinned for the server and its console '
                                 'shows none, instead of leaving the host '
                                 'key check to ssh\'s own known_hosts')
        reach.add_address_options(parser)
        parser.add_argument('ssh_args', nargs='*',
                            metavar='-- <ssh arguments>',
                            help='Arguments for ssh, after "--"')
        _split_at_double_dash(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        server = self.find_server(parsed_args)
        rotated = server_key.rotation(self.app, server)
        identity = parsed_args.identity or server_key.recorded_key(
            self.app, server, '--identity', rotated)
        self._check_key(server, identity, rotated)
        if parsed_args.address:
            address = parsed_args.address
        else:
            address = reach.choose_address(server, parsed_args)
        login = parsed_args.login or reach.image_login(self.app, server)
        ssh = reach.ssh_program()
        pinned = reach.pin_host_keys(
            self.app, server, self.subject(parsed_args),
            repin=parsed_args.repin,
            require_pinned=parsed_args.require_pinned)
        argv = reach.ssh_argv(ssh, identity, login, address,
                              port=parsed_args.port,
                              options=parsed_args.option, pinned=pinned)
        if parsed_args.verbose:
            argv.insert(-1, '-v')
        argv += parsed_args.ssh_args
        LOG.debug('Running %s', ' '.join(argv))
        return subprocess.call(argv)

    def _check_key(self, server: Any, identity: str,
                   rotated: record.Rotation | None) -> None:
        """Refuse a key file whose public half is not the key pair's."""
        blob = server_key.identity_blob(identity)
        local = keys.fingerprint_sha256(blob)
        expected = server_key.keypair_key(self.app, server,
                                          rotated).fingerprint_sha256
        name = rotated.to_name if rotated else server.key_name
        if expected is not None and expected != local:
            raise exceptions.CommandError(
                f'{identity} ({local}) is not the private key of key pair '
                f'{name!r} ({expected})')
