"""keypair delete and verify, with a spec'd SDK proxy standing in for Nova."""

from __future__ import annotations

import io
from unittest import mock

from keystoneauth1 import exceptions as ks_exceptions
from osc_lib import exceptions
from osc_lib.test import base as osc_base

from keypairs_osc import keys
from keypairs_osc.v1 import delete
from keypairs_osc.v1 import verify
from tests.unit import base
from tests.unit import fakes
from tests.unit import keymaker
from tests.unit.test_unused import InFlight
from tests.unit.test_unused import serve
from tests.unit.test_unused import server

#: What delete logs, as assertLogs shows it.
ERROR = 'ERROR:keypairs_osc.v1.delete:'
WARNING = 'WARNING:keypairs_osc.v1.delete:'


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
        self.assertEqual([f"{ERROR}Failed to delete key with name "
                          "'missing': Keypair missing not found (HTTP 404)"],
                         logs.output)
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
            self.assertEqual(
                [f"{ERROR}Failed to delete key with name 'bad/name': key "
                 "pair name 'bad/name' is invalid: only letters, digits, "
                 "spaces, '_' and '-', '@' and '.' are allowed"],
                logs.output)

    def test_only_invalid_names_send_nothing(self):
        with self.assertLogs('keypairs_osc.v1.delete', 'ERROR'):
            err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                    'bad/name', 'worse/name')
        self.assertEqual('2 of 2 keys failed to delete.', str(err))
        self.api_delete.assert_not_called()
        # Not even the servers are listed.
        self.app.client_manager.compute.get.assert_not_called()

    def test_ignore_missing(self):
        self.api_delete.side_effect = fakes.http_error(404, 'not found')
        self.assertIsNone(self.run_cmd('gone', '--ignore-missing'))

    def test_ignore_missing_still_reports_other_failures(self):
        self.api_delete.side_effect = fakes.http_error(500, 'boom')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'x', '--ignore-missing')
        self.assertEqual('1 of 1 keys failed to delete.', str(err))


class DeleteOthersAndInUseTest(base.CommandTestCase):
    """--user, and key pairs servers were booted with: what is deleted for
    whom, and the warnings, as they read."""

    command_class = delete.DeleteKeypair

    def setUp(self):
        super().setUp()
        self.compute = self.app.client_manager.compute

    def test_another_users_key_pairs_and_servers(self):
        asked = serve(self.compute, [])
        with mock.patch('openstackclient.identity.common.find_user_id_sdk',
                        return_value='uid-2'):
            self.assertIsNone(self.run_cmd('a', '--user', 'demo2'))
        self.api_delete.assert_called_once_with(self.compute, 'a',
                                                user_id='uid-2')
        # That user's servers in every project.
        self.assertEqual([{'key_name': 'a', 'all_tenants': 'True'}], asked)

    def test_deleted_although_in_use_names_the_servers(self):
        serve(self.compute, [server('a', id_='s1'), server('a', id_='s2'),
                             server('b', id_='s3')])
        with self.assertLogs('keypairs_osc.v1.delete', 'WARNING') as logs:
            self.assertIsNone(self.run_cmd('a', 'c'))
        self.assertEqual(
            [f"{WARNING}Deleted key pair 'a', which servers still use: "
             'srv-s1 (s1), srv-s2 (s2) (they keep the public key; keep the '
             'private key to log in)'], logs.output)

    def test_an_unused_key_pair_is_deleted_without_a_word(self):
        serve(self.compute, [server('b')])
        with self.assertNoLogs('keypairs_osc.v1.delete', 'WARNING'):
            self.assertIsNone(self.run_cmd('a', 'c'))
        self.assertEqual(2, self.api_delete.call_count)

    def test_if_unused_skips_naming_the_servers(self):
        serve(self.compute, [server('a', id_='s1'), server('a', id_='s2')])
        with self.assertLogs('keypairs_osc.v1.delete', 'WARNING') as logs:
            self.assertIsNone(self.run_cmd('a', 'c', '--if-unused'))
        self.assertEqual(
            [f"{WARNING}Skipped key pair 'a': servers use it: srv-s1 (s1), "
             'srv-s2 (s2)'], logs.output)
        self.assertEqual(['c'], [c.args[1] for c in
                                 self.api_delete.call_args_list])

    def test_a_cloud_that_cannot_tell_is_named_in_the_warning(self):
        self.compute.default_microversion = '2.60'
        with self.assertLogs('keypairs_osc.v1.delete', 'WARNING') as logs:
            self.assertIsNone(self.run_cmd('a'))
        self.assertEqual(
            [f'{WARNING}Deleting without knowing whether servers use the key '
             'pairs: the cloud cannot tell (unknown: needs compute API '
             'microversion 2.83, but --os-compute-api-version is 2.60)'],
            logs.output)
        self.api_delete.assert_called_once()

    def test_if_unused_when_the_cloud_cannot_tell_says_why(self):
        self.compute.default_microversion = '2.60'
        with self.assertLogs('keypairs_osc.v1.delete', 'ERROR') as logs:
            self.assertRaises(exceptions.CommandError, self.run_cmd, 'a',
                              '--if-unused')
        self.assertEqual(
            [f"{ERROR}Failed to delete key with name 'a': key pair 'a': not "
             'deleted: cannot tell whether servers use it (unknown: needs '
             'compute API microversion 2.83, but --os-compute-api-version '
             'is 2.60)'], logs.output)
        self.api_delete.assert_not_called()

    def test_deletes_eight_at_a_time(self):
        in_flight = InFlight(8)
        self.api_delete.side_effect = in_flight
        self.assertIsNone(self.run_cmd(*(f'k{n}' for n in range(12))))
        self.assertEqual(12, len(in_flight.deleted))
        self.assertEqual(8, in_flight.most)


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

    def test_the_answers_name_the_key_and_both_fingerprints(self):
        path = self.write('id', keymaker.FIXED_PRIVATE_KEY)
        self.api_get.return_value = fakes.keypair(
            'k', keymaker.FIXED_PUBLIC_KEY)
        self.assertEqual(verify.MATCH,
                         self.run_cmd('k', '--private-key', path))
        self.assertEqual(f"private key {path} matches key pair 'k' "
                         f'({keymaker.FIXED_FINGERPRINT})\n',
                         self.app.stdout.getvalue())
        self.api_get.assert_called_once_with(
            self.app.client_manager.compute, 'k', user_id=None)
        self.api_get.return_value = fakes.keypair(
            'k', keymaker.OTHER_PUBLIC_KEY)
        error = self.assertRaises(verify.Mismatch, self.run_cmd,
                                  'k', '--private-key', path)
        self.assertEqual(f'private key {path} ({keymaker.FIXED_FINGERPRINT}) '
                         "does not match key pair 'k' "
                         f'({keymaker.OTHER_FINGERPRINT})', str(error))

    def test_a_stored_key_it_cannot_read_is_a_mismatch(self):
        path = self.write('id', keymaker.FIXED_PRIVATE_KEY)
        self.api_get.return_value = fakes.keypair('k', 'not a key at all')
        error = self.assertRaises(verify.Mismatch, self.run_cmd,
                                  'k', '--private-key', path)
        self.assertEqual(f'private key {path} ({keymaker.FIXED_FINGERPRINT}) '
                         "does not match key pair 'k' (unreadable)",
                         str(error))

    def test_a_certificate_key_pair_matches_its_private_key(self):
        key = keymaker.key('rsa', 2048)
        path = self.write('id', keys.serialize_private_key(key))
        self.api_get.return_value = fakes.keypair(
            'k', keymaker.certificate(key), 'x509')
        self.assertEqual(verify.MATCH,
                         self.run_cmd('k', '--private-key', path))

    def test_another_users_key_pair(self):
        path = self.write('id', keymaker.FIXED_PRIVATE_KEY)
        self.api_get.return_value = fakes.keypair(
            'k', keymaker.FIXED_PUBLIC_KEY)
        with mock.patch('openstackclient.identity.common.find_user_id_sdk',
                        return_value='uid-2'):
            self.assertEqual(verify.MATCH, self.run_cmd(
                'k', '--private-key', path, '--user', 'demo2'))
        self.api_get.assert_called_once_with(
            self.app.client_manager.compute, 'k', user_id='uid-2')

    def test_the_private_key_is_required(self):
        with mock.patch('sys.stderr', io.StringIO()):
            self.assertRaises(osc_base.ParserException, self.parse, 'k')
