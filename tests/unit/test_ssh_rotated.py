"""keypair ssh to a server that keypair rotate moved to another key pair:
Nova still names the key pair it was booted with; the record knows the
key that logs in now."""

from __future__ import annotations

import os

from osc_lib import exceptions

from keypairs_osc import keys
from keypairs_osc import record
from keypairs_osc.v1 import server_key
from tests.unit import test_ssh


class SshToRotatedTest(test_ssh.SshCase):
    """Server 'web' was booted with 'k' and rotated to 'k2'."""

    def setUp(self):
        super().setUp()
        self.rotated_key = keys.generate('ed25519')
        self.rotated_file = self.write('id2', keys.serialize_private_key(
            self.rotated_key))
        self.rotated_sha256 = keys.public_key_of(
            self.rotated_key).fingerprint_sha256
        self.rotation = record.Rotation(
            self.server.id, 'web', 'me-id', 'k', 'k2', self.rotated_file,
            self.rotated_sha256)
        record.remember_rotation(test_ssh.CLOUD, self.rotation)

    def assertRefused(self, *argv: str) -> str:
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  *argv)
        self.assertNotIn('\n', str(error))
        self.call.assert_not_called()
        return str(error)

    def test_logs_in_with_the_recorded_rotated_key(self):
        self.assertEqual(0, self.run_cmd('web'))
        self.assertEqual(['-i', self.rotated_file], self.argv()[1:3])
        # Nova's key pair 'k' is not what the key is checked against.
        self.api_get.assert_not_called()

    def test_the_key_it_was_booted_with_is_refused(self):
        booted = keys.public_key_of(self.key).fingerprint_sha256
        self.assertEqual(
            f"{self.keyfile} ({booted}) is not the private key of key pair "
            f"'k2' ({self.rotated_sha256})",
            self.assertRefused('web', '--identity', self.keyfile))

    def test_a_missing_rotated_key_file_names_the_option(self):
        os.unlink(self.rotated_file)
        self.assertEqual(
            f"{self.rotated_file}, the private key of key pair 'k2' (the "
            'server was rotated to it), no longer exists; give --identity',
            self.assertRefused('web'))

    def test_identity_given_needs_no_recorded_file(self):
        os.rename(self.rotated_file, self.path('moved'))
        self.assertEqual(0, self.run_cmd('web', '--identity',
                                         self.path('moved')))
        self.assertEqual(['-i', self.path('moved')], self.argv()[1:3])

    def test_a_rotation_in_another_cloud_does_not_count(self):
        os.unlink(self.record)
        record.remember('http://other/v2.1', 'me-id', 'x', '/x', 'SHA256:x')
        record.remember_rotation('http://other/v2.1', self.rotation)
        record.remember(test_ssh.CLOUD, 'me-id', 'k', self.keyfile,
                        keys.public_key_of(self.key).fingerprint_sha256)
        self.assertEqual(0, self.run_cmd('web'))
        self.assertEqual(['-i', self.keyfile], self.argv()[1:3])


class RecordedKeyTest(test_ssh.SshCase):
    """server_key.recorded_key, with and without a rotation."""

    def test_a_rotation_gives_its_path(self):
        path = self.write('id2', b'')
        rotated = record.Rotation(self.server.id, 'web', 'me-id', 'k', 'k2',
                                  path, 'SHA256:x')
        self.assertEqual(path, server_key.recorded_key(
            self.app, self.server, '--private-key', rotated))
        self.assertEqual(self.keyfile, server_key.recorded_key(
            self.app, self.server, '--private-key'))

    def test_a_rotation_whose_file_is_gone(self):
        rotated = record.Rotation(self.server.id, 'web', 'me-id', 'k', 'k2',
                                  self.path('gone'), 'SHA256:x')
        error = self.assertRaises(exceptions.CommandError,
                                  server_key.recorded_key, self.app,
                                  self.server, '--private-key', rotated)
        self.assertTrue(str(error).endswith('; give --private-key'))

    def test_rotation_reads_the_record_by_cloud_and_server(self):
        self.assertIsNone(server_key.rotation(self.app, self.server))
        rotated = record.Rotation(self.server.id, 'web', 'me-id', 'k', 'k2',
                                  '/keys/k2', 'SHA256:x')
        record.remember_rotation(test_ssh.CLOUD, rotated)
        self.assertEqual(rotated, server_key.rotation(self.app, self.server))

    def test_keypair_key_of_a_rotated_server_is_the_recorded_one(self):
        rotated = record.Rotation(self.server.id, 'web', 'me-id', 'k', 'k2',
                                  '/keys/k2', 'SHA256:k2')
        self.assertEqual(server_key.KeypairKey(fingerprint_sha256='SHA256:k2'),
                         server_key.keypair_key(self.app, self.server,
                                                rotated))
        self.api_get.assert_not_called()

    def test_an_identity_on_stdin_is_refused(self):
        error = self.assertRaises(exceptions.CommandError,
                                  server_key.identity_blob, '-')
        self.assertEqual('-: ssh needs the identity as a regular file',
                         str(error))
