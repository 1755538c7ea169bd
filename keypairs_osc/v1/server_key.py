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


def recorded_key(app: Any, server: Any, option: str) -> str:
    """The recorded private key file of the server's key pair.

    ``option`` is the command's option that gives a key file instead.
    """
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


def keypair_key(app: Any, server: Any) -> KeypairKey:
    """The public key of the server's key pair, as far as it is known."""
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
