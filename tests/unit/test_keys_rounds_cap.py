"""The bcrypt rounds cap of OpenSSH private keys, with cryptography's
loader stopped at its door: a key over the cap is refused with the
rounds message before the KDF could run, and should the check ever be
skipped the test fails at once instead of hanging in the KDF."""

from __future__ import annotations

import base64
import struct

import fixtures
from osc_lib import exceptions

from keypairs_osc import keys
from keypairs_osc.keys import private
from keypairs_osc.v1 import create
from tests.unit import base


class ReachedTheKdf(Exception):
    """cryptography's loader was called: the KDF would have run."""


def with_rounds(rounds: int) -> bytes:
    """An encrypted OpenSSH ed25519 key whose KDF asks for ``rounds``."""
    data = keys.serialize_private_key(keys.generate('ed25519'), 'openssh',
                                      b'pw').decode()
    lines = data.splitlines()
    raw = bytearray(base64.b64decode(''.join(lines[1:-1])))
    # kdfoptions: string(salt of 16 bytes), then uint32 rounds.
    at = raw.index(b'bcrypt') + len(b'bcrypt') + 4 + 4 + 16
    raw[at:at + 4] = struct.pack('>I', rounds)
    body = base64.b64encode(bytes(raw)).decode()
    return '\n'.join([lines[0]] + [body[i:i + 70] for i in range(
        0, len(body), 70)] + [lines[-1], '']).encode()


class RoundsCapTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.loader = self.useFixture(fixtures.MockPatchObject(
            private.serialization, 'load_ssh_private_key',
            side_effect=ReachedTheKdf)).mock

    def test_over_the_cap_is_the_rounds_message_not_the_passphrase_one(self):
        for rounds in (1025, 2**31, 2**32 - 1):
            error = self.assertRaises(keys.InvalidKey, keys.load_private_key,
                                      with_rounds(rounds), b'pw')
            self.assertEqual(
                f'the private key asks for {rounds} bcrypt rounds; refusing '
                'more than 1024 (corrupt file?)', str(error))
            self.assertNotIsInstance(error, keys.WrongPassphrase)
            self.assertNotIsInstance(error, keys.PassphraseRequired)
        self.loader.assert_not_called()

    def test_the_cap_and_ssh_keygens_default_reach_the_loader(self):
        for rounds in (1024, 16):
            data = with_rounds(rounds)
            self.assertRaises(ReachedTheKdf, keys.load_private_key, data,
                              b'pw')
            self.loader.assert_called_with(data, password=b'pw')
        self.assertEqual(2, self.loader.call_count)


class ImportRefusesTest(base.CommandTestCase):
    command_class = create.ImportKeypair

    def test_import_names_the_file_and_the_rounds(self):
        self.useFixture(fixtures.MockPatchObject(
            private.serialization, 'load_ssh_private_key',
            side_effect=ReachedTheKdf))
        path = self.write('id', with_rounds(2**31))
        secret = self.write('pass', 'pw\n')
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--private-key', path,
                                  '--passphrase-file', secret)
        self.assertEqual(
            f'private key {path}: the private key asks for 2147483648 '
            'bcrypt rounds; refusing more than 1024 (corrupt file?)',
            str(error))
        self.api_create.assert_not_called()
