"""keypair ssh-config: a Host in ~/.ssh/config for each of your servers."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from osc_lib import exceptions

from keypairs_osc import errors
from keypairs_osc import problem
from keypairs_osc import record
from keypairs_osc import sshconfig
from keypairs_osc import sshconfig_file
from keypairs_osc.v1 import common
from keypairs_osc.v1 import reach

COLUMNS = ('Host', 'Server', 'Server ID', 'Address', 'User',
           'Pinned Host Keys')


def _image_id(server: Any) -> str | None:
    image = server.image
    if isinstance(image, dict):
        return image.get('id')
    return getattr(image, 'id', None)


class Skip(Exception):
    """A server that gets no Host; the message says why."""


class SshConfigKeypair(common.Lister):
    """Write a Host entry into ~/.ssh/config for each of your servers.

    One per server of yours whose key pair's private key was saved on this
    machine ("keypair create --private-key", "keypair import
    --private-key"), so that "ssh <host>" and everything that runs ssh
    (scp, rsync, git, an editor's remote mode) log in as "keypair ssh"
    would. The entries live in one block between marker lines, one block
    per cloud, project and user; a rerun rewrites the block, --remove
    removes it, and nothing outside it changes.
    """

    _table = True

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('--file', metavar='<file>',
                            help='The ssh configuration file to write '
                                 '(default: ~/.ssh/config); a file that '
                                 'your ~/.ssh/config Includes works too')
        parser.add_argument('--login', '-l', metavar='<user>',
                            help='Login name for every server (default: '
                                 'each image\'s os_admin_user, or one for '
                                 'its os_distro; a server whose login '
                                 'cannot be told is left out)')
        parser.add_argument('--port', '-p', metavar='<port>', type=reach.port,
                            help='Port of the servers\' ssh servers '
                                 '(default: ssh\'s, 22)')
        parser.add_argument('--prefix', metavar='<prefix>', default='',
                            help='Start every host name with this, e.g. '
                                 '"prod-", to tell clouds apart')
        reach.add_address_options(parser)
        action = parser.add_mutually_exclusive_group()
        action.add_argument('--remove', action='store_true',
                            help='Remove the block of this cloud, project '
                                 'and user')
        action.add_argument('--dry-run', action='store_true',
                            help='Print the block instead of writing it')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        display = parsed_args.file or sshconfig_file.default_path()
        prefix = sshconfig.check_prefix(parsed_args.prefix) \
            if parsed_args.prefix else ''
        if parsed_args.login is not None:
            sshconfig.checked_login(parsed_args.login)
        user_id = common.own_user_id(self.app)
        if not user_id:
            raise exceptions.CommandError(
                'cannot tell your user ID from the token, and the record '
                'of private keys is kept by user')
        cloud = common.cloud_id(self.app)
        label = sshconfig.label(cloud, user_id, self._project_id())
        with problem.about(display):
            before = sshconfig_file.read(display)
            if parsed_args.remove:
                return self._remove(before, label, display)
            sshconfig.find_block(sshconfig.split_lines(before.text), label)
        entries = self._entries(parsed_args, cloud, user_id, prefix,
                                sshconfig.hosts_outside(before.text, label))
        block = sshconfig.render(label, entries, self._cloud_name())
        if parsed_args.dry_run:
            self._table = False
            eol = sshconfig.line_end(before.text)
            self.app.stdout.write(eol.join(block) + eol)
            self._say(f'{len(entries)} hosts for {display} (not written: '
                      '--dry-run)')
            return COLUMNS, []
        after = sshconfig.splice(before.text, block, label)
        if after == before.text:
            self._say(f'{display}: {len(entries)} hosts, unchanged')
        else:
            with problem.about(display):
                sshconfig_file.write(before, after, display)
            self._say(f'Wrote {len(entries)} hosts to {display}')
        return COLUMNS, [(e.host, e.server_name, e.server_id, e.address,
                          e.login, e.known_hosts is not None)
                         for e in entries]

    def produce_output(self, parsed_args: argparse.Namespace,
                       column_names: Sequence[str], data: Any) -> int:
        if not self._table:
            return 0
        return super().produce_output(parsed_args, column_names, data)

    def _remove(self, before: sshconfig_file.ConfigText, label: str,
                display: str) -> tuple:
        self._table = False
        after = sshconfig.splice(before.text, None, label)
        if after == before.text:
            self._say(f'{display} has no keypairs-osc block for this '
                      'cloud, project and user; nothing removed')
        else:
            sshconfig_file.write(before, after, display)
            self._say(f'Removed the keypairs-osc block from {display}')
        return COLUMNS, []

    def _entries(self, parsed_args: argparse.Namespace, cloud: str,
                 user_id: str, prefix: str,
                 taken: set[str]) -> list[sshconfig.HostEntry]:
        """A HostEntry per server that can have one; a line per other."""
        keys = record.all_entries(cloud, user_id)
        if not keys:
            self._say('No private key of a key pair of yours on this cloud '
                      'is recorded on this machine ("keypair create '
                      '--private-key" records one)')
            return []
        with errors.reported('servers'):
            servers = [server for server in
                       self.app.client_manager.compute.servers(details=True)
                       if server.user_id == user_id]
        rotated = record.rotated_servers(cloud)
        names = sshconfig.host_names(
            ((server.id, server.name or '') for server in servers),
            prefix, taken)
        logins: dict[str | None, str | None] = {}
        entries = []
        for server in sorted(servers, key=lambda s: names[s.id]):
            try:
                entries.append(self._entry(parsed_args, server, keys,
                                           rotated.get(server.id),
                                           names[server.id], logins))
            except Skip as why:
                self._say(f'Skipped server {server.name!r} ({server.id}): '
                          f'{why}')
            except sshconfig.Unwritable as why:
                self._say(f'Skipped server {server.name!r} ({server.id}): '
                          f'{errors.explain(why)}')
        for entry in entries:
            if entry.host != prefix + sshconfig.base_name(entry.server_name):
                self._say(f'Server {entry.server_name!r} is host '
                          f'{entry.host}: its name is another server\'s '
                          'or one your configuration names already')
        return entries

    def _entry(self, parsed_args: argparse.Namespace, server: Any,
               keys: dict[str, record.Entry],
               rotated: record.Rotation | None, host: str,
               logins: dict[str | None, str | None]
               ) -> sshconfig.HostEntry:
        """``rotated``: the server's rotation, whose key logs in now."""
        if rotated is not None:
            key_name, path = rotated.to_name, rotated.path
        elif not server.key_name:
            raise Skip('booted without a key pair')
        elif server.key_name not in keys:
            raise Skip(f'no private key of key pair {server.key_name!r} '
                       'is recorded on this machine')
        else:
            key_name, path = server.key_name, keys[server.key_name].path
        if not os.path.isfile(path):
            raise Skip(f'{path}, the private key of key pair '
                       f'{key_name!r}, no longer exists')
        try:
            address = reach.choose_address(server, parsed_args)
        except exceptions.CommandError:
            versions = '/'.join(map(str, reach.families(parsed_args)))
            raise Skip(f'no {parsed_args.address_type} IPv{versions} '
                       'address (give --private or --address-type)'
                       ) from None
        login = parsed_args.login or self._login(server, logins)
        known_hosts = record.known_hosts_path(server.id)
        host_entry = sshconfig.HostEntry(
            host=host, server_name=server.name or '', server_id=server.id,
            address=address, login=login, identity_file=path,
            known_hosts=known_hosts if os.path.isfile(known_hosts) else None,
            port=parsed_args.port)
        sshconfig.host_lines(host_entry)  # Unwritable: this server skipped
        return host_entry

    def _login(self, server: Any,
               logins: dict[str | None, str | None]) -> str:
        """The image's login, reading each image once."""
        image_id = _image_id(server)
        if image_id not in logins:
            try:
                logins[image_id] = reach.image_login(self.app, server)
            except exceptions.CommandError:
                logins[image_id] = None
        login = logins[image_id]
        if login is None:
            raise Skip('its image names no os_admin_user or known '
                       'os_distro; give --login')
        return login

    def _project_id(self) -> str | None:
        project = getattr(self.app.client_manager.auth_ref, 'project_id',
                          None)
        return project if isinstance(project, str) else None

    def _cloud_name(self) -> str | None:
        name = getattr(getattr(self.app, 'cloud', None), 'name', None)
        return name if isinstance(name, str) else None

    def _say(self, line: str) -> None:
        self.app.stderr.write(line + '\n')
        self.app.stderr.flush()
