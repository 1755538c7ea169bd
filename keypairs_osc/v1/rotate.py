"""keypair rotate: move servers from one key pair to another, over ssh.

Nova gives a server its key only when it boots or is rebuilt; this
command instead edits each server's ``~/.ssh/authorized_keys`` by logging
in (the steps are :mod:`keypairs_osc.rotation`'s) and notes in the local
record which key now logs in, which Nova cannot know.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import logging
import shlex
import subprocess
from collections.abc import Sequence
from typing import Any

from osc_lib import exceptions

from keypairs_osc import api
from keypairs_osc import errors
from keypairs_osc import keys
from keypairs_osc import record
from keypairs_osc import rotation
from keypairs_osc import servers
from keypairs_osc.v1 import common
from keypairs_osc.v1 import create
from keypairs_osc.v1 import reach
from keypairs_osc.v1 import server_key

LOG = logging.getLogger(__name__)

COLUMNS = ('Server', 'Address', 'Result', 'Reason')
DEFAULT_CONCURRENCY = 4
#: Seconds one ssh session may take.
SSH_TIMEOUT = 120
#: Options rotate gives ssh after the user's, which win: no prompts (the
#: logins run side by side), and no endless wait for a dead server.
SSH_DEFAULTS = ('BatchMode=yes', 'ConnectTimeout=30')
#: Generation options, which --existing cannot take.
_GENERATION = (('--key-type', 'key_type'), ('--key-size', 'key_size'),
               ('--comment', 'comment'),
               ('--private-key-format', 'private_key_format'),
               ('--passphrase-file', 'passphrase_file'),
               ('--ask-passphrase', 'ask_passphrase'), ('--force', 'force'))


@dataclasses.dataclass
class Target:
    """A server to rotate, and how it is reached."""

    server: Any
    address: str | None = None
    login: str | None = None
    #: Why it cannot be rotated, found before any login.
    problem: str | None = None


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError('must be 1 or more')
    return number


class RotateKeypair(common.Lister):
    """Move servers from key pair <old> to <new>, proving each login.

    For each server: log in with <old>'s key, add <new>'s public key to
    the login user's ~/.ssh/authorized_keys, log in with <new>'s key, then
    remove <old>'s line and log in with <new> again. <old> is never
    removed before <new> has logged in; a server where a step fails keeps
    a key that logs in, and the table says which. Nova still names <old>
    as the servers' key pair: the local record notes the rotation, so
    "keypair ssh" uses <new>'s key. Exits 0 only when every server was
    rotated.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('old', metavar='<old>',
                            help='Key pair the servers use now')
        parser.add_argument('new', metavar='<new>',
                            help='Key pair to move them to: created as '
                                 '"keypair create" does, unless --existing')
        parser.add_argument(
            '--existing', action='store_true',
            help='Use the existing key pair <new>, whose private key is '
                 'recorded here or given with --private-key')
        parser.add_argument(
            '--private-key', metavar='<file>',
            help='Where to save the private key of the new key pair (mode '
                 '0600, public key in <file>.pub; needed, since the '
                 'servers are logged in to with it), or with --existing '
                 'the private key file of <new>')
        create.add_generation_options(parser)
        parser.add_argument(
            '--old-private-key', metavar='<file>',
            help="Private key file of <old> (default: the one recorded "
                 'for it)')
        parser.add_argument(
            '--server', metavar='<server>', action='append', default=[],
            help='Rotate this server (name or ID; repeatable) instead of '
                 'every server of yours that "keypair show <old>" lists')
        reach.add_login_options(parser)
        reach.add_address_options(parser)
        parser.add_argument(
            '--concurrency', metavar='<n>', type=_positive,
            default=DEFAULT_CONCURRENCY,
            help='Servers rotated at the same time '
                 f'(default: {DEFAULT_CONCURRENCY})')
        parser.add_argument(
            '--dry-run', action='store_true',
            help='Show the servers and how each would be reached; create, '
                 'log in to and change nothing')
        parser.add_argument(
            '--delete-old', action='store_true',
            help='Delete <old> from the cloud once every one of its '
                 'servers is rotated (otherwise keep it and say why)')
        return parser

    def subject(self, parsed_args: argparse.Namespace) -> str:
        return common.keypair_subject(parsed_args.old)

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        old_name, new_name = parsed_args.old, parsed_args.new
        for name in (old_name, new_name):
            common.precheck_name(name)
        if old_name == new_name:
            raise exceptions.CommandError(
                f'<old> and <new> are the same key pair, {old_name!r}')
        self._check_options(parsed_args)
        compute = self.app.client_manager.compute
        old = self._old_key(parsed_args)
        found = self._find_new(new_name)
        if parsed_args.existing and found is None:
            raise exceptions.CommandError(
                f'{common.keypair_subject(new_name)} does not exist; leave '
                'out --existing to create it')
        if not parsed_args.existing and found is not None:
            raise exceptions.CommandError(
                f'{common.keypair_subject(new_name)} exists already; give '
                '--existing to move the servers to it')
        # An existing <new>'s key is checked before anything, --dry-run too.
        new = None if found is None else self._new_key(parsed_args, found)
        targets = self._targets(parsed_args)
        if parsed_args.dry_run:
            return COLUMNS, [self._row(t, 'would fail', t.problem)
                             if t.problem else
                             self._row(t, 'would rotate', (
                                 f'log in as {t.login} with {old_name!r}, '
                                 f'add {new_name!r}, prove it, remove '
                                 f'{old_name!r}'))
                             for t in targets]
        ssh = reach.ssh_program()  # before <new> is made
        if new is None:
            created = argparse.Namespace(**vars(parsed_args))
            created.name, created.type, created.user = new_name, None, None
            create.generate(self, created)
            new = self._new_key(parsed_args, api.get(compute, new_name))
        rows = self._rotate(ssh, parsed_args, targets, old, new)
        self._delete_old(parsed_args)
        return COLUMNS, rows

    # -- before any login ----------------------------------------------------

    def _check_options(self, parsed_args: argparse.Namespace) -> None:
        if parsed_args.existing:
            given = [option for option, dest in _GENERATION
                     if getattr(parsed_args, dest, None) not in (None,
                                                                 False)]
            if given:
                raise exceptions.CommandError(
                    f'{", ".join(given)} cannot be used with --existing: '
                    'that key pair is not generated here')
        elif parsed_args.private_key in (None, '-'):
            raise exceptions.CommandError(
                'give --private-key <file>: the new private key is saved '
                'there and the servers are logged in to with it')

    def _old_key(self, parsed_args: argparse.Namespace) -> rotation.Key:
        """<old> as Nova holds it, with its private key file."""
        keypair = api.get(self.app.client_manager.compute, parsed_args.old)
        path = parsed_args.old_private_key or self._recorded(
            parsed_args.old, '--old-private-key')
        return self._key(keypair, path, '--old-private-key')

    def _new_key(self, parsed_args: argparse.Namespace,
                 keypair: Any) -> rotation.Key:
        path = parsed_args.private_key or self._recorded(
            keypair.name, '--private-key')
        return self._key(keypair, path, '--private-key')

    def _recorded(self, name: str, option: str) -> str:
        entry = record.lookup(common.cloud_id(self.app),
                              common.own_user_id(self.app), name)
        if entry is None:
            raise exceptions.CommandError(
                f'no private key of {common.keypair_subject(name)} is '
                f'known on this machine; give {option}')
        return entry.path

    def _key(self, keypair: Any, path: str, option: str) -> rotation.Key:
        """The key pair's key; ``path`` must hold its private half."""
        info = keys.describe_stored(keypair.public_key, keypair.type)
        if info is None:
            raise exceptions.CommandError(
                f'{common.keypair_subject(keypair.name)}: its public key '
                'cannot be read')
        blob = server_key.identity_blob(path)
        if blob != info.blob:
            raise exceptions.CommandError(
                f'{path} ({keys.fingerprint_sha256(blob)}) is not the '
                f'private key of {common.keypair_subject(keypair.name)} '
                f'({info.fingerprint_sha256}); give {option}')
        return rotation.Key(keypair.name, path, info.blob, info.openssh)

    def _find_new(self, name: str) -> Any:
        try:
            return api.get(self.app.client_manager.compute, name)
        except errors.REPORTED as exc:
            if errors.is_not_found(exc):
                return None
            raise exceptions.CommandError(errors.one_line(
                exc, common.keypair_subject(name))) from exc

    def _targets(self, parsed_args: argparse.Namespace) -> list[Target]:
        """The servers, each with its address and login, or why not."""
        if parsed_args.server:
            found = [self._find_server(name) for name in parsed_args.server]
        else:
            found = self._servers_of(parsed_args.old)
        targets = []
        for server in found:
            target = Target(server)
            try:
                # rotate has no --address: one address for every server
                # would not do.
                target.address = reach.choose_address(
                    server, parsed_args, '--private or --address-type')
                target.login = parsed_args.login or reach.image_login(
                    self.app, server)
            except exceptions.CommandError as exc:
                target.problem = str(exc)
            targets.append(target)
        return targets

    def _find_server(self, name: str) -> Any:
        with errors.reported(f'server {name!r}'):
            return self.app.client_manager.compute.find_server(
                name, ignore_missing=False, details=True)

    def _servers_of(self, name: str) -> list[Any]:
        """Those ``keypair show`` lists, as the record has them now.

        Servers booted with ``name`` but rotated away from it are left
        out; servers rotated to it are added.
        """
        compute = self.app.client_manager.compute
        cloud, own = common.cloud_id(self.app), common.own_user_id(self.app)
        with errors.reported(common.keypair_subject(name)):
            refs = servers.using(compute, name, own)
        moved = {r.server_id: r.to_name
                 for r in record.rotations(cloud, own, name)}
        ids = [ref.id for ref in refs if moved.get(ref.id, name) == name]
        ids += [server_id for server_id, to in moved.items()
                if to == name and server_id not in ids]
        found = []
        for server_id in ids:
            try:
                found.append(compute.get_server(server_id))
            except errors.REPORTED as exc:
                if not errors.is_not_found(exc):
                    raise
        return found

    # -- the logins ----------------------------------------------------------

    def _rotate(self, ssh: str, parsed_args: argparse.Namespace,
                targets: list[Target], old: rotation.Key,
                new: rotation.Key) -> list[tuple]:
        runners = {}
        for target in targets:
            if target.problem is None:
                try:
                    pinned = reach.pin_host_keys(
                        self.app, target.server,
                        f'server {target.server.name!r}',
                        repin_with='"keypair ssh --repin" (rotate has no '
                                   '--repin: it checks, never re-pins)')
                except errors.REPORTED as exc:
                    target.problem = errors.explain(exc)
                    continue
                runners[target.server.id] = _runner(
                    ssh, target, parsed_args, pinned)

        def one(target: Target) -> rotation.Outcome:
            if target.problem is not None:
                return rotation.Outcome(False, f'{target.problem}; nothing '
                                        'changed', 0)
            return rotation.rotate(runners[target.server.id], old, new)

        with concurrent.futures.ThreadPoolExecutor(
                min(parsed_args.concurrency, max(len(targets), 1))) as pool:
            outcomes = list(pool.map(one, targets))
        cloud = common.cloud_id(self.app)
        rows, rotated = [], 0
        for target, outcome in zip(targets, outcomes, strict=True):
            LOG.debug('%s: %d ssh logins', target.server.id, outcome.logins)
            rotated += outcome.rotated
            if outcome.old_removed:  # only <new> can log in now
                record.remember_rotation(cloud, record.Rotation(
                    target.server.id, target.server.name,
                    target.server.user_id, old.name, new.name,
                    new.identity, keys.fingerprint_sha256(new.blob)))
            rows.append(self._row(target, 'rotated' if outcome.rotated
                                  else 'failed', outcome.reason))
        failed = len(targets) - rotated
        if failed:
            self.region_failures.append(
                f'{common.keypair_subject(old.name)}: {failed} of '
                f'{len(targets)} servers not rotated')
        return rows

    def _delete_old(self, parsed_args: argparse.Namespace) -> None:
        """Delete <old> when no server is left on it, or say why not.

        Asked again after the rotations, so that servers not rotated here
        (left out with --server, or booted meanwhile) count too.
        """
        if not parsed_args.delete_old:
            return
        subject = common.keypair_subject(parsed_args.old)
        try:
            with errors.reported(subject):
                left = self._servers_of(parsed_args.old)
        except exceptions.CommandError as exc:
            # The rotations are done: their table is still shown.
            self.region_failures.append(
                f'{exc}; kept, since which servers still use it is unknown')
            return
        if left:
            self.region_failures.append(
                f'{subject}: kept, since servers still use it: '
                + ', '.join(str(servers.ServerRef(s.id, s.name))
                            for s in left))
            return
        deleted = api.delete_confirmed(self.app.client_manager.compute,
                                       parsed_args.old, ignore_missing=True)
        if deleted.failure is not None:
            self.region_failures.append(
                f'{subject}: deleting it failed: '
                f'{errors.explain(deleted.failure)}')
            return
        self.app.stderr.write(f'Deleted {subject}: no server uses it\n')

    @staticmethod
    def _row(target: Target, result: str, reason: str) -> tuple:
        return (str(servers.ServerRef(target.server.id, target.server.name)),
                target.address or '', result, reason)


def _runner(ssh: str, target: Target, parsed_args: argparse.Namespace,
            pinned: dict[str, str]) -> rotation.Runner:
    """Run a rotation script on the target, as ``keypair ssh`` logs in."""
    options = [*parsed_args.option, *SSH_DEFAULTS]

    def run(identity: str, script: str, args: Sequence[str],
            stdin: bytes) -> rotation.Ran:
        assert target.address is not None and target.login is not None
        argv = reach.ssh_argv(ssh, identity, target.login, target.address,
                              port=parsed_args.port, options=options,
                              pinned=pinned)
        # One argument for the remote shell, which hands it to sh: the
        # script is ours and the arguments are digests.
        argv.append(shlex.join(['sh', '-c', script, 'sh', *args]))
        try:
            done = subprocess.run(argv, input=stdin, capture_output=True,
                                  timeout=SSH_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            return rotation.Ran(rotation.SSH_FAILED,
                                error=f'no answer in {SSH_TIMEOUT} s')
        lines = done.stderr.decode(errors='replace').strip().splitlines()
        return rotation.Ran(done.returncode, done.stdout,
                            lines[-1] if lines else '')

    return run
