"""keypair create and import in several regions: what each region is sent,
what is undone when one fails, what is shown and what is noted."""

from __future__ import annotations

import errno
import io
import logging
import os
from unittest import mock

import fixtures
from cryptography.hazmat.primitives import serialization
from osc_lib import exceptions

from keypairs_osc import keys
from keypairs_osc import record
from keypairs_osc import securefile
from keypairs_osc.v1 import create
from tests.unit import fakes
from tests.unit import test_regions_commands
from tests.unit.test_commands_create import fingerprint

ALL = test_regions_commands.ALL
EXISTS = "Key pair 'k' already exists."
#: What create shows of a key pair made in several regions.
REGIONS_FIELDS = ('fingerprint', 'id', 'is_deleted', 'name', 'regions',
                  'type', 'user_id')


def as_user():
    return mock.patch('openstackclient.identity.common.find_user_id_sdk',
                      return_value='uid-2')


class CreateCase(test_regions_commands.RegionsCase):
    command_class = create.CreateKeypair

    def setUp(self):
        super().setUp()
        self.public = keys.public_key_of(keys.generate('ed25519')).openssh
        self.key_file = self.write('id.pub', self.public)

    def calls_by_region(self, api_mock) -> dict[str, tuple]:
        """Each region's call: (its arguments after the proxy, keywords)."""
        return {self.region_of(c.args[0]): (c.args[1:], c.kwargs)
                for c in api_mock.call_args_list}

    def no_space(self):
        return mock.patch.object(securefile, '_write_all', side_effect=OSError(
            errno.ENOSPC, 'No space left on device'))


class CreateEverywhereTest(CreateCase):

    def test_each_region_is_sent_the_key_its_type_and_its_user(self):
        with as_user():
            columns, data = self.run_cmd('k', '--all-regions', '--public-key',
                                         self.key_file, '--type', 'ssh',
                                         '--user', 'demo2')
        sent = (('k', self.public), {'key_type': 'ssh', 'user_id': 'uid-2'})
        self.assertEqual({name: sent for name in ALL},
                         self.calls_by_region(self.api_create))
        self.assertEqual(REGIONS_FIELDS, columns)

    def test_a_generated_key_for_another_user_in_each_region(self):
        with as_user():
            columns, _ = self.run_cmd('k', '--all-regions', '--private-key',
                                      self.path('id'), '--user', 'demo2')
        self.assertEqual(['uid-2'] * 3, [
            c.kwargs['user_id'] for c in self.api_create.call_args_list])
        self.assertEqual(REGIONS_FIELDS, columns)

    def test_no_warning_when_every_region_answered(self):
        log = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        self.run_cmd('k', '--all-regions', '--public-key', self.key_file)
        self.assertEqual('', log.output)

    def test_a_lost_answer_for_the_given_key_is_kept_with_a_warning(self):
        def created(proxy, name, public_key, key_type=None, user_id=None):
            if proxy is self.proxies['RegionTwo']:
                raise fakes.http_error(502, 'bad gateway')
            return fakes.keypair(name, public_key)

        self.api_create.side_effect = created
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            fakes.keypair(name, self.public))
        log = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        columns, data = self.run_cmd('k', '--all-regions', '--public-key',
                                     self.key_file)
        fields = dict(zip(columns, data, strict=True))
        self.assertEqual(ALL, fields['regions'].machine_readable())
        self.assertEqual(1, len(log.output.splitlines()))
        self.assertIn('RegionTwo', log.output)
        self.api_delete.assert_not_called()


class UndoTest(CreateCase):
    """A region refuses: the others' key pairs are deleted again."""

    def test_every_region_refusing_is_a_line_each_and_nothing_to_undo(self):
        self.api_create.side_effect = fakes.http_error(409, EXISTS)
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--all-regions', '--public-key',
                                  self.key_file)
        self.assertEqual(
            "key pair 'k': region RegionOne: Key pair 'k' already exists. "
            "(HTTP 409); region RegionThree: Key pair 'k' already exists. "
            "(HTTP 409); region RegionTwo: Key pair 'k' already exists. "
            '(HTTP 409); no region had made it; nothing was kept',
            str(error))
        self.api_delete.assert_not_called()

    def test_the_undo_deletes_that_name_of_that_user(self):
        self.fail_in(self.api_create, 'RegionTwo',
                     fakes.http_error(409, EXISTS))
        with as_user():
            self.assertRaises(exceptions.CommandError, self.run_cmd, 'k',
                              '--all-regions', '--public-key', self.key_file,
                              '--user', 'demo2')
        undo = (('k',), {'user_id': 'uid-2'})
        self.assertEqual({'RegionOne': undo, 'RegionThree': undo},
                         self.calls_by_region(self.api_delete))

    def test_a_key_pair_already_gone_counts_as_undone(self):
        self.fail_in(self.api_create, 'RegionTwo',
                     fakes.http_error(409, EXISTS))
        self.fail_in(self.api_delete, 'RegionThree',
                     fakes.http_error(404, 'Keypair k not found'))
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--all-regions', '--public-key',
                                  self.key_file)
        self.assertEqual(
            "key pair 'k': region RegionTwo: Key pair 'k' already exists. "
            '(HTTP 409); deleted again from RegionOne, RegionThree; nothing '
            'was kept', str(error))

    def test_an_undo_that_fails_is_one_line_with_why_and_what_to_do(self):
        self.fail_in(self.api_create, 'RegionTwo',
                     fakes.http_error(409, EXISTS))
        self.fail_in(self.api_delete, 'RegionThree',
                     fakes.http_error(403, 'Policy does not allow it'))
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--all-regions', '--public-key',
                                  self.key_file)
        self.assertEqual(
            "key pair 'k': region RegionTwo: Key pair 'k' already exists. "
            '(HTTP 409); deleted again from RegionOne; deleting it from '
            'RegionThree failed too (Policy does not allow it (HTTP 403: '
            'forbidden)): delete it with "openstack keypair delete k '
            '--region RegionThree"; nothing was kept', str(error))


class RollbackTest(CreateCase):
    """Made in every region, but the private key cannot be kept."""

    def test_a_private_key_that_cannot_be_saved_is_undone_everywhere(self):
        target = self.path('id')
        with as_user(), self.no_space():
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'k', '--all-regions', '--private-key',
                                      target, '--user', 'demo2')
        self.assertEqual(
            f"key pair 'k': could not save the private key: {target}: no "
            'space left on the device; deleted again from RegionOne, '
            'RegionThree, RegionTwo; nothing was kept', str(error))
        undo = (('k',), {'user_id': 'uid-2'})
        self.assertEqual({name: undo for name in ALL},
                         self.calls_by_region(self.api_delete))
        self.assertEqual(['id.pub'], os.listdir(self.tmp))

    def test_a_private_key_that_cannot_be_printed_is_undone_everywhere(self):
        self.app.stdout = mock.Mock(spec=io.StringIO)
        self.app.stdout.write.side_effect = BrokenPipeError(32,
                                                            'Broken pipe')
        with as_user():
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'k', '--all-regions', '--user',
                                      'demo2')
        self.assertEqual(
            "key pair 'k': could not print the private key (Broken pipe); "
            'deleted again from RegionOne, RegionThree, RegionTwo; nothing '
            'was kept', str(error))
        undo = (('k',), {'user_id': 'uid-2'})
        self.assertEqual({name: undo for name in ALL},
                         self.calls_by_region(self.api_delete))


class ImportEverywhereTest(CreateCase):
    command_class = create.ImportKeypair

    def test_each_region_is_sent_the_key_and_its_user(self):
        with as_user():
            columns, _ = self.run_cmd('k', '--all-regions', '--public-key',
                                      self.key_file, '--user', 'demo2')
        sent = (('k', self.public), {'key_type': None, 'user_id': 'uid-2'})
        self.assertEqual({name: sent for name in ALL},
                         self.calls_by_region(self.api_create))
        self.assertEqual(REGIONS_FIELDS, columns)

    def test_a_lost_answer_in_one_region_is_checked_against_the_key(self):
        def created(proxy, name, public_key, key_type=None, user_id=None):
            if proxy is self.proxies['RegionTwo']:
                raise fakes.http_error(502, 'bad gateway')
            return fakes.keypair(name, public_key)

        self.api_create.side_effect = created
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            fakes.keypair(name, self.public))
        self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        columns, data = self.run_cmd('k', '--all-regions', '--public-key',
                                     self.key_file)
        fields = dict(zip(columns, data, strict=True))
        self.assertEqual(ALL, fields['regions'].machine_readable())

    def test_exist_ok_looks_at_that_users_key_pair_in_that_region(self):
        self.fail_in(self.api_create, 'RegionTwo',
                     fakes.http_error(409, EXISTS))
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            fakes.keypair(name, self.public, user_id=user_id))
        with as_user():
            self.run_cmd('k', '--all-regions', '--public-key', self.key_file,
                         '--exist-ok', '--user', 'demo2')
        self.assertEqual({'RegionTwo': (('k',), {'user_id': 'uid-2'})},
                         self.calls_by_region(self.api_get))

    def test_a_private_key_file_is_noted_in_each_region(self):
        private = keys.generate('ed25519')
        path = self.write('id', keys.serialize_private_key(private))
        self.run_cmd('k', '--all-regions', '--private-key', path)
        line = private.public_key().public_bytes(
            serialization.Encoding.OpenSSH,
            serialization.PublicFormat.OpenSSH).decode()
        expected = record.Entry(path, fingerprint(line))
        for name, proxy in self.proxies.items():
            self.assertEqual(expected, record.lookup(
                str(proxy.get_endpoint()), 'me-id', 'k'), name)

    def test_a_key_pair_answered_without_its_user_is_noted_as_ours(self):
        self.api_create.side_effect = (
            lambda proxy, name, public_key, key_type=None, user_id=None:
            fakes.keypair(name, public_key, user_id=None))
        path = self.write('id', keys.serialize_private_key(
            keys.generate('ed25519')))
        self.run_cmd('k', '--all-regions', '--private-key', path)
        for name, proxy in self.proxies.items():
            self.assertEqual(path, record.lookup(
                str(proxy.get_endpoint()), 'me-id', 'k').path, name)

    def test_a_private_key_from_stdin_is_noted_nowhere(self):
        data = keys.serialize_private_key(keys.generate('ed25519'))
        with mock.patch('sys.stdin', io.TextIOWrapper(io.BytesIO(data))):
            self.run_cmd('k', '--all-regions', '--private-key', '-')
        self.assertEqual(3, self.api_create.call_count)
        self.assertFalse(os.path.exists(self.record))
