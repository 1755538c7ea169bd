"""keypair ssh: log in to a server with its key pair's private key."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
from typing import Any

from osc_lib import exceptions

from keypairs_osc import hostkeys
from keypairs_osc import keys
from keypairs_osc import pinning
from keypairs_osc import securefile
from keypairs_osc import servers
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
    public half must match the key pair. The server's SSH host keys, as
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
        pinned = self._pinned_host_keys(server, parsed_args)
        argv = [ssh, '-i', identity, '-o', 'IdentitiesOnly=yes',
                '-l', login]
        if parsed_args.port:
            argv += ['-p', str(parsed_args.port)]
        # ssh takes the first value given for an option: the user's -o
        # options come before the pinned host keys' and win.
        for option in parsed_args.option:
            argv += ['-o', option]
        for name, value in pinned.items():
            argv += ['-o', f'{name}={value}']
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

    def _pinned_host_keys(self, server: Any,
                          parsed_args: argparse.Namespace) -> dict[str, str]:
        """Pin the host keys the console shows; ssh's options to check them.

        The console's keys are pinned when none are yet (or with
        --repin), and must be the pinned ones otherwise. Without keys on
        the console the pinned ones still count; with none at all, ssh's
        own known_hosts decides, after one line saying so, unless
        --require-pinned refuses.
        """
        try:
            pinned = pinning.read_pinned(server.id)
        except securefile.FileProblem:
            if not parsed_args.repin:
                raise
            pinned = None  # damaged: --repin replaces it
        try:
            shown = hostkeys.from_console(servers.console_output(
                self.app.client_manager.compute, server))
            missing = _why_no_keys(shown)
        except servers.ConsoleUnavailable as exc:
            shown, missing = None, str(exc)
        if shown is not None and shown.keys:
            for reason in shown.skipped:
                LOG.debug('Left out of the console\'s host keys: %s',
                          reason)
            same = pinned is not None and hostkeys.same_keys(pinned,
                                                             shown.keys)
            if pinned is None or (parsed_args.repin and not same):
                kept = pinning.write_pinned(server.id, shown.keys,
                                            replace=parsed_args.repin)
                self.app.stderr.write(
                    f'{self.subject(parsed_args)}: pinned its host keys '
                    f'from its console output: '
                    f'{hostkeys.fingerprints(shown.keys)}'
                    + (f' (the keys pinned before are kept in {kept})'
                       if kept else '') + '\n')
            elif not same:
                raise hostkeys.HostKeyProblem(
                    f'its console shows host keys '
                    f'{hostkeys.fingerprints(shown.keys)}, not those pinned '
                    f'on this machine, {hostkeys.fingerprints(pinned)}; '
                    'refusing to connect. If the server was rebuilt, pin '
                    'the new keys with --repin')
        elif parsed_args.repin:
            raise hostkeys.HostKeyProblem(f'cannot re-pin: {missing}')
        elif pinned is None:
            if parsed_args.require_pinned:
                raise hostkeys.HostKeyProblem(
                    f'no host keys are pinned for it and {missing}; '
                    '--require-pinned refuses to connect')
            self.app.stderr.write(
                f'{self.subject(parsed_args)}: no host keys to pin: '
                f'{missing}; ssh checks the host key with your known_hosts '
                'as usual\n')
            return {}
        return pinning.pinned_options(server.id)


def _why_no_keys(shown: hostkeys.ConsoleKeys | None) -> str:
    """Why the console gives no host key to pin."""
    if shown is None:
        return (f'its console output shows no "{hostkeys.BEGIN}" block')
    why = '; '.join(dict.fromkeys(shown.skipped)) or 'it is empty'
    return (f'the host key block of its console output holds no usable '
            f'key ({why})')
