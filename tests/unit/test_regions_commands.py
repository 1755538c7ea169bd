"""--region and --all-regions on create, import, list, show, delete and
verify, over spec'd SDK proxies standing in for each region's Nova."""

from __future__ import annotations

import io
import json
import os
from unittest import mock

import fixtures
from keystoneauth1 import exceptions as ks_exceptions
from osc_lib import exceptions
from osc_lib.test import base as osc_base

from keypairs_osc import keys
from keypairs_osc import record
from keypairs_osc import regions
from keypairs_osc import servers
from keypairs_osc.v1 import create
from keypairs_osc.v1 import delete
from keypairs_osc.v1 import query
from keypairs_osc.v1 import verify
from tests.unit import base
from tests.unit import fakes
from tests.unit import keymaker

NAMES = ('RegionOne', 'RegionTwo', 'RegionThree')
#: --all-regions: the command's own region first, then the others by name.
ALL = ['RegionOne', 'RegionThree', 'RegionTwo']


class RegionsCase(base.CommandTestCase):
    """A cloud whose catalog has compute in three regions; RegionOne is the
    command's own (its proxy is ``client_manager.compute``)."""

    def setUp(self):
        super().setUp()
        manager = self.app.client_manager
        self.proxies = {'RegionOne': manager.compute}
        for name in NAMES[1:]:
            proxy = base.compute_proxy()
            proxy.get_endpoint.return_value = f'http://{name.lower()}/v2.1'
            self.proxies[name] = proxy
        manager.auth_ref.service_catalog.get_endpoints.return_value = {
            'compute': [{'region_id': n, 'url': 'u'} for n in NAMES]}
        manager.sdk_connection.config.get_region_name.return_value = (
            'RegionOne')
        manager.sdk_connection.config.get_interface.return_value = 'public'
        self.compute_in = self.useFixture(fixtures.MockPatchObject(
            regions, 'compute_in',
            side_effect=lambda conn, name: self.proxies[name])).mock

    def region_of(self, proxy) -> str:
        return next(n for n, p in self.proxies.items() if p is proxy)

    def in_regions(self, calls) -> list[str]:
        return sorted(self.region_of(c.args[0]) for c in calls)

    def run_all(self, *argv: str) -> tuple[int, str, str]:
        """Run the command as the shell does: exit code, stdout, stderr."""
        rc = self.cmd.run(self.parse(*argv))
        return rc, self.app.stdout.getvalue(), self.app.stderr.getvalue()

    def fail_in(self, api_mock: mock.Mock, region: str,
                failure: BaseException, default=None) -> None:
        """``api_mock`` fails in ``region``; elsewhere as it was."""
        before = api_mock.side_effect
        value = api_mock.return_value

        def answer(proxy, *args, **kwargs):
            if proxy is self.proxies[region]:
                raise failure
            if before is not None:
                return before(proxy, *args, **kwargs)
            return value if default is None else default

        api_mock.side_effect = answer


class NoRegionOptionsTest(RegionsCase):
    command_class = query.ListKeypair

    def test_without_options_no_other_region_is_touched(self):
        api_list = self.patch_api('list_')
        api_list.return_value = ('2.10', [fakes.keypair('a')])
        columns, _ = self.run_cmd()
        self.assertEqual(('Name', 'Fingerprint', 'Type'), columns)
        self.compute_in.assert_not_called()
        self.app.client_manager.auth_ref.service_catalog.get_endpoints\
            .assert_not_called()

    def test_region_and_all_regions_exclude_each_other(self):
        with mock.patch('sys.stderr', io.StringIO()):
            self.assertRaises(osc_base.ParserException, self.parse,
                              '--region', 'RegionTwo', '--all-regions')

    def test_an_unknown_region_is_one_line_listing_the_known(self):
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  '--region', 'RegionFour')
        self.assertEqual("unknown region 'RegionFour': the compute service "
                         'is in RegionOne, RegionThree, RegionTwo',
                         str(error))


class CreateInRegionsTest(RegionsCase):
    command_class = create.CreateKeypair

    def test_one_key_in_every_region_saved_once_noted_per_region(self):
        target = self.path('id')
        columns, data = self.run_cmd('k', '--all-regions',
                                     '--private-key', target)
        self.assertEqual(sorted(NAMES),
                         self.in_regions(self.api_create.call_args_list))
        sent = {c.args[2] for c in self.api_create.call_args_list}
        self.assertEqual(1, len(sent), 'one key for every region')
        self.assertEqual(0o600, base.mode(target))
        fields = dict(zip(columns, data, strict=True))
        self.assertEqual(ALL, fields['regions'].machine_readable())
        self.assertNotIn('created_at', fields)
        for name, proxy in self.proxies.items():
            entry = record.lookup(str(proxy.get_endpoint()), 'me-id', 'k')
            self.assertEqual(os.path.abspath(target), entry.path, name)

    def test_a_refusing_region_undoes_the_others_and_keeps_no_file(self):
        self.fail_in(self.api_create, 'RegionTwo',
                     fakes.http_error(403, 'Quota exceeded, too many key '
                                           'pairs.'))
        target = self.path('id')
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--all-regions',
                                  '--private-key', target)
        self.assertEqual(
            "key pair 'k': region RegionTwo: Quota exceeded, too many key "
            'pairs. (HTTP 403, quota); deleted again from RegionOne, '
            'RegionThree; nothing was kept', str(error))
        self.assertEqual(['RegionOne', 'RegionThree'],
                         self.in_regions(self.api_delete.call_args_list))
        self.assertEqual([], os.listdir(self.tmp))
        self.assertFalse(os.path.exists(self.record))

    def test_an_undo_that_fails_says_how_to_finish_it(self):
        self.fail_in(self.api_create, 'RegionThree',
                     fakes.http_error(409, "Key pair 'k' already exists."))
        self.fail_in(self.api_delete, 'RegionTwo',
                     ks_exceptions.ConnectFailure('refused'))
        error = self.assertRaises(
            exceptions.CommandError, self.run_cmd, 'k', '--all-regions',
            '--private-key', self.path('id'))
        self.assertIn('region RegionThree: ', str(error))
        self.assertIn('deleted again from RegionOne', str(error))
        self.assertIn('deleting it from RegionTwo failed too', str(error))
        self.assertIn('"openstack keypair delete k --region RegionTwo"',
                      str(error))
        self.assertNotIn('\n', str(error))

    def test_a_lost_answer_in_one_region_is_recovered_there(self):
        key_holder = {}

        def created(proxy, name, public_key, key_type=None, user_id=None):
            key_holder['key'] = public_key
            if proxy is self.proxies['RegionTwo']:
                raise fakes.http_error(500, 'lost')
            return fakes.keypair(name, public_key)

        self.api_create.side_effect = created
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            fakes.keypair(name, key_holder['key']))
        columns, data = self.run_cmd('k', '--region', 'RegionOne',
                                     '--region', 'RegionTwo',
                                     '--private-key', self.path('id'))
        fields = dict(zip(columns, data, strict=True))
        self.assertEqual(['RegionOne', 'RegionTwo'],
                         fields['regions'].machine_readable())
        self.api_delete.assert_not_called()

    def test_to_stdout_the_private_key_alone(self):
        self.run_cmd('k', '--region', 'RegionTwo')
        printed = self.app.stdout.getvalue()
        self.assertIn('PRIVATE KEY', printed)
        self.assertEqual(['RegionTwo'],
                         self.in_regions(self.api_create.call_args_list))

    def test_unknown_region_reserves_no_file(self):
        self.assertRaises(exceptions.CommandError, self.run_cmd, 'k',
                          '--region', 'Nowhere', '--private-key',
                          self.path('id'))
        self.assertEqual([], os.listdir(self.tmp))
        self.api_create.assert_not_called()

    def test_public_key_registered_everywhere_or_nowhere(self):
        public = keys.public_key_of(keys.generate('ed25519')).openssh
        path = self.write('id.pub', public)
        self.fail_in(self.api_create, 'RegionOne',
                     ks_exceptions.ConnectFailure('refused'))
        # Whether a dropped connection made it is asked: it did not.
        self.api_get.side_effect = fakes.http_error(404, 'not found')
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--all-regions', '--public-key', path)
        self.assertIn('region RegionOne: cannot connect', str(error))
        self.assertEqual(['RegionThree', 'RegionTwo'],
                         self.in_regions(self.api_delete.call_args_list))


class ImportInRegionsTest(RegionsCase):
    command_class = create.ImportKeypair

    def setUp(self):
        super().setUp()
        self.public = keys.public_key_of(keys.generate('ed25519')).openssh
        self.key_file = self.write('id.pub', self.public)

    def test_the_same_key_into_every_region(self):
        columns, data = self.run_cmd('k', '--all-regions', '--public-key',
                                     self.key_file)
        self.assertEqual(sorted(NAMES),
                         self.in_regions(self.api_create.call_args_list))
        fields = dict(zip(columns, data, strict=True))
        self.assertEqual(ALL, fields['regions'].machine_readable())

    def test_exist_ok_per_region(self):
        conflict = fakes.http_error(409, "Key pair 'k' already exists.")
        self.fail_in(self.api_create, 'RegionTwo', conflict)
        self.fail_in(self.api_create, 'RegionThree', conflict)
        other = keys.public_key_of(keys.generate('ed25519')).openssh
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            fakes.keypair(name, self.public
                          if proxy is self.proxies['RegionTwo'] else other))
        rc, out, err = self.run_all('k', '--all-regions', '--exist-ok',
                                    '--public-key', self.key_file)
        self.assertEqual(1, rc)
        self.assertIn('RegionOne, RegionTwo', out)
        self.assertEqual(
            "region RegionThree: key pair 'k': already exists with a "
            'different public key', err.split(' (')[0])
        self.assertEqual(1, len(err.splitlines()))

    def test_without_exist_ok_a_conflict_fails_that_region_only(self):
        self.fail_in(self.api_create, 'RegionTwo',
                     fakes.http_error(409, "Key pair 'k' already exists."))
        rc, out, err = self.run_all('k', '--all-regions', '--public-key',
                                    self.key_file)
        self.assertEqual(1, rc)
        self.assertIn('RegionOne, RegionThree', out)
        self.assertEqual("region RegionTwo: key pair 'k': Key pair 'k' "
                         'already exists. (HTTP 409)\n', err)


class ListInRegionsTest(RegionsCase):
    command_class = query.ListKeypair

    def setUp(self):
        super().setUp()
        self.api_list = self.patch_api('list_')
        self.same = keys.public_key_of(keys.generate('ed25519')).openssh
        other = keys.public_key_of(keys.generate('ed25519')).openssh
        listed = {
            'RegionOne': [fakes.keypair('both', self.same),
                          fakes.keypair('only-one')],
            'RegionTwo': [fakes.keypair('both', self.same),
                          fakes.keypair('only-one-differs', other)],
            'RegionThree': [fakes.keypair('both', self.same)],
        }
        self.api_list.side_effect = lambda proxy, **kw: (
            '2.10', listed[self.region_of(proxy)])

    def test_a_region_column_and_a_row_per_key_pair_and_region(self):
        columns, data = self.run_cmd('--region', 'RegionTwo', '--region',
                                     'RegionOne')
        self.assertEqual(('Region', 'Name', 'Fingerprint', 'Type'), columns)
        self.assertEqual([('RegionTwo', 'both'),
                          ('RegionTwo', 'only-one-differs'),
                          ('RegionOne', 'both'), ('RegionOne', 'only-one')],
                         [row[:2] for row in data])

    def test_long_marks_drift_fingerprint_and_missing(self):
        self.api_list.side_effect = None
        base_key = keys.public_key_of(keys.generate('ed25519')).openssh
        differs = keys.public_key_of(keys.generate('ed25519')).openssh
        by_region = {'RegionOne': [fakes.keypair('k', base_key),
                                   fakes.keypair('gone-in-two')],
                     'RegionTwo': [fakes.keypair('k', differs)]}
        self.api_list.side_effect = lambda proxy, **kw: (
            '2.10', by_region[self.region_of(proxy)])
        columns, data = self.run_cmd('--long', '--region', 'RegionOne',
                                     '--region', 'RegionTwo')
        self.assertEqual('Drift', columns[-1])
        drift = {(row[0], row[1]): row[-1] for row in data}
        self.assertEqual({('RegionOne', 'k'): 'fingerprint differs',
                          ('RegionTwo', 'k'): 'fingerprint differs',
                          ('RegionOne', 'gone-in-two'):
                          'missing in RegionTwo'}, drift)

    def test_long_no_drift_when_alike_everywhere(self):
        _, data = self.run_cmd('--long', '--all-regions')
        both = [row for row in data if row[1] == 'both']
        self.assertEqual(['', '', ''], [row[-1] for row in both])

    def test_a_failing_region_the_others_shown_one_line_exit_1(self):
        self.fail_in(self.api_list, 'RegionTwo',
                     ks_exceptions.ConnectFailure('refused'))
        rc, out, err = self.run_all('--all-regions', '-f', 'value',
                                    '-c', 'Region', '-c', 'Name')
        self.assertEqual(1, rc)
        self.assertEqual(['RegionOne both', 'RegionOne only-one',
                          'RegionThree both'], out.splitlines())
        self.assertEqual('region RegionTwo: key pairs: cannot connect to the '
                         'cloud (connection refused or reset)\n', err)

    def test_a_failing_region_is_not_drift(self):
        self.fail_in(self.api_list, 'RegionTwo',
                     fakes.http_error(403, 'Policy does not allow'))
        columns, data = self.run_cmd('--long', '--all-regions')
        drift = {(row[0], row[1]): row[-1] for row in data}
        self.assertEqual('', drift['RegionOne', 'both'])
        self.assertEqual('missing in RegionThree',
                         drift['RegionOne', 'only-one'])

    def test_every_region_failing_is_one_line_each(self):
        self.api_list.side_effect = fakes.http_error(503, 'down')
        error = self.assertRaises(exceptions.CommandError, self.run_all,
                                  '--region', 'RegionOne', '--region',
                                  'RegionTwo')
        self.assertEqual('', self.app.stdout.getvalue())
        self.assertEqual('region RegionOne: key pairs: the compute service '
                         'failed: down (HTTP 503); try again later\n',
                         self.app.stderr.getvalue())
        self.assertEqual('region RegionTwo: key pairs: the compute service '
                         'failed: down (HTTP 503); try again later',
                         str(error))


class ShowInRegionsTest(RegionsCase):
    command_class = query.ShowKeypair

    def setUp(self):
        super().setUp()
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            fakes.keypair(name))

    def test_json_is_a_list_an_entry_per_region(self):
        rc, out, _ = self.run_all('k', '--all-regions', '-f', 'json')
        self.assertEqual(0, rc)
        entries = json.loads(out)
        self.assertEqual(ALL, [e['region'] for e in entries])
        self.assertEqual({'k'}, {e['name'] for e in entries})

    def test_table_is_a_block_per_region(self):
        rc, out, _ = self.run_all('k', '--region', 'RegionTwo', '--region',
                                  'RegionThree')
        self.assertEqual(0, rc)
        self.assertEqual(2, out.count('| Field '))
        self.assertLess(out.index('RegionTwo'), out.index('RegionThree'))

    def test_a_region_without_the_key_pair_is_one_line(self):
        self.fail_in(self.api_get, 'RegionTwo', fakes.http_error(
            404, 'Keypair k not found'), default=fakes.keypair('k'))
        rc, out, err = self.run_all('k', '--all-regions', '-f', 'json')
        self.assertEqual(1, rc)
        self.assertEqual(['RegionOne', 'RegionThree'],
                         [e['region'] for e in json.loads(out)])
        self.assertEqual("region RegionTwo: key pair 'k': Keypair k not "
                         'found (HTTP 404)\n', err)

    def test_shell_format_over_several_regions_is_refused(self):
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--all-regions', '-f', 'shell')
        self.assertIn('-f json', str(error))

    def test_public_key_alone_is_for_one_region(self):
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'k', '--all-regions', '--public-key')
        self.assertIn('--public-key prints one key', str(error))


class DeleteInRegionsTest(RegionsCase):
    command_class = delete.DeleteKeypair

    def test_every_key_pair_in_every_region(self):
        self.assertIsNone(self.run_cmd('a', 'b', '--all-regions'))
        deleted = sorted((self.region_of(c.args[0]), c.args[1])
                         for c in self.api_delete.call_args_list)
        self.assertEqual(sorted((r, n) for r in NAMES for n in 'ab'),
                         deleted)

    def assertBothFailedInRegionTwo(self, error, log_lines):
        """'a' and 'b' failed in RegionTwo, which could not be reached:
        counted as key pair and region pairs, and a line for each."""
        self.assertEqual('2 of 6 keys failed to delete.', str(error))
        self.assertEqual(
            [f"ERROR:keypairs_osc.v1.delete:Failed to delete key with name "
             f"'{name}' in region RegionTwo: cannot connect to the cloud "
             '(connection refused or reset)' for name in 'ab'],
            log_lines)

    def test_failures_count_key_pair_and_region_pairs(self):
        self.fail_in(self.api_delete, 'RegionTwo',
                     ks_exceptions.ConnectFailure('refused'))
        with self.assertLogs(delete.LOG, 'ERROR') as logs:
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'a', 'b', '--all-regions')
        self.assertBothFailedInRegionTwo(error, logs.output)

    def test_a_region_failing_as_a_whole_fails_each_name_there(self):
        # A failure _delete_in does not expect, before any delete (here the
        # servers' listing, made to raise): each name failed there.
        usage = servers.usage

        def failing_in_two(proxy, *args, **kwargs):
            if proxy is self.proxies['RegionTwo']:
                raise ks_exceptions.ConnectFailure('refused')
            return usage(proxy, *args, **kwargs)

        self.useFixture(fixtures.MockPatchObject(
            servers, 'usage', side_effect=failing_in_two))
        with self.assertLogs(delete.LOG, 'ERROR') as logs:
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'a', 'b', '--all-regions')
        self.assertBothFailedInRegionTwo(error, logs.output)
        self.assertEqual(['RegionOne', 'RegionOne', 'RegionThree',
                          'RegionThree'],
                         self.in_regions(self.api_delete.call_args_list))

    def test_another_users_key_pairs_in_each_region(self):
        with mock.patch('openstackclient.identity.common.find_user_id_sdk',
                        return_value='uid-2'):
            self.assertIsNone(self.run_cmd('a', '--all-regions', '--user',
                                           'demo2'))
        self.assertEqual(
            sorted((region, 'a', 'uid-2') for region in NAMES),
            sorted((self.region_of(c.args[0]), c.args[1], c.kwargs['user_id'])
                   for c in self.api_delete.call_args_list))

    def test_a_key_pair_skipped_in_one_region_is_named_with_it(self):
        self.proxies['RegionTwo'].get.return_value = fakes.response(
            200, {'servers': [{'id': 's1', 'name': 'web', 'key_name': 'a',
                               'user_id': base.USER_ID}]})
        with self.assertLogs(delete.LOG, 'WARNING') as logs:
            self.assertIsNone(self.run_cmd('a', '--all-regions',
                                           '--if-unused'))
        self.assertEqual(
            ["WARNING:keypairs_osc.v1.delete:Skipped key pair 'a' in region "
             'RegionTwo: servers use it: web (s1)'], logs.output)
        self.assertEqual(['RegionOne', 'RegionThree'],
                         self.in_regions(self.api_delete.call_args_list))

    def test_a_region_missing_the_key_pair_with_ignore_missing(self):
        self.fail_in(self.api_delete, 'RegionThree',
                     fakes.http_error(404, 'not found'))
        self.assertIsNone(self.run_cmd('a', '--all-regions',
                                       '--ignore-missing'))

    def test_an_invalid_name_fails_in_each_region_sending_nothing(self):
        with self.assertLogs(delete.LOG, 'ERROR'):
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'bad/name', 'ok', '--region',
                                      'RegionOne', '--region', 'RegionTwo')
        self.assertEqual('2 of 4 keys failed to delete.', str(error))
        self.assertEqual({'ok'}, {c.args[1]
                                  for c in self.api_delete.call_args_list})


class VerifyInRegionsTest(RegionsCase):
    command_class = verify.VerifyKeypair

    def setUp(self):
        super().setUp()
        self.key = keys.generate('ed25519')
        self.path_ = self.write('id', keys.serialize_private_key(self.key))
        public = keys.public_key_of(self.key).openssh
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            fakes.keypair(name, public))

    def test_a_match_in_every_region_is_a_line_each_exit_0(self):
        rc, out, err = self.run_all('k', '--all-regions', '--private-key',
                                    self.path_)
        self.assertEqual(verify.MATCH, rc)
        self.assertEqual([f'region {n}' for n in ALL],
                         [line.split(':')[0] for line in out.splitlines()])
        self.assertIn('matches', out)
        self.assertEqual('', err)

    def test_a_mismatch_in_one_region_names_it_exit_1(self):
        other = keys.public_key_of(keys.generate('ed25519')).openssh
        public = keys.public_key_of(self.key).openssh
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            fakes.keypair(name, other if proxy is self.proxies['RegionTwo']
                          else public))
        rc, out, err = self.run_all('k', '--all-regions', '--private-key',
                                    self.path_)
        self.assertEqual(verify.MISMATCH, rc)
        self.assertEqual(2, len(out.splitlines()))
        self.assertTrue(err.startswith('region RegionTwo: private key '))
        self.assertIn('does not match', err)

    def test_absent_in_one_region_is_no_answer_exit_2(self):
        self.fail_in(self.api_get, 'RegionThree',
                     fakes.http_error(404, 'Keypair k not found'))
        rc, _, err = self.run_all('k', '--all-regions', '--private-key',
                                  self.path_)
        self.assertEqual(verify.ERROR, rc)
        self.assertEqual("region RegionThree: key pair 'k': Keypair k not "
                         'found (HTTP 404)\n', err)

    def test_no_answer_in_one_region_outweighs_a_later_mismatch(self):
        other = keys.public_key_of(keys.generate('ed25519')).openssh
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            fakes.keypair(name, other))
        self.fail_in(self.api_get, 'RegionOne',
                     fakes.http_error(404, 'Keypair k not found'))
        rc, _, err = self.run_all('k', '--all-regions', '--private-key',
                                  self.path_)
        self.assertEqual(verify.ERROR, rc)
        self.assertEqual(['region RegionOne', 'region RegionThree',
                          'region RegionTwo'],
                         [line.split(':')[0] for line in err.splitlines()])

    def test_a_mismatch_line_names_the_key_and_both_fingerprints(self):
        path = self.write('fixed', keymaker.FIXED_PRIVATE_KEY)
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            fakes.keypair(name, keymaker.OTHER_PUBLIC_KEY))
        rc, _, err = self.run_all('k', '--region', 'RegionTwo',
                                  '--private-key', path)
        self.assertEqual(verify.MISMATCH, rc)
        self.assertEqual(
            f'region RegionTwo: private key {path} '
            f"({keymaker.FIXED_FINGERPRINT}) does not match key pair 'k' "
            f'({keymaker.OTHER_FINGERPRINT})\n', err)

    def test_another_users_key_pair_in_each_region(self):
        with mock.patch('openstackclient.identity.common.find_user_id_sdk',
                        return_value='uid-2'):
            rc, _, _ = self.run_all('k', '--all-regions', '--private-key',
                                    self.path_, '--user', 'demo2')
        self.assertEqual(verify.MATCH, rc)
        self.assertEqual(
            sorted((region, 'k', 'uid-2') for region in NAMES),
            sorted((self.region_of(c.args[0]), c.args[1], c.kwargs['user_id'])
                   for c in self.api_get.call_args_list))


class RegistersNothingTwiceTest(RegionsCase):
    """The region options never reach a region twice."""

    command_class = create.ImportKeypair

    def test_a_region_named_twice_is_asked_once(self):
        public = keys.public_key_of(keys.generate('ed25519')).openssh
        path = self.write('id.pub', public)
        self.run_cmd('k', '--region', 'RegionTwo', '--region', 'RegionTwo',
                     '--public-key', path)
        self.assertEqual(['RegionTwo'],
                         self.in_regions(self.api_create.call_args_list))
