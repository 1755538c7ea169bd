"""The key pair a server was booted with: its public key and local private key.

``keypair ssh`` and ``server password show`` find them the same way: the
public key from Nova (the key pair's owner being the server's user), or the
record's fingerprint for a key pair deleted while in use; the private key
from the record of what ``keypair create``/``import`` saved here.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from typing import Any

from osc_lib import exceptions

from keypairs_osc import api
from keypairs_osc import errors
from keypairs_osc import keys
from keypairs_osc import record
from keypairs_osc import securefile
from keypairs_osc.v1 import common


class OnServer:
    """A command about one server: its ``<server>``, found or one line."""

    app: Any

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)  # type: ignore[misc]
        parser.add_argument('server', metavar='<server>',
                            help='Server (name or ID)')
        return parser

    def subject(self, parsed_args: argparse.Namespace) -> str:
        return f'server {parsed_args.server!r}'

    def find_server(self, parsed_args: argparse.Namespace) -> Any:
        return self.app.client_manager.compute.find_server(
            parsed_args.server, ignore_missing=False, details=True)


@dataclasses.dataclass(frozen=True)
class KeypairKey:
    """What is known of the public key a server was booted with."""

    #: The key as Nova holds it; None when the key pair was deleted, its
    #: key is unreadable, or the server has none.
    info: keys.PublicKeyInfo | None = None
    #: Its SHA256 fingerprint: Nova's, or the record's for a deleted one.
    fingerprint_sha256: str | None = None


def rotation(app: Any, server: Any) -> record.Rotation | None:
    """The key pair ``keypair rotate`` moved the server to, if it did.

    Nova cannot know: it keeps the key pair the server was booted with.
    """
    return record.rotation(common.cloud_id(app), server.id)


def recorded_key(app: Any, server: Any, option: str,
                 rotated: record.Rotation | None = None) -> str:
    """The recorded private key file of the server's key pair.

    ``option`` is the command's option that gives a key file instead;
    ``rotated``: the server's rotation, whose key is then the one to log
    in with.
    """
    if rotated is not None:
        if not os.path.isfile(rotated.path):
            raise exceptions.CommandError(
                f'{rotated.path}, the private key of key pair '
                f'{rotated.to_name!r} (the server was rotated to it), no '
                f'longer exists; give {option}')
        return rotated.path
    if not server.key_name:
        raise exceptions.CommandError(
            f'server {server.name!r} was booted without a key pair; '
            f'give {option}')
    entry = record.lookup(common.cloud_id(app), server.user_id,
                          server.key_name)
    if entry is None:
        raise exceptions.CommandError(
            f'no private key of key pair {server.key_name!r} is known '
            f'on this machine; give {option}')
    if not os.path.isfile(entry.path):
        raise exceptions.CommandError(
            f'{entry.path}, the private key of key pair '
            f'{server.key_name!r}, no longer exists; give {option}')
    return entry.path


def identity_blob(identity: str) -> bytes:
    """The public key blob of the private key file ssh is to log in with.

    From the key itself, or, for an encrypted key whose format hides it,
    from the ``.pub`` file beside it; else one line.
    """
    if identity == '-' or (os.path.exists(identity)
                           and not os.path.isfile(identity)):
        # ssh reads it again itself: a pipe would be empty by then, and
        # ssh -i takes no "-" for stdin.
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
    return blob


def keypair_key(app: Any, server: Any,
                rotated: record.Rotation | None = None) -> KeypairKey:
    """The public key of the server's key pair, as far as it is known.

    ``rotated``: the server's rotation, whose recorded fingerprint then
    counts, not the key Nova booted it with.
    """
    if rotated is not None:
        return KeypairKey(fingerprint_sha256=rotated.fingerprint_sha256)
    if not server.key_name:
        return KeypairKey()
    owner = server.user_id
    if owner == common.own_user_id(app):
        owner = None
    try:
        keypair = api.get(app.client_manager.compute, server.key_name,
                          user_id=owner)
    except errors.REPORTED as exc:
        if not errors.is_not_found(exc):
            raise exceptions.CommandError(errors.one_line(
                exc, common.keypair_subject(server.key_name))) from exc
        # Deleted while in use: the server keeps the key; so does the
        # record of what was created here.
        entry = record.lookup(common.cloud_id(app), server.user_id,
                              server.key_name)
        return KeypairKey(fingerprint_sha256=entry.fingerprint_sha256
                          if entry else None)
    info = keys.describe_stored(keypair.public_key, keypair.type)
    return KeypairKey(info, info.fingerprint_sha256 if info else None)
