"""Key logic: generate, parse, convert and fingerprint keys.

Pure functions over bytes and strings: nothing here touches files, the
terminal or the network, so every rule about key formats lives in one place
and is tested without any of those. The modules, each importing only those
listed before it:

* ``exceptions``: the errors, each one line for the user;
* ``wire``: the SSH wire format's strings;
* ``info``: a public key in OpenSSH terms, its fingerprints, ``same_key``;
* ``blob``: an OpenSSH public key blob, checked (``sk-`` FIDO keys too);
* ``parse``: public keys in every common format;
* ``openssh``: the OpenSSH private key file (header, comment, bcrypt cap);
* ``private``: generate, serialise and load private keys;
* ``password``: decrypt the password a Windows guest posts.

This package names what the commands use, so they import only ``keys``.
"""

from keypairs_osc.keys.exceptions import InvalidKey
from keypairs_osc.keys.exceptions import PassphraseRequired
from keypairs_osc.keys.exceptions import PrivateKeyGiven
from keypairs_osc.keys.exceptions import WrongPassphrase
from keypairs_osc.keys.info import RSA_MIN_BITS
from keypairs_osc.keys.info import PublicKeyInfo
from keypairs_osc.keys.info import clean_comment
from keypairs_osc.keys.info import describe
from keypairs_osc.keys.info import fingerprint_sha256
from keypairs_osc.keys.info import same_key
from keypairs_osc.keys.parse import ParsedPublicKey
from keypairs_osc.keys.parse import contains_private_key
from keypairs_osc.keys.parse import describe_stored
from keypairs_osc.keys.parse import line_blob
from keypairs_osc.keys.parse import parse_public_key
from keypairs_osc.keys.password import NotDecrypted
from keypairs_osc.keys.password import carries_password
from keypairs_osc.keys.password import decrypt_password
from keypairs_osc.keys.private import KEY_TYPES
from keypairs_osc.keys.private import PRIVATE_KEY_FORMATS
from keypairs_osc.keys.private import RSA_DEFAULT_BITS
from keypairs_osc.keys.private import RSA_MAX_BITS
from keypairs_osc.keys.private import check_private_key_format
from keypairs_osc.keys.private import generate
from keypairs_osc.keys.private import load_private_key
from keypairs_osc.keys.private import private_key_is_encrypted
from keypairs_osc.keys.private import public_blob_of_private_key
from keypairs_osc.keys.private import public_key_of
from keypairs_osc.keys.private import resolve_key_size
from keypairs_osc.keys.private import serialize_private_key

__all__ = [
    'KEY_TYPES', 'PRIVATE_KEY_FORMATS', 'RSA_DEFAULT_BITS', 'RSA_MAX_BITS',
    'RSA_MIN_BITS', 'InvalidKey', 'ParsedPublicKey', 'PassphraseRequired',
    'PrivateKeyGiven', 'PublicKeyInfo', 'WrongPassphrase',
    'check_private_key_format', 'clean_comment', 'contains_private_key',
    'describe', 'describe_stored', 'fingerprint_sha256', 'generate',
    'line_blob',
    'load_private_key', 'parse_public_key', 'private_key_is_encrypted',
    'public_blob_of_private_key', 'public_key_of', 'resolve_key_size',
    'same_key', 'serialize_private_key',
    'NotDecrypted', 'carries_password', 'decrypt_password',
]
