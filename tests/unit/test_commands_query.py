"""keypair list and show, and the login every command starts with, with a
spec'd SDK proxy standing in for Nova.
"""

from __future__ import annotations

import io
import logging
from unittest import mock

import fixtures
from keystoneauth1 import exceptions as ks_exceptions
from osc_lib import exceptions
from osc_lib.test import base as osc_base

from keypairs_osc import record
from keypairs_osc.v1 import create
from keypairs_osc.v1 import delete
from keypairs_osc.v1 import query
from keypairs_osc.v1 import ssh
from keypairs_osc.v1 import verify
from tests import vectors
from tests.unit import base
from tests.unit import fakes


class ListShowTest(base.CommandTestCase):
    command_class = query.ListKeypair

    def setUp(self):
        super().setUp()
        self.api_list = self.patch_api('list_')
        self.rows = [fakes.keypair('a'), fakes.keypair('b')]
        self.api_list.return_value = ('2.10', self.rows)

    def test_core_columns(self):
        columns, data = self.run_cmd()
        self.assertEqual(('Name', 'Fingerprint', 'Type'), columns)
        self.assertEqual(['a', 'b'], [row[0] for row in data])

    def test_no_type_column_when_answered_below_2_2(self):
        self.api_list.return_value = ('2.1', self.rows)
        columns, _ = self.run_cmd()
        self.assertEqual(('Name', 'Fingerprint'), columns)

    def test_long_adds_sha256_algorithm_bits_user(self):
        self.rows[0] = fakes.keypair('a', vectors.FIXED_LINE)
        columns, data = self.run_cmd('--long')
        self.assertEqual(query.LONG_COLUMNS, columns[3:])
        self.assertEqual((vectors.FIXED_SHA256, 'ssh-ed25519', 256,
                          'me-id', None), data[0][3:])

    def test_limit_and_marker_are_passed_on(self):
        self.run_cmd('--limit', '1', '--marker', 'a')
        self.assertEqual(1, self.api_list.call_args.kwargs['limit'])
        self.assertEqual('a', self.api_list.call_args.kwargs['marker'])

    def test_negative_limit_and_max_items_are_usage_errors(self):
        for option in ('--limit', '--max-items'):
            with mock.patch('sys.stderr', io.StringIO()) as stderr:
                self.assertRaises(osc_base.ParserException, self.parse,
                                  option, '-1')
            self.assertIn('non-negative', stderr.getvalue())

    def test_limit_0_means_no_page_size_as_in_core(self):
        _, data = self.run_cmd('--limit', '0')
        self.assertIsNone(self.api_list.call_args.kwargs['limit'])
        self.assertEqual(['a', 'b'], [row[0] for row in data])

    def test_a_version_the_cloud_lacks_is_one_line(self):
        from keypairs_osc import microversion
        self.api_list.side_effect = microversion.MicroversionError(
            '--limit/--marker needs compute API microversion 2.35; this '
            'cloud offers at most 2.20')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                '--limit', '1')
        self.assertEqual('key pairs: --limit/--marker needs compute API '
                         'microversion 2.35; this cloud offers at most 2.20',
                         str(err))

    def test_project_and_marker_are_incompatible(self):
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                '--project', 'p', '--marker', 'm')
        self.assertIn('--marker', str(err))

    def test_project_lists_each_users_key_pairs(self):
        identity = self.app.client_manager.sdk_connection.identity
        identity.role_assignments.return_value = [
            mock.Mock(user={'id': 'u1'}), mock.Mock(user={'id': 'u2'}),
            mock.Mock(user=None)]
        with mock.patch('openstackclient.identity.common.'
                        'find_project_id_sdk', return_value='p-id'):
            columns, data = self.run_cmd('--project', 'p', '--long')
        users = sorted(c.kwargs['user_id']
                       for c in self.api_list.call_args_list)
        self.assertEqual(['u1', 'u2'], users)
        self.assertEqual(4, len(data))


class ShowTest(base.CommandTestCase):
    command_class = query.ShowKeypair

    def test_core_fields_plus_key_details(self):
        kp = fakes.keypair('k', vectors.FIXED_LINE + ' a comment')
        self.api_get.return_value = kp
        columns, values = self.run_cmd('k')
        fields = dict(zip(columns, values, strict=True))
        for core in base.CORE_CREATE_FIELDS + ('private_key',):
            self.assertIn(core, fields)
        self.assertNotIn('public_key', fields)
        self.assertEqual(vectors.FIXED_SHA256, fields['fingerprint_sha256'])
        self.assertEqual('a comment', fields['comment'])
        self.assertEqual(256, fields['bits'])

    def test_public_key_only(self):
        self.api_get.return_value = fakes.keypair('k')
        self.run_cmd('k', '--public-key')
        self.assertEqual(self.api_get.return_value.public_key + '\n',
                         self.app.stdout.getvalue())

    def test_public_key_alone_and_one_line_in_every_format(self):
        self.api_get.return_value = fakes.keypair('k')
        key = self.api_get.return_value.public_key
        for fmt in ('json', 'value', 'table', 'shell', 'yaml'):
            self.app.stdout.seek(0)
            self.app.stdout.truncate()
            self.cmd.run(self.parse('k', '--public-key', '-f', fmt))
            self.assertEqual(key + '\n', self.app.stdout.getvalue(), fmt)

    def test_not_found_is_one_line(self):
        self.api_get.side_effect = fakes.http_error(404, 'Keypair k not '
                                                    'found')
        err = self.assertRaises(exceptions.CommandError, self.run_cmd, 'k')
        self.assertEqual("key pair 'k': Keypair k not found (HTTP 404)",
                         str(err))


class ShowRotatedTest(base.CommandTestCase):
    """keypair show's rotated field: the servers "keypair rotate" moved to
    or from the key pair, which only the local record knows."""

    command_class = query.ShowKeypair

    def fields(self, name: str) -> dict:
        self.api_get.return_value = fakes.keypair(name, vectors.FIXED_LINE)
        columns, values = self.run_cmd(name)
        return dict(zip(columns, values, strict=True))

    def test_none_rotated(self):
        self.assertEqual([], self.fields('a')['rotated'].machine_readable())

    def test_to_and_from_by_server_name(self):
        for server_id, server_name, from_name, to_name in (
                ('s2', 'web', 'a', 'b'), ('s1', 'db', 'a', 'c'),
                ('s3', 'app', 'c', 'a'), ('s4', 'xx', 'c', 'd')):
            record.remember_rotation(base.NOVA_URL, record.Rotation(
                server_id, server_name, base.USER_ID, from_name, to_name,
                f'/keys/{to_name}', 'SHA256:x'))
        record.remember_rotation('http://other/v2.1', record.Rotation(
            's5', 'aa', base.USER_ID, 'a', 'b', '/keys/b', 'SHA256:x'))
        record.remember_rotation(base.NOVA_URL, record.Rotation(
            's6', 'ab', 'other-user', 'a', 'b', '/keys/b', 'SHA256:x'))
        self.assertEqual(['app (s3) from c', 'db (s1) to c', 'web (s2) to b'],
                         self.fields('a')['rotated'].machine_readable())
        self.assertEqual(['web (s2) from a'],
                         self.fields('b')['rotated'].machine_readable())


class LoginTest(base.CommandTestCase):
    """Every command logs in as its first step: a failure is one line."""

    command_class = query.ListKeypair

    def test_an_unreachable_identity_service_is_one_line_naming_it(self):
        self.app.cloud = mock.Mock(config={'auth': {
            'auth_url': 'http://keystone.example:5000/v3'}})
        discovery = logging.getLogger('keystoneauth.identity.generic.base')
        level = discovery.level

        def login(cmd):
            self.assertTrue(cmd.auth_required)
            discovery.warning('Failed to discover available identity '
                              'versions')  # swallowed: the error says it
            raise ks_exceptions.ConnectFailure('Unable to establish '
                                               'connection')

        log = self.useFixture(fixtures.FakeLogger())
        with mock.patch.object(self.app, 'prepare_to_run_command',
                               side_effect=login):
            error = self.assertRaises(exceptions.CommandError, self.cmd.run,
                                      self.parse())
        self.assertEqual('cannot log in at http://keystone.example:5000/v3: '
                         'cannot connect to the cloud (connection refused '
                         'or reset)', str(error))
        self.assertNotIn('discover', log.output)
        self.assertEqual(level, discovery.level)
        self.api_list.assert_not_called()

    def setUp(self):
        super().setUp()
        self.api_list = self.patch_api('list_')
        self.api_list.return_value = ('2.10', [])

    def test_an_identity_service_failing_at_login_is_one_line(self):
        self.app.cloud = mock.Mock(config={'auth': {
            'auth_url': 'http://keystone.example/v3'}})
        with mock.patch.object(self.app, 'prepare_to_run_command',
                               side_effect=ks_exceptions.InternalServerError(
                                   'Internal Server Error', http_status=500)):
            error = self.assertRaises(exceptions.CommandError, self.cmd.run,
                                      self.parse())
        self.assertEqual('cannot log in at http://keystone.example/v3: '
                         'Internal Server Error (HTTP 500)', str(error))

    def test_osc_does_not_log_in_before_the_command(self):
        for command_class in (create.CreateKeypair, create.ImportKeypair,
                              query.ListKeypair, query.ShowKeypair,
                              delete.DeleteKeypair, verify.VerifyKeypair,
                              ssh.SshKeypair):
            self.assertFalse(command_class.auth_required, command_class)
