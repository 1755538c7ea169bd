"""How a server is reached: its address, the login name, pinned host keys.

``keypair ssh`` and ``keypair ssh-config`` choose them the same way, with
the same options, so a host written into ssh_config is the host that
``keypair ssh`` would log in to.
"""

from __future__ import annotations

import argparse
import logging
import shutil
from collections.abc import Sequence
from typing import Any

from osc_lib import exceptions

from keypairs_osc import errors
from keypairs_osc import hostkeys
from keypairs_osc import pinning
from keypairs_osc import securefile
from keypairs_osc import servers

LOG = logging.getLogger(__name__)

#: Default login of common cloud images, by their ``os_distro`` property.
DISTRO_USERS = {
    'almalinux': 'almalinux', 'alpine': 'alpine', 'arch': 'arch',
    'centos': 'centos', 'cirros': 'cirros', 'debian': 'debian',
    'fedora': 'fedora', 'fedora-coreos': 'core', 'freebsd': 'freebsd',
    'opensuse': 'opensuse', 'rhel': 'cloud-user', 'rocky': 'rocky',
    'sles': 'sles', 'ubuntu': 'ubuntu',
}


def port(text: str) -> int:
    """A port number, as --port takes it: 1 to 65535."""
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError('must be a port number, 1 to 65535')
    return value


def add_login_options(parser: argparse.ArgumentParser, option_help: str
                      = 'An ssh_config(5) option for ssh, as "ssh -o" '
                        '(repeatable)') -> None:
    """--login, --port and -o: how ssh logs in, for ssh and rotate."""
    parser.add_argument('--login', '-l', metavar='<user>',
                        help="Login name (default: the image's "
                             'os_admin_user, or one for its os_distro)')
    parser.add_argument('--port', '-p', metavar='<port>', type=port,
                        help="Port of the ssh server (default: ssh's, 22)")
    parser.add_argument('--option', '-o', metavar='<option>',
                        action='append', default=[], help=option_help)


def add_address_options(parser: argparse.ArgumentParser) -> None:
    """-4/-6 and --public/--private/--address-type, as core's server ssh."""
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


def families(parsed_args: argparse.Namespace) -> list[int]:
    """The IP versions -4 and -6 allow."""
    if parsed_args.ipv4:
        return [4]
    if parsed_args.ipv6:
        return [6]
    return [4, 6]


#: The options that choose another address, as the refusal names them.
ADDRESS_OPTIONS = '--address, --private or --address-type'


def choose_address(server: Any, parsed_args: argparse.Namespace,
                   options: str = ADDRESS_OPTIONS) -> str:
    """The server's address the options ask for.

    ``options``: the command's options that choose another, for the
    refusal.
    """
    return pick_address(server.addresses, parsed_args.address_type,
                        families(parsed_args), options)


def pick_address(addresses: dict, address_type: str,
                 families: list[int],
                 options: str = ADDRESS_OPTIONS) -> str:
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
        f'found; give {options}')


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


def image_login(app: Any, server: Any) -> str:
    """The login name the server's image names, or one line saying none."""
    image_id = (server.image or {}).get('id') if isinstance(
        server.image, dict) else getattr(server.image, 'id', None)
    image = None
    if image_id:
        try:
            image = app.client_manager.sdk_connection.image.get_image(
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


def ssh_program() -> str:
    """The system's ssh, or one line saying it is missing."""
    ssh = shutil.which('ssh')
    if ssh is None:
        raise exceptions.CommandError('ssh is not installed')
    return ssh


def ssh_argv(ssh: str, identity: str, login: str, address: str,
             port: int | None = None, options: Sequence[str] = (),
             pinned: dict[str, str] | None = None) -> list[str]:
    """ssh's command line to log in with ``identity``; the address last.

    ssh takes the first value given for an option: the user's ``-o``
    options come before the pinned host keys' and win.
    """
    argv = [ssh, '-i', identity, '-o', 'IdentitiesOnly=yes', '-l', login]
    if port:
        argv += ['-p', str(port)]
    for option in options:
        argv += ['-o', option]
    for name, value in (pinned or {}).items():
        argv += ['-o', f'{name}={value}']
    return [*argv, address]


def pin_host_keys(app: Any, server: Any, subject: str, repin: bool = False,
                  require_pinned: bool = False,
                  repin_with: str = '--repin') -> dict[str, str]:
    """Pin the host keys the console shows; ssh's options to check them.

    The console's keys are pinned when none are yet (or with
    --repin), and must be the pinned ones otherwise. Without keys on
    the console the pinned ones still count; with none at all, ssh's
    own known_hosts decides, after one line saying so, unless
    --require-pinned refuses. ``repin_with``: what re-pins, as the
    refusal of other keys tells it.
    """
    try:
        pinned = pinning.read_pinned(server.id)
    except securefile.FileProblem:
        if not repin:
            raise
        pinned = None  # damaged: --repin replaces it
    try:
        shown = hostkeys.from_console(servers.console_output(
            app.client_manager.compute, server))
        missing = _why_no_keys(shown)
    except servers.ConsoleUnavailable as exc:
        shown, missing = None, str(exc)
    if shown is not None and shown.keys:
        for reason in shown.skipped:
            LOG.debug('Left out of the console\'s host keys: %s',
                      reason)
        same = pinned is not None and hostkeys.same_keys(pinned,
                                                         shown.keys)
        if pinned is None or (repin and not same):
            kept = pinning.write_pinned(server.id, shown.keys,
                                        replace=repin)
            app.stderr.write(
                f'{subject}: pinned its host keys '
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
                f'the new keys with {repin_with}')
    elif repin:
        raise hostkeys.HostKeyProblem(f'cannot re-pin: {missing}')
    elif pinned is None:
        if require_pinned:
            raise hostkeys.HostKeyProblem(
                f'no host keys are pinned for it and {missing}; '
                '--require-pinned refuses to connect')
        app.stderr.write(
            f'{subject}: no host keys to pin: '
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
