"""What the keypair commands share: options, user lookup, output columns."""

from __future__ import annotations

import argparse
import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cliff import columns as cliff_columns
from keystoneauth1 import exceptions as ks_exceptions
from openstack import utils as sdk_utils
from openstackclient.identity import common as identity_common
from osc_lib.command import command
from osc_lib import exceptions
from osc_lib import utils

from keypairs_osc import errors
from keypairs_osc import keys
from keypairs_osc import microversion
from keypairs_osc import names
from keypairs_osc import passphrase
from keypairs_osc import problem
from keypairs_osc import record
from keypairs_osc import regions
from keypairs_osc import securefile

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.serialization import (
        SSHPrivateKeyTypes)

LOG = logging.getLogger(__name__)

#: Fields of a key pair that are never displayed as columns.
HIDDEN = ('links', 'location')


#: What a shell still interprets inside double quotes, but for ``"``,
#: which cliff's shell formatter escapes itself.
_SHELL_SPECIAL = str.maketrans({'\\': '\\\\', '$': '\\$', '`': '\\`'})


def shell_safe(value: Any) -> Any:
    """``value`` as cliff's shell formatter may put it in double quotes.

    cliff escapes only ``"``: a key comment or a server name holding
    ``$(...)``, a backtick or a trailing backslash would run code, or
    change other variables, when the output is eval'd.
    """
    if isinstance(value, cliff_columns.FormattableColumn):
        value = str(value.machine_readable())
    if isinstance(value, str):
        return value.translate(_SHELL_SPECIAL)
    return value


#: keystoneauth warns when it cannot discover the identity versions, then
#: fails all the same: the failure's one line says all there is to say.
_DISCOVERY_LOGGER = 'keystoneauth.identity.generic.base'


class LogsInFirst:
    """Log in as the command's first step, where a failure is one line.

    OpenStackClient logs in before a command runs; an unreachable identity
    service then prints keystoneauth's warning and its own error, two lines
    without the command's say. Here the login is the command's own first
    step (the same call, OpenStackClient's ``prepare_to_run_command``), so
    a failure to reach the identity service is one line naming its URL.
    """

    auth_required = False

    def run(self, parsed_args: argparse.Namespace) -> int:
        self.auth_required = True
        discovery = logging.getLogger(_DISCOVERY_LOGGER)
        level = discovery.level
        discovery.setLevel(logging.ERROR)
        try:
            self.app.prepare_to_run_command(self)  # type: ignore[attr-defined]
        except ks_exceptions.ClientException as exc:  # refused, 401, 5xx
            raise exceptions.CommandError(
                f'cannot log in at {self._auth_url()}: '
                f'{errors.explain(exc)}') from exc
        finally:
            discovery.setLevel(level)
        return super().run(parsed_args)  # type: ignore[misc]

    def _auth_url(self) -> str:
        cloud = getattr(self.app, 'cloud', None)  # type: ignore[attr-defined]
        config = getattr(cloud, 'config', None) or {}
        return str((config.get('auth') or {}).get('auth_url')
                   or 'the identity service')


def keypair_subject(name: str) -> str:
    return f'key pair {name!r}'


class ReportsOnce:
    """Each failure of ``take_action`` as one line naming its subject.

    Every command's ``take_action`` is wrapped here, once, when its class
    is made: what its steps raise (the SDK's and keystoneauth's errors, a
    :class:`~keypairs_osc.problem.Problem`) becomes ``CommandError('<subject>:
    <cause>')``, the subject being what :meth:`subject` names.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        action = cls.__dict__.get('take_action')
        if action is None:
            return

        @functools.wraps(action)
        def take_action(self: ReportsOnce,
                        parsed_args: argparse.Namespace) -> Any:
            with errors.reported(self.subject(parsed_args)):
                return action(self, parsed_args)

        cls.take_action = take_action  # type: ignore[attr-defined]

    def subject(self, parsed_args: argparse.Namespace) -> str | None:
        """What the command's failures are about: the key pair <name>."""
        name = getattr(parsed_args, 'name', None)
        return keypair_subject(name) if isinstance(name, str) else None


class RegionFailures:
    """Regions that failed while others answered: a line each, exit 1.

    A command over several regions shows what the regions that answered
    answered, notes each failing region in :attr:`region_failures` (one
    line naming the region), and ends non-zero. When no region answered,
    the last line is the command's error instead (see :func:`settle`).
    """

    @property
    def region_failures(self) -> list[str]:
        return self.__dict__.setdefault('_region_failures', [])

    def run(self, parsed_args: argparse.Namespace) -> int:
        self.__dict__['_region_failures'] = []
        try:
            rc = super().run(parsed_args)  # type: ignore[misc]
        finally:
            stderr = self.app.stderr  # type: ignore[attr-defined]
            for line in self.region_failures:
                stderr.write(f'{line}\n')
            stderr.flush()
        return rc or (1 if self.region_failures else 0)


class Command(ReportsOnce, RegionFailures, LogsInFirst, command.Command):
    """A plugin command that logs in as its first step."""


class Lister(ReportsOnce, RegionFailures, LogsInFirst, command.Lister):
    """A plugin Lister that logs in as its first step."""


class ShowOne(ReportsOnce, RegionFailures, LogsInFirst, command.ShowOne):
    """A ShowOne whose ``-f shell`` output is safe to eval.

    A command that prints one thing alone (a private or public key) uses
    :meth:`print_alone`: nothing follows it, in any format (core prints
    ``{}`` after it with ``-f json``).
    """

    _printed_alone = False

    def print_alone(self, text: str) -> None:
        """Print ``text`` as the whole output, ending in one newline."""
        self.app.stdout.write(text.rstrip('\n') + '\n')
        self.app.stdout.flush()
        self._printed_alone = True

    def produce_output(self, parsed_args: argparse.Namespace,
                       column_names: Sequence[str],
                       data: Sequence[Any]) -> int:
        if self._printed_alone:
            return 0
        if getattr(parsed_args, 'formatter', None) == 'shell':
            data = [shell_safe(value) for value in data]
        return super().produce_output(parsed_args, column_names, data)


def add_user_options(parser: argparse.ArgumentParser, action: str) -> None:
    parser.add_argument(
        '--user', metavar='<user>',
        help=f'{action} (admin only) (name or ID); asks for compute API '
             f'microversion {microversion.OTHER_USER} when the cloud '
             'offers it')
    identity_common.add_user_domain_option_to_parser(parser)


def add_type_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--type', metavar='<type>', choices=['ssh', 'x509'],
        help='Key pair type, ssh or x509; sent to Nova (microversion '
             f'{microversion.KEY_TYPE} or later)')


def add_region_options(parser: argparse.ArgumentParser, action: str) -> None:
    """``--region`` (repeatable) and ``--all-regions``; without them the
    command runs in the region of ``--os-region-name`` as before."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--region', metavar='<region>', action='append', dest='regions',
        help=f'{action} in this region of the compute service (repeat for '
             'several; the regions are those of the catalog)')
    group.add_argument(
        '--all-regions', action='store_true',
        help=f'{action} in every region of the compute service in the '
             'catalog')


def chosen_regions(app: Any, parsed_args: argparse.Namespace
                   ) -> list[regions.Region] | None:
    """The regions of ``--region``/``--all-regions``; None without them."""
    asked = getattr(parsed_args, 'regions', None)
    every = getattr(parsed_args, 'all_regions', False)
    if not asked and not every:
        return None
    manager = app.client_manager
    with errors.reported('regions'):
        return regions.for_names(manager.sdk_connection, manager.compute,
                                 manager.auth_ref, asked, every)


def settle(command: RegionFailures,
           outcomes: Sequence[regions.Outcome[Any]],
           subject: str | None = None) -> list[regions.Outcome[Any]]:
    """The outcomes that answered; the failures noted, a line each.

    When no region answered there is nothing to show: the last failure is
    the command's one-line error, the others are noted before it.
    """
    lines = [regions.failure_line(o, subject) for o in outcomes if not o.ok]
    answered = [o for o in outcomes if o.ok]
    if not answered and lines:
        command.region_failures.extend(lines[:-1])
        raise exceptions.CommandError(lines[-1])
    command.region_failures.extend(lines)
    return answered


def resolve_user_id(app: Any, parsed_args: argparse.Namespace) -> str | None:
    """The ID of ``--user``, resolved through the identity API as core."""
    if not getattr(parsed_args, 'user', None):
        return None
    with errors.reported(f'user {parsed_args.user!r}'):
        identity = sdk_utils.ensure_service_version(
            app.client_manager.sdk_connection.identity, '3')
        return identity_common.find_user_id_sdk(
            identity, parsed_args.user, parsed_args.user_domain)


def precheck_name(name: str) -> None:
    """Refuse a name no microversion allows, before anything else runs.

    The exact check for the microversion in use runs again before the
    request (see :mod:`keypairs_osc.api`).
    """
    names.check(name, microversion.WIDE_NAMES)


def show_columns(keypair: Any, *hidden: str) -> tuple[tuple, tuple]:
    """(display columns, values) as core shows a key pair."""
    display, columns = utils.get_osc_show_columns_for_sdk_resource(
        keypair, {}, list(HIDDEN) + list(hidden))
    return display, utils.get_item_properties(keypair, columns)


def key_details(keypair: Any) -> dict[str, Any]:
    """The SHA256 fingerprint, algorithm, bits and comment of a key pair."""
    info = keys.describe_stored(keypair.public_key, keypair.type)
    if info is None:
        return {'fingerprint_sha256': None, 'algorithm': None, 'bits': None,
                'comment': None}
    return {'fingerprint_sha256': info.fingerprint_sha256,
            'algorithm': info.algorithm, 'bits': info.bits,
            'comment': info.comment}


def load_private_key(path: str, parsed_args: argparse.Namespace
                     ) -> SSHPrivateKeyTypes:
    """The local private key in ``path``, decrypted if it needs to be.

    The passphrase comes from the options (``passphrase.add_options``), and
    is asked for only when the key is encrypted.
    """
    data = securefile.read_input(path, 'private key')
    with problem.about(f'private key {path}'):
        secret = passphrase.for_existing_key(
            parsed_args, keys.private_key_is_encrypted(data), path)
        return keys.load_private_key(data, secret)


def cloud_id(app: Any, compute: Any = None) -> str:
    """What names this cloud in the local record: its compute endpoint.

    Each region has its own (``compute``: that region's proxy).
    """
    return str((compute or app.client_manager.compute).get_endpoint())


def own_user_id(app: Any) -> str | None:
    """Our own user ID, from the token we already hold."""
    try:
        return app.client_manager.auth_ref.user_id
    except Exception:  # an auth plugin without a user
        return None


def remember_private_key(app: Any, keypair: Any, path: str,
                         info: keys.PublicKeyInfo,
                         compute: Any = None) -> None:
    """Note where the private key of ``keypair`` is; never fail for it.

    ``compute``: the proxy of the region it is in, if not the default one.
    """
    try:
        record.remember(cloud_id(app, compute),
                        keypair.user_id or own_user_id(app),
                        keypair.name, path, info.fingerprint_sha256)
    except (OSError, errors.REPORTED) as exc:
        LOG.warning('Could not note where the private key is (%s); '
                    '"keypair ssh" will need --identity', exc)
