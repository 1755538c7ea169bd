"""keypair delete and verify, with a spec'd SDK proxy standing in for Nova."""

from __future__ import annotations

from unittest import mock

from keystoneauth1 import exceptions as ks_exceptions
from osc_lib import exceptions

from keypairs_osc import keys
from keypairs_osc.v1 import delete
from keypairs_osc.v1 import verify
from tests.unit import base
from tests.unit import fakes


class DeleteTest(base.CommandTestCase):
    command_class = delete.DeleteKeypair

    def test_all_deleted(self):
        self.assertIsNone(self.run_cmd('a', 'b', 'c'))
        deleted = sorted(c.args[1] for c in self.api_delete.call_args_list)
        self.assertEqual(['a', 'b', 'c'], deleted)

    def test_goes_on_past_failures_and_counts_them(self):
        def maybe_fail(proxy, name, user_id=None):
            if name == 'missing':
                raise fakes.http_error(404, 'Keypair missing not found')

        self.api_delete.side_effect = maybe_fail
        with self.assertLogs('keypairs_osc.v1.delete', 'ERROR') as logs:
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'a', 'missing', 'b')
        self.assertEqual('1 of 3 keys failed to delete.', str(err))
        self.assertIn("Failed to delete key with name 'missing'",
                      logs.output[0])
        self.assertEqual(3, self.api_delete.call_count)

    def test_an_invalid_name_is_its_own_failure(self):
        for extra in ([], ['--ignore-missing']):
            self.api_delete.reset_mock()
            with self.assertLogs('keypairs_osc.v1.delete', 'ERROR') as logs:
                err = self.assertRaises(exceptions.CommandError,
                                        self.run_cmd, 'good', 'bad/name',
                                        *extra)
            self.assertEqual('1 of 2 keys failed to delete.', str(err))
            self.assertEqual(['good'], [c.args[1] for c in
                                        self.api_delete.call_args_list])
            self.assertIn("'bad/name'", logs.output[0])

    def test_ignore_missing(self):
        self.api_delete.side_effect = fakes.http_error(404, 'not found')
        self.assertIsNone(self.run_cmd('gone', '--ignore-missing'))

    def test_ignore_missing_still_reports_other_failures(self):
        self.api_delete.side_effect = fakes.http_error(500, 'boom')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'x', '--ignore-missing')
        self.assertEqual('1 of 1 keys failed to delete.', str(err))


class VerifyTest(base.CommandTestCase):
    command_class = verify.VerifyKeypair

    def test_match_and_mismatch(self):
        key = keys.generate('ed25519')
        path = self.write('id', keys.serialize_private_key(key))
        self.api_get.return_value = fakes.keypair(
            'k', keys.public_key_of(key).openssh)
        self.assertEqual(0, self.run_cmd('k', '--private-key', path))
        self.assertIn('matches', self.app.stdout.getvalue())
        self.api_get.return_value = fakes.keypair('k')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'k', '--private-key', path)
        self.assertIn('does not match', str(err))
        self.assertEqual(2, str(err).count('SHA256:'))

    def test_exit_codes_0_match_1_mismatch_2_no_answer(self):
        key = keys.generate('ed25519')
        path = self.write('id', keys.serialize_private_key(key))
        self.api_get.return_value = fakes.keypair(
            'k', keys.public_key_of(key).openssh)
        parsed = self.parse('k', '--private-key', path, name='k',
                            private_key=path, passphrase_file=None)
        self.assertEqual(verify.MATCH, self.cmd.run(parsed))
        self.api_get.return_value = fakes.keypair('k')
        self.assertRaises(verify.Mismatch, self.cmd.run,
                          self.parse('k', '--private-key', path))
        self.api_get.side_effect = fakes.http_error(404, 'Keypair k not '
                                                    'found')
        self.assertEqual(verify.ERROR,
                         self.cmd.run(self.parse('k', '--private-key', path)))
        self.assertIn('404', self.app.stderr.getvalue())
        self.assertEqual(verify.ERROR, self.cmd.run(self.parse(
            'k', '--private-key', self.path('missing'))))
        self.assertIn('does not exist', self.app.stderr.getvalue())
        # One line for each of the two runs without an answer.
        self.assertEqual(2, len(self.app.stderr.getvalue().splitlines()))

    def test_an_empty_passphrase_file_is_not_read_for_a_plain_key(self):
        key = keys.generate('ed25519')
        path = self.write('id', keys.serialize_private_key(key))
        empty = self.write('empty', b'')
        self.api_get.return_value = fakes.keypair(
            'k', keys.public_key_of(key).openssh)
        self.assertEqual(verify.MATCH, self.run_cmd(
            'k', '--private-key', path, '--passphrase-file', empty))
        encrypted = self.write('enc', keys.serialize_private_key(
            key, 'openssh', b'pw'))
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--private-key', encrypted,
                                  '--passphrase-file', empty)
        self.assertIn('empty', str(error))

    def test_a_failed_login_is_no_answer_exit_2(self):
        path = self.write('id', keys.serialize_private_key(
            keys.generate('ed25519')))
        with mock.patch.object(self.app, 'prepare_to_run_command',
                               side_effect=ks_exceptions.Unauthorized(
                                   'The request you have made requires '
                                   'authentication. (HTTP 401)')):
            self.assertEqual(verify.ERROR, self.cmd.run(
                self.parse('k', '--private-key', path)))
        self.assertIn('HTTP 401', self.app.stderr.getvalue())
        self.api_get.assert_not_called()
        self.assertFalse(verify.VerifyKeypair.auth_required)
