"""Key pairs and servers; the local record of private key files."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
import tempfile
from unittest import mock

import fixtures
from osc_lib import exceptions

from keypairs_osc import keys
from keypairs_osc import microversion
from keypairs_osc import record
from keypairs_osc import servers
from keypairs_osc.v1 import create
from keypairs_osc.v1 import delete
from keypairs_osc.v1 import query
from tests.unit import base
from tests.unit import fakes


def server(name, key_name, user_id='me-id'):
    return {'id': f'id-{name}', 'name': name, 'key_name': key_name,
            'user_id': user_id}


def servers_page(*found):
    return fakes.response(200, {'servers': list(found)})


class ServersUsingTest(base.TestCase):

    def test_asks_for_2_83_and_keeps_only_the_owners_servers(self):
        proxy = base.compute_proxy()
        proxy.get.return_value = servers_page(
            server('mine', 'k'), server('theirs', 'k', user_id='other'))
        found = servers.using(proxy, 'k', 'me-id')
        self.assertEqual(['mine (id-mine)'], [str(s) for s in found])
        kwargs = proxy.get.call_args.kwargs
        self.assertEqual('2.83', kwargs['microversion'])
        self.assertEqual({'key_name': 'k'}, kwargs['params'])

    def test_pinned_below_2_83_cannot_tell(self):
        proxy = base.compute_proxy(pinned='2.82')
        err = self.assertRaises(servers.CannotTell, servers.using, proxy,
                                'k', 'me-id')
        self.assertIn('2.83', str(err))
        proxy.get.assert_not_called()

    def test_old_cloud_cannot_tell(self):
        proxy = base.compute_proxy(high=(2, 60))
        proxy.get.return_value = fakes.response(406, {})
        self.assertRaises(servers.CannotTell, servers.using, proxy, 'k',
                          'me-id')
        # Learned for the command's next request: no second 406 for it.
        self.assertEqual((2, 60), microversion.learned_max(proxy))

    def test_a_cloud_known_to_be_older_than_2_83_is_not_asked(self):
        proxy = base.compute_proxy(high=(2, 60))
        microversion.choose(proxy)  # as after a 406
        err = self.assertRaises(servers.CannotTell, servers.using, proxy,
                                'k', 'me-id')
        self.assertIn('2.83', str(err))
        self.assertIn('at most 2.60', str(err))
        proxy.get.assert_not_called()

    def test_a_cloud_known_to_offer_2_83_is_asked(self):
        proxy = base.compute_proxy(high=(2, 90))
        microversion.choose(proxy)
        proxy.get.return_value = servers_page(server('mine', 'k'))
        self.assertEqual(1, len(servers.using(proxy, 'k', 'me-id')))

    def test_listing_for_several_retries_once_at_an_old_clouds_highest(self):
        proxy = base.compute_proxy(high=(2, 1))
        proxy.get.side_effect = [fakes.response(406, {}),
                                 servers_page(server('mine', 'k'))]
        found = servers.using_any(proxy, {'k'}, 'me-id')
        self.assertEqual(['mine (id-mine)'], [str(s) for s in found['k']])
        self.assertEqual(['2.10', '2.1'],
                         [c.kwargs['microversion']
                          for c in proxy.get.call_args_list])

    def test_listing_for_several_on_a_known_old_cloud_asks_once(self):
        proxy = base.compute_proxy(high=(2, 1))
        microversion.choose(proxy)
        servers.using_any(proxy, {'k'}, 'me-id')
        proxy.get.assert_called_once()
        self.assertEqual('2.1', proxy.get.call_args.kwargs['microversion'])

    def test_admin_looks_across_projects(self):
        proxy = base.compute_proxy()
        servers.using(proxy, 'k', 'u2', all_projects=True)
        self.assertEqual('True',
                         proxy.get.call_args.kwargs['params']['all_tenants'])


class RecordTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp()
        path = os.path.join(self.dir, 'sub', 'keys.json')
        patcher = mock.patch.dict(os.environ, {record.RECORD_ENV: path})
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_remember_and_lookup_per_cloud_user_and_name(self):
        record.remember('cloud-a', 'u1', 'k', '/keys/id', 'SHA256:x')
        record.remember('cloud-b', 'u1', 'k', '/keys/other', 'SHA256:y')
        self.assertEqual(record.Entry('/keys/id', 'SHA256:x'),
                         record.lookup('cloud-a', 'u1', 'k'))
        self.assertIsNone(record.lookup('cloud-a', 'u2', 'k'))
        self.assertEqual({'k'}, set(record.all_entries('cloud-b', 'u1')))

    def test_record_is_private_and_holds_no_key_material(self):
        record.remember('c', 'u', 'k', '/keys/id', 'SHA256:x')
        path = record.record_path()
        self.assertEqual(0o600, stat.S_IMODE(os.stat(path).st_mode))
        self.assertEqual(0o700, stat.S_IMODE(
            os.stat(os.path.dirname(path)).st_mode))
        with open(path) as f:
            self.assertNotIn('PRIVATE', f.read())

    def test_a_damaged_record_is_set_aside_not_wiped(self):
        for i in range(12):
            record.remember('c', 'u', f'k{i}', f'/keys/{i}', 'SHA256:x')
        path = record.record_path()
        with open(path, 'a') as f:
            f.write('garbage')
        with open(path) as f:
            damaged = f.read()
        self.assertIsNone(record.lookup('c', 'u', 'k0'))  # read: as empty
        log = self.useFixture(fixtures.FakeLogger())
        record.remember('c', 'u', 'new', '/keys/new', 'SHA256:y')
        self.assertIsNotNone(record.lookup('c', 'u', 'new'))
        (aside,) = [n for n in os.listdir(os.path.dirname(path))
                    if n.startswith('keys.json.corrupt-')]
        with open(os.path.join(os.path.dirname(path), aside)) as f:
            self.assertEqual(damaged, f.read())
        self.assertIn(aside, log.output)
        self.assertEqual(1, len(log.output.strip().splitlines()))


class CreateRemembersTest(base.CommandTestCase):

    def test_create_and_import_note_the_private_key(self):
        key = self.path('id')
        self.run_cmd('k', '--private-key', key)
        entry = record.lookup('http://nova.example/v2.1', 'me-id', 'k')
        self.assertEqual(key, entry.path)
        with open(key + '.pub') as f:
            blob = base64.b64decode(f.read().split()[1])
        # Computed here, not with the code under test: ssh-keygen's rule.
        expected = 'SHA256:' + base64.b64encode(
            hashlib.sha256(blob).digest()).decode().rstrip('=')
        self.assertEqual(expected, entry.fingerprint_sha256)

    def test_import_from_private_key_notes_it(self):
        importer = create.ImportKeypair(self.app, None)
        key = self.write('id2', keys.serialize_private_key(
            keys.generate('ecdsa')))
        importer.take_action(importer.get_parser('x').parse_args(
            ['k2', '--private-key', key]))
        entry = record.lookup('http://nova.example/v2.1', 'me-id', 'k2')
        self.assertEqual(key, entry.path)

    def test_an_unreadable_record_is_not_set_aside(self):
        record.remember('c', 'u', 'k', '/keys/id', 'SHA256:x')
        with mock.patch('builtins.open', side_effect=PermissionError(
                13, 'Permission denied')):
            self.assertRaises(PermissionError, record.remember, 'c', 'u',
                              'k2', '/keys/id2', 'SHA256:y')
        self.assertEqual(['keys.json', 'keys.json.lock'], sorted(
            os.listdir(os.path.dirname(record.record_path()))))
        self.assertIsNotNone(record.lookup('c', 'u', 'k'))

    def test_import_from_a_private_key_on_stdin_notes_nothing(self):
        importer = create.ImportKeypair(self.app, None)
        data = keys.serialize_private_key(keys.generate('ecdsa'))
        stdin = io.TextIOWrapper(io.BytesIO(data))
        with mock.patch('sys.stdin', stdin):
            importer.take_action(importer.get_parser('x').parse_args(
                ['k3', '--private-key', '-']))
        self.api_create.assert_called_once()
        self.assertIsNone(
            record.lookup('http://nova.example/v2.1', 'me-id', 'k3'))
        self.assertFalse(os.path.exists(self.record))


class ShowServersTest(base.CommandTestCase):
    command_class = query.ShowKeypair

    def test_servers_field(self):
        self.api_get.return_value = fakes.keypair('k')
        self.app.client_manager.compute.get.return_value = servers_page(
            server('web', 'k'), server('db', 'k'))
        columns, values = self.run_cmd('k')
        shown = dict(zip(columns, values, strict=True))['servers']
        self.assertEqual(['web (id-web)', 'db (id-db)'], shown._value)

    def test_servers_unknown_does_not_fail_show(self):
        self.api_get.return_value = fakes.keypair('k')
        self.app.client_manager.compute.get.return_value = fakes.response(
            500, {})
        columns, values = self.run_cmd('k')
        shown = dict(zip(columns, values, strict=True))['servers']
        self.assertTrue(shown.startswith('unknown: '))


class ListLocalKeyTest(base.CommandTestCase):
    command_class = query.ListKeypair

    def test_local_key_only_when_file_exists_and_matches(self):
        kp = fakes.keypair('k')
        other = fakes.keypair('other')
        self.patch_api('list_').return_value = ('2.10', [kp, other])
        info = keys.describe_stored(kp.public_key)
        key = self.write('id', b'private')
        cloud = 'http://nova.example/v2.1'
        record.remember(cloud, 'me-id', 'k', key, info.fingerprint_sha256)
        record.remember(cloud, 'me-id', 'other', key, 'SHA256:stale')
        columns, data = self.run_cmd('--long')
        local = {row[0]: row[columns.index('Local Key')] for row in data}
        self.assertEqual({'k': key, 'other': None}, local)
        os.unlink(key)
        columns, data = self.run_cmd('--long')
        self.assertIsNone(data[0][columns.index('Local Key')])


class DeleteInUseTest(base.CommandTestCase):
    command_class = delete.DeleteKeypair

    def test_deletes_but_warns_naming_the_servers(self):
        self.app.client_manager.compute.get.return_value = servers_page(
            server('web', 'k'))
        with self.assertLogs('keypairs_osc.v1.delete', 'WARNING') as logs:
            self.run_cmd('k')
        self.api_delete.assert_called_once()
        self.assertIn('web (id-web)', logs.output[0])

    def test_if_unused_skips_and_says_which(self):
        compute = self.app.client_manager.compute
        compute.get.return_value = servers_page(
            server('web', 'used'), server('other', 'free', user_id='else'))
        with self.assertLogs('keypairs_osc.v1.delete', 'WARNING') as logs:
            self.run_cmd('used', 'free', '--if-unused')
        deleted = [c.args[1] for c in self.api_delete.call_args_list]
        self.assertEqual(['free'], deleted)
        self.assertIn("Skipped key pair 'used'", logs.output[0])
        # Several key pairs: one listing of the user's servers, no filter.
        compute.get.assert_called_once()
        self.assertNotIn('key_name', compute.get.call_args.kwargs['params'])

    def test_without_if_unused_a_cloud_that_cannot_tell_gets_a_warning(self):
        self.app.client_manager.compute.default_microversion = '2.60'
        with self.assertLogs('keypairs_osc.v1.delete', 'WARNING') as logs:
            self.run_cmd('k')
        self.api_delete.assert_called_once()
        self.assertIn('cannot tell', logs.output[0])

    def test_if_unused_when_the_cloud_cannot_tell(self):
        self.app.client_manager.compute.get.return_value = fakes.response(
            500, {})
        err = self.assertRaises(exceptions.CommandError, self.run_cmd, 'k',
                                '--if-unused')
        self.assertEqual('1 of 1 keys failed to delete.', str(err))
        self.api_delete.assert_not_called()
