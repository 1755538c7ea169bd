"""keypair create and keypair import."""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

from osc_lib.cli import format_columns
from osc_lib import exceptions

from keypairs_osc import api
from keypairs_osc import errors
from keypairs_osc import keys
from keypairs_osc import passphrase
from keypairs_osc import problem
from keypairs_osc import regions
from keypairs_osc import securefile
from keypairs_osc.v1 import common

LOG = logging.getLogger(__name__)

#: Public keys ``keypair import`` tries when none is given, in order.
DEFAULT_PUBLIC_KEYS = ('~/.ssh/id_ed25519.pub', '~/.ssh/id_ecdsa.pub',
                       '~/.ssh/id_rsa.pub')


#: Options of key generation, which cannot apply to a given public key.
GENERATION_OPTIONS = (('--key-type', 'key_type'), ('--key-size', 'key_size'),
                      ('--comment', 'comment'),
                      ('--private-key-format', 'private_key_format'),
                      ('--passphrase-file', 'passphrase_file'),
                      ('--ask-passphrase', 'ask_passphrase'),
                      ('--force', 'force'))


def _refuse_generation_options(parsed_args: argparse.Namespace) -> None:
    """With --public-key nothing is generated: say so of such options."""
    given = [option for option, dest in GENERATION_OPTIONS
             if getattr(parsed_args, dest, None) not in (None, False)]
    if given:
        raise exceptions.CommandError(
            f'{", ".join(given)} cannot be used with --public-key: that key '
            'is not generated here (leave out --public-key to generate one)')


def _read_public_key(path: str, key_type: str | None,
                     stdin: Any = None) -> keys.ParsedPublicKey:
    data = securefile.read_input(path, 'public key', stdin=stdin)
    with problem.about(f'public key {path}'):
        return keys.parse_public_key(data, key_type or 'ssh')


def _register(app: Any, parsed_args: argparse.Namespace, upload: str,
              public: keys.PublicKeyInfo, user_id: str | None) -> Any:
    """Register the key pair; keep it if Nova made it despite an error."""
    created = api.create_or_recover(
        app.client_manager.compute, parsed_args.name, upload, public,
        key_type=parsed_args.type, user_id=user_id)
    if created.despite is not None:
        LOG.warning('The cloud answered "%s", but key pair %r was created; '
                    'keeping it', errors.explain(created.despite),
                    parsed_args.name)
    return created.keypair


def _register_in(region: regions.Region, parsed_args: argparse.Namespace,
                 upload: str, public: keys.PublicKeyInfo,
                 user_id: str | None) -> Any:
    """:func:`_register` in one region of several."""
    created = api.create_or_recover(
        region.compute, parsed_args.name, upload, public,
        key_type=parsed_args.type, user_id=user_id)
    if created.despite is not None:
        LOG.warning('Region %s answered "%s", but key pair %r was created; '
                    'keeping it', region.name,
                    errors.explain(created.despite), parsed_args.name)
    return created.keypair


def _undo_in(made: list[regions.Region], name: str, user_id: str | None
             ) -> str:
    """Delete the key pair from the regions that made it; what came of it.
    """
    if not made:
        return 'no region had made it'
    undone = regions.each(made, lambda region: api.delete_confirmed(
        region.compute, name, user_id=user_id, ignore_missing=True))
    gone = [o.region.name for o in undone
            if o.ok and o.value is not None and o.value.failure is None]
    left = [(o.region.name, o.failure or o.value.failure)  # type: ignore
            for o in undone if o.region.name not in gone]
    parts = []
    if gone:
        parts.append(f'deleted again from {", ".join(gone)}')
    for region, why in left:
        parts.append(f'deleting it from {region} failed too '
                     f'({errors.explain(why)}): delete it with "openstack '
                     f'keypair delete {name} --region {region}"')
    return '; '.join(parts)


def register_everywhere(app: Any, parsed_args: argparse.Namespace,
                        chosen: list[regions.Region], upload: str,
                        public: keys.PublicKeyInfo,
                        user_id: str | None) -> list[tuple[regions.Region,
                                                           Any]]:
    """Register the key pair in every region, or in none.

    When a region refuses or fails, the key pair is deleted again from the
    regions that made it, and the one line names the region and why.
    """
    outcomes = regions.each(chosen, lambda region: _register_in(
        region, parsed_args, upload, public, user_id))
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return [(o.region, o.value) for o in outcomes]
    made = [o.region for o in outcomes if o.ok]
    why = '; '.join(regions.failure_line(o) for o in failed)
    raise exceptions.CommandError(
        f'{common.keypair_subject(parsed_args.name)}: {why}; '
        f'{_undo_in(made, parsed_args.name, user_id)}; nothing was kept')


def regions_shown(made: list[tuple[regions.Region, Any]]) -> Any:
    """The fields of a key pair made in several regions, with them named.

    The first region's fields, but for created_at, which differs by
    region; ``regions`` lists where it is.
    """
    display, values = common.show_columns(made[0][1], 'public_key',
                                          'private_key', 'created_at')
    fields = dict(zip(display, values, strict=True))
    fields['regions'] = format_columns.ListColumn(
        [region.name for region, _ in made])
    ordered = sorted(fields)
    return tuple(ordered), tuple(fields[f] for f in ordered)


def _rollback(app: Any, name: str, user_id: str | None,
              cause: str,
              made: list[tuple[regions.Region, Any]] | None = None
              ) -> exceptions.CommandError:
    """Delete the key pair whose private half could not be saved.

    ``made``: the regions it was made in, when it was made in several.
    """
    subject = common.keypair_subject(name)
    if made is not None:
        undone = _undo_in([region for region, _ in made], name, user_id)
        return exceptions.CommandError(
            f'{subject}: {cause}; {undone}; nothing was kept')
    try:
        api.delete(app.client_manager.compute, name, user_id=user_id)
    except errors.REPORTED as exc:
        return exceptions.CommandError(
            f'{subject}: {cause}; deleting the key pair from the cloud '
            f'failed too ({errors.explain(exc)}): delete it with '
            f'"openstack keypair delete {name}"')
    return exceptions.CommandError(
        f'{subject}: {cause}; the key pair was deleted from the cloud '
        'again, nothing was kept')


def add_generation_options(parser: argparse.ArgumentParser) -> None:
    """How a key is generated and saved: create's options, and rotate's."""
    parser.add_argument(
        '--key-type', metavar='<key-type>', choices=keys.KEY_TYPES,
        help='Type of key to generate: ed25519 (default), ecdsa or rsa')
    parser.add_argument(
        '--key-size', metavar='<bits>', type=int,
        help=f'Key size: rsa {keys.RSA_MIN_BITS} to {keys.RSA_MAX_BITS} '
             f'(default {keys.RSA_DEFAULT_BITS}); ecdsa 256 (default), '
             '384 or 521; not for ed25519')
    parser.add_argument(
        '--comment', metavar='<text>',
        help='Comment of the generated key: in its public key, and in '
             'an OpenSSH private key file as ssh-keygen -C keeps it')
    parser.add_argument(
        '--private-key-format', metavar='<format>',
        choices=keys.PRIVATE_KEY_FORMATS,
        help='Format of the private key: openssh (default), pem '
             '(traditional PKCS#1/SEC1) or pkcs8; ed25519 keys only in '
             'openssh, the one form ssh reads for them')
    passphrase.add_options(parser, 'encrypts the private key')
    parser.add_argument(
        '--force', action='store_true',
        help='Replace an existing non-empty private key file, and a '
             '<file>.pub holding another key; the old ones are kept as '
             '<file>.bak and <file>.pub.bak')


def generate(command: Any, parsed_args: argparse.Namespace,
             chosen: list[regions.Region] | None = None) -> Any:
    """Generate the key pair, register it and save its private key.

    As ``keypair create`` does it (``command``: the command, for its app
    and its output): the private key is written only once Nova has
    accepted the key pair, and the key pair is deleted again when the
    private key cannot be saved or printed.
    """
    if parsed_args.type == 'x509':
        raise exceptions.CommandError(
            '--type x509 needs a PEM certificate, which create cannot '
            'generate: give it with --public-key <certificate.pem>')
    parsed_args.key_type = parsed_args.key_type or 'ed25519'
    parsed_args.private_key_format = (parsed_args.private_key_format
                                      or 'openssh')
    keys.resolve_key_size(parsed_args.key_type, parsed_args.key_size)
    keys.check_private_key_format(parsed_args.key_type,
                                  parsed_args.private_key_format)
    secret = passphrase.for_new_key(parsed_args)
    to_stdout = parsed_args.private_key in (None, '-')
    target = None
    if not to_stdout:
        target = securefile.PrivateKeyFile(parsed_args.private_key,
                                           force=parsed_args.force)
        target.prepare()
    try:
        key = keys.generate(parsed_args.key_type, parsed_args.key_size)
        private_bytes = keys.serialize_private_key(
            key, parsed_args.private_key_format, secret,
            comment=parsed_args.comment or '')
        public = keys.public_key_of(key, parsed_args.comment or '')
        user_id = common.resolve_user_id(command.app, parsed_args)
        made = None
        if chosen is not None:
            made = register_everywhere(command.app, parsed_args, chosen,
                                       public.openssh, public, user_id)
            keypair = made[0][1]
        else:
            keypair = _register(command.app, parsed_args, public.openssh,
                                public, user_id)
    except BaseException:
        if target is not None:
            target.abandon()  # Nova refused: leave no file behind
        raise
    if to_stdout:
        _print_private_key(command, parsed_args, private_bytes, user_id,
                           made)
        return (), ()
    assert target is not None
    try:
        target.commit(private_bytes)
    except securefile.FileProblem as exc:
        raise _rollback(command.app, parsed_args.name, user_id,
                        f'could not save the private key: {exc}', made)
    finally:
        target.abandon()
    for region, in_region in made or [(None, keypair)]:
        common.remember_private_key(
            command.app, in_region, target.path, public,
            compute=region.compute if region else None)
    if target.backup_path:
        LOG.warning('The previous %s was kept as %s',
                    parsed_args.private_key, target.backup_path)
    warning = securefile.write_public_key(
        parsed_args.private_key + '.pub', public.openssh,
        replace=parsed_args.force)
    if warning:
        LOG.warning('%s', warning)
    if made is not None:
        return regions_shown(made)
    return common.show_columns(keypair, 'public_key', 'private_key')


def _print_private_key(command: Any, parsed_args: argparse.Namespace,
                       private_bytes: bytes, user_id: str | None,
                       made: list[tuple[regions.Region, Any]] | None
                       = None) -> None:
    try:
        command.print_alone(private_bytes.decode())
    except OSError as exc:
        raise _rollback(command.app, parsed_args.name, user_id,
                        'could not print the private key '
                        f'({errors.explain(exc)})', made)


class CreateKeypair(common.ShowOne):
    """Create a key pair: generate it locally, or register a public key.

    The private key never leaves this machine: it is generated here, only
    its public half is sent to Nova, and it is written (mode 0600) only once
    Nova has accepted the key pair.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='New key pair name')
        key_group = parser.add_mutually_exclusive_group()
        key_group.add_argument(
            '--public-key', metavar='<file>',
            help='Register the public key in <file> ("-" for stdin) instead '
                 'of generating a key pair (as "keypair import")')
        key_group.add_argument(
            '--private-key', metavar='<file>',
            help='Save the generated private key to <file> (mode 0600, '
                 'public key in <file>.pub). Without it, or with "-", the '
                 'private key is printed on stdout')
        add_generation_options(parser)
        common.add_type_option(parser)
        common.add_user_options(parser, 'The owner of the key pair')
        common.add_region_options(
            parser, 'Register the one key (all or nothing)')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        common.precheck_name(parsed_args.name)
        if parsed_args.public_key:
            _refuse_generation_options(parsed_args)
        chosen = common.chosen_regions(self.app, parsed_args)
        if parsed_args.public_key:
            parsed = _read_public_key(parsed_args.public_key,
                                      parsed_args.type,
                                      stdin=getattr(self.app.stdin,
                                                    'buffer', None))
            user_id = common.resolve_user_id(self.app, parsed_args)
            if chosen is not None:
                return regions_shown(register_everywhere(
                    self.app, parsed_args, chosen, parsed.upload,
                    parsed.info, user_id))
            keypair = _register(self.app, parsed_args, parsed.upload,
                                parsed.info, user_id)
            return common.show_columns(keypair, 'public_key', 'private_key')
        return self._generate(parsed_args, chosen)

    def _generate(self, parsed_args: argparse.Namespace,
                  chosen: list[regions.Region] | None = None) -> Any:
        return generate(self, parsed_args, chosen)


class ImportKeypair(common.ShowOne):
    """Import an existing public key (any common format) as a key pair.

    The key is checked and converted to the one-line OpenSSH form locally;
    a private key is never sent.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='New key pair name')
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            '--public-key', metavar='<file>',
            help='Public key file ("-" for stdin): OpenSSH, authorized_keys '
                 'line, RFC 4716, PEM PUBLIC KEY or RSA PUBLIC KEY, or with '
                 '--type x509 a PEM certificate. Default: the first of '
                 f'{", ".join(DEFAULT_PUBLIC_KEYS)} that exists')
        source.add_argument(
            '--private-key', metavar='<file>',
            help='Derive the public key locally from this private key '
                 '(OpenSSH, PEM or PKCS#8); the private key is never sent')
        passphrase.add_options(parser, 'decrypts --private-key')
        parser.add_argument(
            '--exist-ok', action='store_true',
            help='Succeed when a key pair of this name already holds the '
                 'same public key (fail if it holds another)')
        common.add_type_option(parser)
        common.add_user_options(parser, 'The owner of the key pair')
        common.add_region_options(
            parser, 'Import the key (--exist-ok per region)')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        common.precheck_name(parsed_args.name)
        chosen = common.chosen_regions(self.app, parsed_args)
        if parsed_args.private_key:
            info = self._from_private_key(parsed_args)
            upload = info.openssh
        else:
            path = parsed_args.public_key or self._default_public_key()
            parsed = _read_public_key(path, parsed_args.type,
                                      stdin=getattr(self.app.stdin,
                                                    'buffer', None))
            info, upload = parsed.info, parsed.upload
        user_id = common.resolve_user_id(self.app, parsed_args)
        if chosen is not None:
            return self._import_in(chosen, parsed_args, upload, info,
                                   user_id)
        try:
            keypair = _register(self.app, parsed_args, upload, info, user_id)
        except errors.REPORTED as exc:
            if not (parsed_args.exist_ok and errors.is_conflict(exc)):
                raise
            keypair = self._existing_same_key(parsed_args, info, user_id)
        if parsed_args.private_key and parsed_args.private_key != '-':
            # A key read from stdin has no file to find again later.
            common.remember_private_key(self.app, keypair,
                                        parsed_args.private_key, info)
        return common.show_columns(keypair, 'public_key', 'private_key')

    def _import_in(self, chosen: list[regions.Region],
                   parsed_args: argparse.Namespace, upload: str,
                   info: keys.PublicKeyInfo, user_id: str | None) -> Any:
        """Import into each region; those that fail are a line each."""
        def one(region: regions.Region) -> Any:
            try:
                return _register_in(region, parsed_args, upload, info,
                                    user_id)
            except errors.REPORTED as exc:
                if not (parsed_args.exist_ok and errors.is_conflict(exc)):
                    raise
                return self._existing_same_key(parsed_args, info, user_id,
                                               region.compute)

        answered = common.settle(self, regions.each(chosen, one),
                                 common.keypair_subject(parsed_args.name))
        if parsed_args.private_key and parsed_args.private_key != '-':
            for outcome in answered:
                common.remember_private_key(
                    self.app, outcome.value, parsed_args.private_key, info,
                    compute=outcome.region.compute)
        return regions_shown([(o.region, o.value) for o in answered])

    def _default_public_key(self) -> str:
        for candidate in DEFAULT_PUBLIC_KEYS:
            if os.path.exists(os.path.expanduser(candidate)):
                self.app.stderr.write(f'Using public key {candidate}\n')
                return candidate
        raise exceptions.CommandError(
            'no public key given and none of '
            f'{", ".join(DEFAULT_PUBLIC_KEYS)} exists; use --public-key')

    def _from_private_key(self,
                          parsed_args: argparse.Namespace
                          ) -> keys.PublicKeyInfo:
        return keys.public_key_of(
            common.load_private_key(parsed_args.private_key, parsed_args))

    def _existing_same_key(self, parsed_args: argparse.Namespace,
                           info: keys.PublicKeyInfo,
                           user_id: str | None, compute: Any = None) -> Any:
        existing = api.get(compute or self.app.client_manager.compute,
                           parsed_args.name, user_id=user_id)
        stored = keys.describe_stored(existing.public_key, existing.type)
        if keys.same_key(stored, info):
            return existing
        theirs = stored.fingerprint_sha256 if stored else 'unreadable'
        subject = common.keypair_subject(parsed_args.name)
        raise exceptions.CommandError(
            f'{subject}: already exists with a different public key '
            f'({theirs}, not {info.fingerprint_sha256})')
