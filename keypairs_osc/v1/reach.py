"""How a server is reached: its address, the login name, pinned host keys.

``keypair ssh`` and ``keypair ssh-config`` choose them the same way, with
the same options, so a host written into ssh_config is the host that
``keypair ssh`` would log in to.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from osc_lib import exceptions

from keypairs_osc import errors

LOG = logging.getLogger(__name__)

#: Default login of common cloud images, by their ``os_distro`` property.
DISTRO_USERS = {
    'almalinux': 'almalinux', 'alpine': 'alpine', 'arch': 'arch',
    'centos': 'centos', 'cirros': 'cirros', 'debian': 'debian',
    'fedora': 'fedora', 'fedora-coreos': 'core', 'freebsd': 'freebsd',
    'opensuse': 'opensuse', 'rhel': 'cloud-user', 'rocky': 'rocky',
    'sles': 'sles', 'ubuntu': 'ubuntu',
}


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


def choose_address(server: Any, parsed_args: argparse.Namespace) -> str:
    """The server's address the options ask for."""
    return pick_address(server.addresses, parsed_args.address_type,
                        families(parsed_args))


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
