"""keypair list --unused and keypair delete --unused, with a spec'd SDK
proxy standing in for Nova (its servers listing answered by ``get``)."""

from __future__ import annotations

import datetime
import io
import threading
from unittest import mock

from osc_lib import exceptions
from osc_lib.test import base as osc_base

from keypairs_osc import servers
from keypairs_osc import unused
from keypairs_osc.v1 import delete
from keypairs_osc.v1 import query
from tests.unit import base
from tests.unit import fakes
from tests.unit.test_regions_commands import RegionsCase

NOW = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)


def listed(name: str, created_at: str | None = None):
    """A key pair as Nova lists it: without created_at, unless given."""
    keypair = fakes.keypair(name)
    keypair.created_at = created_at
    return keypair


def server(key_name: str | None, user_id: str = base.USER_ID,
           id_: str = 's1') -> dict:
    return {'id': id_, 'name': f'srv-{id_}', 'key_name': key_name,
            'user_id': user_id}


def serve(proxy: mock.Mock, *pages: list[dict]) -> list[dict]:
    """``proxy`` lists these servers (a page each); the params it got."""
    asked: list[dict] = []
    answers = list(pages)

    def get(url, params=None, **kwargs):
        assert url == '/servers/detail', url
        asked.append(dict(params or {}))
        page = answers.pop(0)
        links = ([{'rel': 'next', 'href': 'x'}] if answers else [])
        return fakes.response(200, {'servers': page,
                                    'servers_links': links})

    proxy.get.side_effect = get
    return asked


class InFlight:
    """A delete that waits a moment for more to join it, noting the most
    that were ever in flight at once."""

    def __init__(self, limit: int):
        self.limit = limit
        self.now = self.most = 0
        self.deleted: list[str] = []
        self._changed = threading.Condition()

    def __call__(self, proxy, name, user_id=None):
        with self._changed:
            self.now += 1
            self.most = max(self.most, self.now)
            self.deleted.append(name)
            self._changed.notify_all()
            # One more than the limit would join now, if it could.
            self._changed.wait_for(lambda: self.most > self.limit, 0.3)
            self.now -= 1


class OptionsTest(base.TestCase):

    def test_days_a_number_0_or_more(self):
        self.assertEqual(0.0, unused.parse_days('0'))
        self.assertEqual(30.0, unused.parse_days('30'))
        self.assertEqual(1.5, unused.parse_days('1.5'))
        self.assertIsNone(unused.parse_days(None))

    def test_bad_days_are_one_line(self):
        for text in ('-1', '-0.5', 'ten', '', 'nan', 'inf', '1e999'):
            error = self.assertRaises(unused.BadOption, unused.parse_days,
                                      text)
            self.assertEqual(f'--older-than takes a number of days, 0 or '
                             f'more, not {text!r}', str(error))

    def test_an_empty_prefix_is_refused(self):
        self.assertRaises(unused.BadOption, unused.parse_prefix, '')
        self.assertEqual('ci-', unused.parse_prefix('ci-'))
        self.assertIsNone(unused.parse_prefix(None))

    def test_created_at_nova_times_are_utc(self):
        self.assertEqual(datetime.datetime(2026, 11, 28, 1, 2, 3, 4000,
                                           tzinfo=datetime.UTC),
                         unused.created_at('2026-11-28T01:02:03.004000'))
        self.assertEqual(datetime.datetime(2026, 11, 28, tzinfo=datetime.UTC),
                         unused.created_at('2026-11-28T01:00:00+01:00'))
        for bad in (None, '', 'yesterday'):
            self.assertIsNone(unused.created_at(bad))

    def test_older_than_is_strict(self):
        day = datetime.timedelta(days=1)
        self.assertTrue(unused.older_than(NOW - 2 * day, 1, NOW))
        self.assertFalse(unused.older_than(NOW - day, 1, NOW))
        self.assertFalse(unused.older_than(NOW, 0, NOW))
        self.assertTrue(unused.older_than(NOW - datetime.timedelta(
            seconds=1), 0, NOW))


class InUseTest(base.TestCase):

    def test_one_listing_gives_every_name_of_the_users_servers(self):
        proxy = base.compute_proxy()
        asked = serve(proxy, [server('a'), server('b', id_='s2'),
                              server('theirs', user_id='other'),
                              server(None, id_='s3')],
                      [server('c', id_='s4')])
        self.assertEqual({'a', 'b', 'c'},
                         servers.in_use(proxy, base.USER_ID))
        self.assertEqual([{}, {'marker': 's3'}], asked)

    def test_no_user_counts_every_server(self):
        proxy = base.compute_proxy()
        serve(proxy, [server('a'), server('theirs', user_id='other')])
        self.assertEqual({'a', 'theirs'}, servers.in_use(proxy, None))

    def test_another_user_searches_every_project(self):
        proxy = base.compute_proxy()
        asked = serve(proxy, [server('a', user_id='u2')])
        self.assertEqual({'a'}, servers.in_use(proxy, 'u2',
                                               all_projects=True))
        self.assertEqual([{'all_tenants': 'True', 'user_id': 'u2'}], asked)

    def test_a_failing_listing_is_one_cannot_tell(self):
        proxy = base.compute_proxy()
        proxy.get.return_value = fakes.response(403, {'forbidden': {
            'message': 'Policy does not allow it', 'code': 403}})
        error = self.assertRaises(servers.CannotTell, unused.names_in_use,
                                  proxy, base.USER_ID)
        self.assertEqual('cannot tell which key pairs servers use: the '
                         'servers API answered HTTP 403', str(error))


class ListUnusedTest(base.CommandTestCase):
    command_class = query.ListKeypair

    def setUp(self):
        super().setUp()
        self.api_list = self.patch_api('list_')
        self.api_list.return_value = ('2.10', [
            fakes.keypair('a'), fakes.keypair('used'), fakes.keypair('b')])
        self.compute = self.app.client_manager.compute
        self.asked = serve(self.compute, [server('used'),
                                          server('b', user_id='other')])

    def test_only_unused_in_the_columns_of_list(self):
        plain_columns, _ = self.run_cmd()
        self.asked.clear()
        self.compute.get.reset_mock()
        self.api_list.reset_mock()
        columns, data = self.run_cmd('--unused')
        self.assertEqual(plain_columns, columns)
        self.assertEqual(['a', 'b'], [row[0] for row in data])
        self.assertEqual(1, self.compute.get.call_count)  # one listing
        self.assertEqual(1, self.api_list.call_count)

    def test_long_keeps_its_columns(self):
        long_columns, _ = self.run_cmd('--long')
        serve(self.compute, [server('used')])
        columns, data = self.run_cmd('--long', '--unused')
        self.assertEqual(long_columns, columns)
        self.assertEqual(['a', 'b'], [row[0] for row in data])

    def test_max_items_counts_unused_ones(self):
        _, data = self.run_cmd('--unused', '--max-items', '1')
        self.assertEqual(['a'], [row[0] for row in data])
        self.assertIsNone(self.api_list.call_args.kwargs['max_items'])
        serve(self.compute, [])
        _, data = self.run_cmd('--max-items', '1')
        self.assertEqual(1, self.api_list.call_args.kwargs['max_items'])

    def test_no_key_pairs_lists_no_servers(self):
        self.api_list.return_value = ('2.10', [])
        _, data = self.run_cmd('--unused')
        self.assertEqual([], data)
        self.compute.get.assert_not_called()

    def test_another_users_servers_of_every_project(self):
        with mock.patch('openstackclient.identity.common.find_user_id_sdk',
                        return_value='u2'):
            self.asked[:] = []
            serve(self.compute, [server('a', user_id='u2')])
            _, data = self.run_cmd('--unused', '--user', 'demo2')
        self.assertEqual(['used', 'b'], [row[0] for row in data])

    def test_project_is_refused(self):
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  '--unused', '--project', 'p')
        self.assertEqual('--project is not compatible with --unused: give '
                         'one user with --user', str(error))
        self.api_list.assert_not_called()

    def test_servers_the_cloud_cannot_list_is_one_line(self):
        self.compute.get.side_effect = None
        self.compute.get.return_value = fakes.response(500, {})
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  '--unused')
        self.assertEqual('key pairs: cannot tell which key pairs servers '
                         'use: the servers API answered HTTP 500',
                         str(error))


class DeleteUnusedTest(base.CommandTestCase):
    command_class = delete.DeleteKeypair

    def setUp(self):
        super().setUp()
        self.api_list = self.patch_api('list_')
        self.api_list.return_value = ('2.10', [
            listed('ci-a'), listed('ci-used'), listed('ci-b'),
            listed('laptop')])
        self.compute = self.app.client_manager.compute
        self.events: list[str] = []
        self.asked = serve(self.compute, [server('ci-used')])
        listing = self.compute.get.side_effect

        def noted(*args, **kwargs):
            self.events.append('servers')
            return listing(*args, **kwargs)

        self.compute.get.side_effect = noted
        self.api_delete.side_effect = (
            lambda proxy, name, user_id=None: self.events.append(
                f'delete {name}'))

    def deleted(self) -> list[str]:
        return sorted(c.args[1] for c in self.api_delete.call_args_list)

    def test_deletes_exactly_the_unused_and_says_which(self):
        self.assertIsNone(self.run_cmd('--unused'))
        self.assertEqual(['ci-a', 'ci-b', 'laptop'], self.deleted())
        self.assertEqual("Deleted key pair 'ci-a'\nDeleted key pair "
                         "'ci-b'\nDeleted key pair 'laptop'\n",
                         self.app.stdout.getvalue())
        # list key pairs, one server listing, the deletes: in that order.
        self.assertEqual('servers', self.events[0])
        self.assertEqual(1, self.events.count('servers'))
        self.assertEqual(1, self.api_list.call_count)

    def test_name_prefix(self):
        self.run_cmd('--unused', '--name-prefix', 'ci-')
        self.assertEqual(['ci-a', 'ci-b'], self.deleted())

    def test_dry_run_deletes_nothing(self):
        self.assertIsNone(self.run_cmd('--unused', '--dry-run',
                                       '--name-prefix', 'ci-'))
        self.api_delete.assert_not_called()
        self.assertEqual("Would delete key pair 'ci-a'\nWould delete key "
                         "pair 'ci-b'\n", self.app.stdout.getvalue())

    def test_nothing_unused_deletes_nothing_and_says_so(self):
        self.run_cmd('--unused', '--name-prefix', 'ci-used')
        self.api_delete.assert_not_called()
        self.assertEqual('No unused key pairs to delete\n',
                         self.app.stdout.getvalue())

    def test_no_match_lists_no_servers(self):
        self.run_cmd('--unused', '--name-prefix', 'nothing-')
        self.assertEqual([], self.events)

    def test_older_than_fetches_each_candidate_then_lists_servers(self):
        made = {'ci-a': '2026-10-01T00:00:00.000000',
                'ci-b': '2026-12-01T00:00:00.000000',
                'ci-used': '2026-01-01T00:00:00.000000'}

        def get(proxy, name, user_id=None):
            self.events.append(f'get {name}')
            return listed(name, made[name])

        self.api_get.side_effect = get
        self.run_cmd('--unused', '--name-prefix', 'ci-', '--older-than',
                     '30')
        self.assertEqual(['ci-a'], self.deleted())
        self.assertEqual(['ci-a', 'ci-b', 'ci-used'],
                         sorted(c.args[1] for c in
                                self.api_get.call_args_list))
        # The servers are listed after the ages, right before the delete.
        self.assertEqual(['servers', 'delete ci-a'], self.events[-2:])

    def test_older_than_uses_a_listed_created_at(self):
        self.api_list.return_value = ('2.10', [
            listed('ci-a', '2000-01-01T00:00:00'),
            listed('ci-b', datetime.datetime.now(datetime.UTC).isoformat())])
        self.run_cmd('--unused', '--older-than', '1')
        self.assertEqual(['ci-a'], self.deleted())
        self.api_get.assert_not_called()

    def test_an_age_the_cloud_withholds_is_a_failure_not_a_delete(self):
        def get(proxy, name, user_id=None):
            if name == 'ci-a':
                raise fakes.http_error(500, 'boom')
            if name == 'ci-b':
                raise fakes.http_error(404, 'gone')
            return listed(name, None)

        self.api_get.side_effect = get
        with self.assertLogs(delete.LOG, 'ERROR') as logs:
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      '--unused', '--older-than', '0')
        self.assertEqual('2 of 2 keys failed to delete.', str(error))
        self.api_delete.assert_not_called()
        self.assertIn("'ci-a': not deleted: cannot tell its age: the "
                      'compute service failed', logs.output[0])
        self.assertIn("'laptop': not deleted: cannot tell its age: the "
                      'cloud gave no usable created_at (None)',
                      '\n'.join(logs.output))

    def test_bad_older_than_is_one_line_nothing_sent(self):
        for text in ('-3', 'a week', 'nan'):
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      '--unused', '--older-than', text)
            self.assertEqual(f'--older-than takes a number of days, 0 or '
                             f'more, not {text!r}', str(error))
        self.api_list.assert_not_called()

    def test_an_empty_prefix_is_one_line(self):
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  '--unused', '--name-prefix', '')
        self.assertEqual('--name-prefix needs at least one character',
                         str(error))

    def test_servers_the_cloud_cannot_list_deletes_nothing(self):
        self.compute.get.side_effect = None
        self.compute.get.return_value = fakes.response(403, {})
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  '--unused')
        self.assertEqual('key pairs: cannot tell which key pairs servers '
                         'use: the servers API answered HTTP 403',
                         str(error))
        self.api_delete.assert_not_called()

    def test_failed_deletes_are_counted_as_usual(self):
        def fail_b(proxy, name, user_id=None):
            if name == 'ci-b':
                raise fakes.http_error(409, 'conflict')

        self.api_delete.side_effect = fail_b
        with self.assertLogs(delete.LOG, 'ERROR') as logs:
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      '--unused')
        self.assertEqual('1 of 3 keys failed to delete.', str(error))
        self.assertEqual(["ERROR:keypairs_osc.v1.delete:Failed to delete key "
                          "with name 'ci-b': conflict (HTTP 409)"],
                         logs.output)

    def test_a_key_pair_gone_meanwhile_with_ignore_missing(self):
        def gone_b(proxy, name, user_id=None):
            if name == 'ci-b':
                raise fakes.http_error(404, 'Keypair ci-b not found')

        self.api_delete.side_effect = gone_b
        self.assertIsNone(self.run_cmd('--unused', '--ignore-missing',
                                       '--name-prefix', 'ci-'))
        self.assertEqual("Deleted key pair 'ci-a'\nDeleted key pair "
                         "'ci-b'\n", self.app.stdout.getvalue())

    def test_another_users_server_keeps_no_key_pair_of_ours(self):
        # Key pairs are per user: another user's server booted with a key
        # pair of the same name does not use ours.
        serve(self.compute, [server('ci-used'),
                             server('ci-a', user_id='someone-else',
                                    id_='s2')])
        self.run_cmd('--unused', '--name-prefix', 'ci-')
        self.assertEqual(['ci-a', 'ci-b'], self.deleted())

    def test_ages_are_asked_of_the_same_cloud_for_the_same_user(self):
        self.api_get.side_effect = lambda proxy, name, user_id=None: (
            listed(name, '2000-01-01T00:00:00'))
        with mock.patch('openstackclient.identity.common.find_user_id_sdk',
                        return_value='u2'):
            self.run_cmd('--unused', '--user', 'demo2', '--older-than', '1',
                         '--name-prefix', 'ci-')
        self.assertEqual(
            [(self.compute, 'ci-a', 'u2'), (self.compute, 'ci-b', 'u2'),
             (self.compute, 'ci-used', 'u2')],
            sorted(((c.args[0], c.args[1], c.kwargs['user_id'])
                    for c in self.api_get.call_args_list),
                   key=lambda call: call[1]))

    def test_deletes_eight_at_a_time(self):
        self.api_list.return_value = ('2.10', [listed(f'old-{n}')
                                               for n in range(12)])
        in_flight = InFlight(8)
        self.api_delete.side_effect = in_flight
        self.run_cmd('--unused')
        self.assertEqual(12, len(in_flight.deleted))
        self.assertEqual(8, in_flight.most)

    def test_another_user(self):
        with mock.patch('openstackclient.identity.common.find_user_id_sdk',
                        return_value='u2'):
            self.asked.clear()
            self.run_cmd('--unused', '--user', 'demo2', '--name-prefix',
                         'ci-')
        self.assertEqual('u2', self.api_list.call_args.kwargs['user_id'])
        self.assertTrue(self.api_list.call_args.kwargs['other_user'])
        self.assertEqual([{'all_tenants': 'True', 'user_id': 'u2'}],
                         self.asked)
        # The server of 'ci-used' is ours, not u2's: u2's is unused.
        self.assertEqual(['ci-a', 'ci-b', 'ci-used'], self.deleted())
        self.assertEqual({'u2'}, {c.kwargs['user_id'] for c in
                                  self.api_delete.call_args_list})

    def test_options_of_unused_without_it_are_refused(self):
        for extra in (['--dry-run'], ['--older-than', '3'],
                      ['--name-prefix', 'ci-']):
            error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                      'ci-a', *extra)
            self.assertEqual(f'{extra[0]} goes with --unused, not with '
                             'names', str(error))
        self.api_delete.assert_not_called()

    def test_names_and_unused_together_or_neither_are_usage_errors(self):
        for argv in (['ci-a', '--unused'], ['--unused', 'ci-a'], []):
            with mock.patch('sys.stderr', io.StringIO()) as stderr:
                self.assertRaises(osc_base.ParserException, self.parse,
                                  *argv)
            self.assertIn('--unused', stderr.getvalue())

    def test_names_alone_delete_as_before(self):
        self.run_cmd('ci-used', 'laptop')
        self.assertEqual(['ci-used', 'laptop'], self.deleted())
        self.assertEqual('', self.app.stdout.getvalue())
        self.api_list.assert_not_called()


class DeleteUnusedInRegionsTest(RegionsCase):
    command_class = delete.DeleteKeypair

    def setUp(self):
        super().setUp()
        self.api_list = self.patch_api('list_')
        self.api_list.return_value = ('2.10', [listed('a'), listed('b')])
        # 'a' is used in RegionTwo only.
        serve(self.proxies['RegionOne'], [])
        serve(self.proxies['RegionTwo'], [server('a')])
        serve(self.proxies['RegionThree'], [])

    def test_each_regions_own_servers_decide(self):
        self.assertIsNone(self.run_cmd('--unused', '--all-regions'))
        deleted = sorted((self.region_of(c.args[0]), c.args[1])
                         for c in self.api_delete.call_args_list)
        self.assertEqual([('RegionOne', 'a'), ('RegionOne', 'b'),
                          ('RegionThree', 'a'), ('RegionThree', 'b'),
                          ('RegionTwo', 'b')], deleted)
        self.assertIn("Deleted key pair 'b' in region RegionTwo\n",
                      self.app.stdout.getvalue())

    def test_a_failing_region_is_one_line_the_others_deleted(self):
        self.fail_in(self.api_list, 'RegionTwo', fakes.http_error(
            503, 'down'), default=('2.10', [listed('a'), listed('b')]))
        rc, out, err = self.run_all('--unused', '--all-regions')
        self.assertEqual(1, rc)
        self.assertEqual(1, len(err.splitlines()))
        self.assertIn('region RegionTwo: key pairs: the compute service '
                      'failed', err)
        self.assertEqual(4, self.api_delete.call_count)


class ListUnusedInRegionsTest(RegionsCase):
    command_class = query.ListKeypair

    def test_each_regions_own_servers_decide(self):
        self.api_list = self.patch_api('list_')
        self.api_list.return_value = ('2.10', [fakes.keypair('a'),
                                               fakes.keypair('b')])
        serve(self.proxies['RegionOne'], [server('b')])
        serve(self.proxies['RegionTwo'], [server('a')])
        serve(self.proxies['RegionThree'], [])
        _, data = self.run_cmd('--unused', '--all-regions')
        self.assertEqual([('RegionOne', 'a'), ('RegionThree', 'a'),
                          ('RegionThree', 'b'), ('RegionTwo', 'b')],
                         [row[:2] for row in data])
