"""keypair ssh: log in to a server with its key pair's private key."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
from typing import Any

from osc_lib import exceptions

from keypairs_osc import errors
from keypairs_osc import keys
from keypairs_osc import securefile
from keypairs_osc.v1 import common
from keypairs_osc.v1 import server_key

LOG = logging.getLogger(__name__)

#: Default login of common cloud images, by their ``os_distro`` property.
DISTRO_USERS = {
    'almalinux': 'almalinux', 'alpine': 'alpine', 'arch': 'arch',
    'centos': 'centos', 'cirros': 'cirros', 'debian': 'debian',
    'fedora': 'fedora', 'fedora-coreos': 'core', 'freebsd': 'freebsd',
    'opensuse': 'opensuse', 'rhel': 'cloud-user', 'rocky': 'rocky',
    'sles': 'sles', 'ubuntu': 'ubuntu',
}


def pick_address(addresses: dict, address_type: str,
                 families: list[int]) -> str:
    """An address of the server, chosen as core's ``server ssh`` does."""
    wanted = {'public': 'floating', 'private': 'fixed'}.get(address_type,
                                                           address_type)
    for entry in (addresses or {}).get(address_type, []):
        if isinstance(entry, dict) and int(entry.get('version', 0)) in \
                families:
            return entry['addr']
    for entries in (addresses or {}).values():
        for entry in entries:
            if (isinstance(entry, dict)
                    and entry.get('OS-EXT-IPS:type') == wanted
                    and int(entry.get('version', 0)) in families):
                return entry['addr']
    raise exceptions.CommandError(
        f'no {address_type} IPv{"/".join(map(str, families))} address '
        'found; give --address, --private or --address-type')


def login_for(image: Any) -> str | None:
    """The image's admin user, from its properties."""
    if image is None:
        return None
    properties = dict(getattr(image, 'properties', None) or {})
    for source in (properties, image):
        getter = (source.get if isinstance(source, dict)
                  else lambda k, s=source: getattr(s, k, None))
        if getter('os_admin_user'):
            return str(getter('os_admin_user'))
    distro = properties.get('os_distro') or getattr(image, 'os_distro', None)
    return DISTRO_USERS.get(str(distro).lower()) if distro else None


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
        family = parser.add_mutually_exclusive_group()
        family.add_argument('-4', dest='ipv4', action='store_true',
                            help='Use only IPv4 addresses')
        family.add_argument('-6', dest='ipv6', action='store_true',
                            help='Use only IPv6 addresses')
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument('--public', dest='address_type',
                          action='store_const', const='public',
                          default='public', help='Use a public address')
        kind.add_argument('--private', dest='address_type',
                          action='store_const', const='private',
                          help='Use a private address')
        kind.add_argument('--address-type', metavar='<address-type>',
                          dest='address_type',
                          help='Use another address type (network name)')
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
            families = [4] if parsed_args.ipv4 else [6] if \
                parsed_args.ipv6 else [4, 6]
            address = pick_address(server.addresses, parsed_args.address_type,
                                   families)
        login = parsed_args.login or self._image_login(server)
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

    def _image_login(self, server: Any) -> str:
        image_id = (server.image or {}).get('id') if isinstance(
            server.image, dict) else getattr(server.image, 'id', None)
        image = None
        if image_id:
            try:
                image = self.app.client_manager.sdk_connection.image.get_image(
                    image_id)
            except errors.REPORTED as exc:
                LOG.debug('Could not read image %s: %s', image_id, exc)
        login = login_for(image)
        if login is None:
            raise exceptions.CommandError(
                f'cannot tell the login name for server {server.name!r} '
                "(its image names no os_admin_user or known os_distro); "
                'give --login')
        return login
