"""keypair rotate, with a spec'd SDK standing in for the cloud and a fake
ssh (``subprocess.run``) standing in for each server's sshd.

The fake sshd lets a key in when a line of the server's authorized_keys
that is no comment holds its key data, and runs the rotation's READ and
WRITE as the guest would: WRITE only over the text whose SHA-256 it is
given.
"""

from __future__ import annotations

import hashlib
import io
import os
import shlex
import subprocess
from unittest import mock

import fixtures
from cryptography.hazmat.primitives.asymmetric import ed25519
from openstack.compute.v2 import server as sdk_server
from openstack import exceptions as sdk_exceptions
from openstack.test import fakes as sdk_fakes
from osc_lib import exceptions
from osc_lib.test import base as osc_base

from keypairs_osc import keys
from keypairs_osc import record
from keypairs_osc import rotation
from keypairs_osc.v1 import reach
from keypairs_osc.v1 import rotate
from tests import vectors
from tests.unit import base
from tests.unit import consoles
from tests.unit import fakes
from tests.unit.test_authorized_keys import NEW
from tests.unit.test_authorized_keys import OLD
from tests.unit.test_rotation import BEFORE
from tests.unit.test_rotation import HEAD
from tests.unit.test_rotation import TAIL

CLOUD = base.NOVA_URL
#: The private halves of OLD and NEW (seeds 00..1f and 20..3f).
OLD_PRIVATE = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
NEW_PRIVATE = ed25519.Ed25519PrivateKey.from_private_bytes(
    bytes(range(32, 64)))
OLD_SHA256 = vectors.FIXED_SHA256
#: What ``ssh-keygen -l`` prints for NEW.
NEW_SHA256 = 'SHA256:ICWTIMFqIa1seHwfScxOpzmnnS/35sGRnuqEN5d9eOM'
ROTATED = "'new' logs in, 'old' is removed"
REFUSED = b'Permission denied (publickey).\r\n'


class FakeGuest:
    """One server's sshd and its login user's authorized_keys."""

    def __init__(self, text: bytes):
        self.text = text
        self.down = False
        #: Key data this sshd refuses wherever it is.
        self.refused: set[bytes] = set()

    def lets_in(self, token: bytes) -> bool:
        if token in self.refused:
            return False
        return any(token in line for line in self.text.split(b'\n')
                   if not line.lstrip().startswith(b'#'))


def server(id_: str, name: str, address: str | None,
           key_name: str = 'old'):
    addresses = {'net': [{'addr': address, 'version': 4,
                          'OS-EXT-IPS:type': 'floating'}]} if address else {}
    return sdk_fakes.generate_fake_resource(
        sdk_server.Server, id=id_, name=name, key_name=key_name,
        user_id=base.USER_ID, image={'id': 'img'}, addresses=addresses)


class RotateCase(base.CommandTestCase):
    """Two servers booted with key pair 'old', whose key is recorded here;
    each server's authorized_keys is BEFORE."""

    command_class = rotate.RotateKeypair

    def setUp(self):
        super().setUp()
        self.compute = self.app.client_manager.compute
        self.old_file = self.key_file('old', OLD_PRIVATE, OLD)
        record.remember(CLOUD, base.USER_ID, 'old', self.old_file,
                        OLD_SHA256)
        self.new_file = self.path('new')
        self.keypairs = {'old': fakes.keypair('old', OLD.decode())}
        self.api_get.side_effect = self.get_keypair
        self.api_create.side_effect = self.create_keypair
        self.servers = {s.id: s for s in (
            server('s1', 'web', '203.0.113.1'),
            server('s2', 'db', '203.0.113.2'))}
        self.guests = {'203.0.113.1': FakeGuest(BEFORE),
                       '203.0.113.2': FakeGuest(BEFORE)}
        self.compute.get.side_effect = self.list_servers
        self.compute.get_server.side_effect = self.get_server
        self.compute.find_server.side_effect = self.find_server
        self.compute.get_server_console_output.return_value = {
            'output': consoles.FAKE_DRIVER}
        image = mock.Mock(properties={'os_distro': 'ubuntu'},
                          spec=['properties'])
        self.app.client_manager.sdk_connection.image.get_image\
            .return_value = image
        self.useFixture(fixtures.MockPatchObject(
            reach, 'ssh_program', return_value='/usr/bin/ssh'))
        self.ssh_calls: list[list[str]] = []
        self.ssh_run = self.useFixture(fixtures.MockPatchObject(
            rotate.subprocess, 'run', side_effect=self.ssh)).mock
        # A new key pair is generated with NEW's key.
        self.useFixture(fixtures.MockPatchObject(
            keys, 'generate', return_value=NEW_PRIVATE))

    # -- the cloud -----------------------------------------------------------

    def key_file(self, name: str, key, public: bytes) -> str:
        path = self.write(name, keys.serialize_private_key(key))
        self.write(name + '.pub', public + b'\n', 0o644)
        return path

    def get_keypair(self, proxy, name, user_id=None):
        if name not in self.keypairs:
            raise fakes.http_error(404, f'Keypair {name} not found')
        return self.keypairs[name]

    def create_keypair(self, proxy, name, public_key, key_type=None,
                       user_id=None):
        self.keypairs[name] = fakes.keypair(name, public_key)
        return self.keypairs[name]

    def list_servers(self, url, params=None, **kwargs):
        assert url == '/servers/detail', url
        return fakes.response(200, {'servers': [
            {'id': s.id, 'name': s.name, 'key_name': s.key_name,
             'user_id': s.user_id} for s in self.servers.values()
            if s.key_name == (params or {}).get('key_name')]})

    def get_server(self, server_id):
        if server_id not in self.servers:
            raise sdk_exceptions.NotFoundException(f'No server {server_id}')
        return self.servers[server_id]

    def find_server(self, name, ignore_missing=True, details=True):
        for found in self.servers.values():
            if name in (found.id, found.name):
                return found
        raise sdk_exceptions.NotFoundException(f'No Server found for {name}')

    # -- ssh -----------------------------------------------------------------

    def ssh(self, argv, input=b'', capture_output=False, timeout=None,
            check=False):
        self.assertTrue(capture_output)
        self.assertEqual(rotate.SSH_TIMEOUT, timeout)
        self.ssh_calls.append(argv)
        guest = self.guests[argv[-2]]
        words = shlex.split(argv[-1])
        self.assertEqual(['sh', '-c'], words[:2])
        self.assertEqual('sh', words[3])
        script, args = words[2], words[4:]
        if guest.down:
            return self.done(argv, 255, stderr=(
                f'ssh: connect to host {argv[-2]} port 22: Connection '
                'refused\r\n').encode())
        with open(argv[argv.index('-i') + 1] + '.pub', 'rb') as f:
            token = f.read().split()[1]
        if not guest.lets_in(token):
            return self.done(argv, 255, stderr=REFUSED)
        if script == rotation.READ:
            return self.done(argv, 0, guest.text)
        self.assertEqual(rotation.WRITE, script)
        if hashlib.sha256(guest.text).hexdigest() != args[0]:
            return self.done(argv, 4)
        guest.text = input
        return self.done(argv, 0)

    @staticmethod
    def done(argv, status, stdout=b'', stderr=b''):
        return subprocess.CompletedProcess(argv, status, stdout, stderr)

    def logged_in_to(self) -> list[str]:
        return [argv[-2] for argv in self.ssh_calls]

    def texts(self) -> dict[str, bytes]:
        return {address: g.text for address, g in self.guests.items()}

    def rows(self, *argv: str) -> list[tuple]:
        columns, rows = self.run_cmd(*argv)
        self.assertEqual(('Server', 'Address', 'Result', 'Reason'), columns)
        return list(rows)

    def stderr(self) -> str:
        return self.app.stderr.getvalue()


class RefusedTest(RotateCase):
    """Refusals come before anything is created or logged in to."""

    def assertRefused(self, *argv: str) -> str:
        record_before = base.content(self.record)
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  *argv)
        self.assertNotIn('\n', str(error))
        self.ssh_run.assert_not_called()
        self.api_create.assert_not_called()
        self.api_delete.assert_not_called()
        self.assertFalse(os.path.lexists(self.new_file))
        self.assertEqual({a: BEFORE for a in self.guests}, self.texts())
        self.assertEqual(record_before, base.content(self.record))
        return str(error)

    def test_the_same_key_pair_twice(self):
        self.assertEqual("<old> and <new> are the same key pair, 'old'",
                         self.assertRefused('old', 'old', '--private-key',
                                            self.new_file))
        self.api_get.assert_not_called()

    def test_existing_takes_no_generation_option(self):
        self.keypairs['new'] = fakes.keypair('new', NEW.decode())
        secret = self.write('pass', 'open sesame\n')
        for option in (('--key-type', 'rsa'), ('--key-size', '2048'),
                       ('--comment', 'me'),
                       ('--private-key-format', 'pem'),
                       ('--passphrase-file', secret),
                       ('--ask-passphrase',), ('--force',)):
            with self.subTest(option=option):
                self.assertEqual(
                    f'{option[0]} cannot be used with --existing: that key '
                    'pair is not generated here',
                    self.assertRefused('old', 'new', '--existing', *option))
        self.assertEqual(
            '--key-type, --comment, --force cannot be used with '
            '--existing: that key pair is not generated here',
            self.assertRefused('old', 'new', '--existing', '--force',
                               '--comment', 'me', '--key-type', 'rsa'))

    def test_a_new_key_pair_needs_a_private_key_file(self):
        for argv in ((), ('--private-key', '-')):
            with self.subTest(argv=argv):
                self.assertEqual(
                    'give --private-key <file>: the new private key is '
                    'saved there and the servers are logged in to with it',
                    self.assertRefused('old', 'new', *argv))

    def test_existing_needs_new_to_exist(self):
        self.assertEqual("key pair 'new' does not exist; leave out "
                         '--existing to create it',
                         self.assertRefused('old', 'new', '--existing'))

    def test_an_existing_new_needs_existing(self):
        self.keypairs['new'] = fakes.keypair('new', NEW.decode())
        self.assertEqual("key pair 'new' exists already; give --existing "
                         'to move the servers to it',
                         self.assertRefused('old', 'new', '--private-key',
                                            self.new_file))

    def test_a_private_key_file_that_is_not_news(self):
        self.keypairs['new'] = fakes.keypair('new', NEW.decode())
        for dry_run in ((), ('--dry-run',)):
            with self.subTest(dry_run=dry_run):
                self.assertEqual(
                    f"{self.old_file} ({OLD_SHA256}) is not the private key "
                    f"of key pair 'new' ({NEW_SHA256}); give --private-key",
                    self.assertRefused('old', 'new', '--existing',
                                       '--private-key', self.old_file,
                                       *dry_run))
        self.compute.get.assert_not_called()  # no server looked up

    def test_a_private_key_on_stdin_is_refused(self):
        self.keypairs['new'] = fakes.keypair('new', NEW.decode())
        for argv in (('--existing', '--private-key', '-'),
                     ('--existing', '--old-private-key', '-')):
            with self.subTest(argv=argv):
                self.assertEqual(
                    '-: ssh needs the identity as a regular file',
                    self.assertRefused('old', 'new', *argv))

    def test_no_ssh_creates_nothing(self):
        self.useFixture(fixtures.MockPatchObject(
            reach, 'ssh_program',
            side_effect=exceptions.CommandError('ssh is not installed')))
        self.assertEqual('ssh is not installed', self.assertRefused(
            'old', 'new', '--private-key', self.new_file))

    def test_an_old_private_key_file_that_is_not_olds(self):
        other = self.key_file('other', NEW_PRIVATE, NEW)
        self.assertEqual(
            f"{other} ({NEW_SHA256}) is not the private key of key pair "
            f"'old' ({OLD_SHA256}); give --old-private-key",
            self.assertRefused('old', 'new', '--private-key', self.new_file,
                               '--old-private-key', other))

    def test_a_recorded_old_key_that_no_longer_matches(self):
        self.keypairs['old'] = fakes.keypair('old', NEW.decode())
        self.assertEqual(
            f"{self.old_file} ({OLD_SHA256}) is not the private key of key "
            f"pair 'old' ({NEW_SHA256}); give --old-private-key",
            self.assertRefused('old', 'new', '--private-key',
                               self.new_file))

    def test_no_private_key_known_for_old(self):
        with open(self.record, 'w') as f:
            f.write('{}')
        self.assertEqual("no private key of key pair 'old' is known on "
                         'this machine; give --old-private-key',
                         self.assertRefused('old', 'new', '--private-key',
                                            self.new_file))

    def test_no_private_key_known_for_an_existing_new(self):
        self.keypairs['new'] = fakes.keypair('new', NEW.decode())
        self.assertEqual("no private key of key pair 'new' is known on "
                         'this machine; give --private-key',
                         self.assertRefused('old', 'new', '--existing'))

    def test_a_missing_old_key_pair(self):
        del self.keypairs['old']
        message = self.assertRefused('old', 'new', '--private-key',
                                     self.new_file)
        self.assertTrue(message.startswith("key pair 'old': "), message)

    def test_new_that_cannot_be_looked_up(self):
        def get(proxy, name, user_id=None):
            if name == 'old':
                return self.keypairs['old']
            raise fakes.http_error(403, 'Forbidden')

        self.api_get.side_effect = get
        message = self.assertRefused('old', 'new', '--private-key',
                                     self.new_file)
        self.assertTrue(message.startswith("key pair 'new': "), message)

    def test_an_unknown_server(self):
        self.assertEqual("server 'nosuch': No Server found for nosuch",
                         self.assertRefused('old', 'new', '--private-key',
                                            self.new_file, '--server',
                                            'nosuch'))

    def test_concurrency_is_1_or_more(self):
        with mock.patch('sys.stderr', io.StringIO()):
            self.assertRaises(osc_base.ParserException, self.parse, 'old',
                              'new', '--concurrency', '0')
        self.assertEqual(3, self.parse('old', 'new', '--concurrency',
                                       '3').concurrency)
        self.assertEqual(4, self.parse('old', 'new').concurrency)


    def test_port_is_a_port_number(self):
        for port in ('0', '65536', 'x'):
            with self.subTest(port=port), \
                    mock.patch('sys.stderr', io.StringIO()) as said:
                self.assertRaises(osc_base.ParserException, self.parse,
                                  'old', 'new', '--port', port)
            self.assertIn("argument --port/-p: ", said.getvalue())
        self.assertEqual(65535, self.parse('old', 'new', '-p',
                                           '65535').port)


class DryRunTest(RotateCase):

    def test_shows_each_server_and_creates_and_logs_in_to_nothing(self):
        record_before = base.content(self.record)
        self.servers['s3'] = server('s3', 'far', None)
        self.assertEqual([
            ('web (s1)', '203.0.113.1', 'would rotate',
             "log in as ubuntu with 'old', add 'new', prove it, remove "
             "'old'"),
            ('db (s2)', '203.0.113.2', 'would rotate',
             "log in as ubuntu with 'old', add 'new', prove it, remove "
             "'old'"),
            ('far (s3)', '', 'would fail',
             'no public IPv4/6 address found; give --private or '
             '--address-type')],
            self.rows('old', 'new', '--private-key', self.new_file,
                      '--dry-run', '--delete-old'))
        self.ssh_run.assert_not_called()
        self.api_create.assert_not_called()
        self.api_delete.assert_not_called()
        self.compute.get_server_console_output.assert_not_called()
        self.assertFalse(os.path.lexists(self.new_file))
        self.assertEqual(record_before, base.content(self.record))
        self.assertFalse(os.path.lexists(record.known_hosts_path('s1')))
        self.assertEqual([], self.cmd.region_failures)

    def test_login_option_and_existing(self):
        self.keypairs['new'] = fakes.keypair('new', NEW.decode())
        new_file = self.key_file('new', NEW_PRIVATE, NEW)
        rows = self.rows('old', 'new', '--existing', '--private-key',
                         new_file, '--login', 'admin', '--dry-run')
        self.assertEqual(["log in as admin with 'old', add 'new', prove "
                          "it, remove 'old'"] * 2, [r[3] for r in rows])
        self.ssh_run.assert_not_called()


class RotatedTest(RotateCase):

    def test_every_server_moves_to_a_new_key_pair(self):
        rows = self.rows('old', 'new', '--private-key', self.new_file)
        self.assertEqual([('web (s1)', '203.0.113.1', 'rotated', ROTATED),
                          ('db (s2)', '203.0.113.2', 'rotated', ROTATED)],
                         rows)
        self.assertEqual({a: HEAD + TAIL + NEW + b'\n'
                          for a in self.guests}, self.texts())
        self.api_create.assert_called_once_with(
            self.compute, 'new', NEW.decode(), key_type=None, user_id=None)
        self.assertEqual(0o600, base.mode(self.new_file))
        self.assertEqual(record.Entry(self.new_file, NEW_SHA256),
                         record.lookup(CLOUD, base.USER_ID, 'new'))
        self.assertEqual(10, self.ssh_run.call_count)  # 5 logins each
        self.assertEqual([], self.cmd.region_failures)
        self.api_delete.assert_not_called()

    def test_each_rotation_is_remembered(self):
        self.rows('old', 'new', '--private-key', self.new_file)
        self.assertEqual(record.Rotation(
            's1', 'web', base.USER_ID, 'old', 'new', self.new_file,
            NEW_SHA256), record.rotation(CLOUD, 's1'))
        self.assertEqual(['s2', 's1'], [  # by server name: db, web
            r.server_id for r in record.rotations(CLOUD, base.USER_ID,
                                                  'old')])
        # Still recorded for the key pair itself.
        self.assertEqual(record.Entry(self.old_file, OLD_SHA256),
                         record.lookup(CLOUD, base.USER_ID, 'old'))

    def test_ssh_logs_in_with_each_key_as_keypair_ssh_does(self):
        self.rows('old', 'new', '--private-key', self.new_file,
                  '-o', 'ConnectTimeout=5', '--port', '2222',
                  '--server', 'web')
        first, second, third = self.ssh_calls[:3]
        self.assertEqual(
            ['/usr/bin/ssh', '-i', self.old_file, '-o', 'IdentitiesOnly=yes',
             '-l', 'ubuntu', '-p', '2222', '-o', 'ConnectTimeout=5',
             '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30',
             '203.0.113.1', shlex.join(['sh', '-c', rotation.READ, 'sh'])],
            first)
        self.assertEqual(shlex.join(
            ['sh', '-c', rotation.WRITE, 'sh',
             '68b6745002fb13574ebcf71453fc2eba'
             '7ca520ef17cf9f792f7439ff56b9a4ee']), second[-1])
        self.assertEqual(['-i', self.new_file], third[1:3])
        self.assertEqual(BEFORE + NEW + b'\n',
                         self.ssh_run.call_args_list[1].kwargs['input'])

    def test_host_keys_are_pinned_and_checked_as_keypair_ssh_does(self):
        self.compute.get_server_console_output.return_value = {
            'output': consoles.EC2}
        self.rows('old', 'new', '--private-key', self.new_file,
                  '--server', 's1')
        argv = self.ssh_calls[0]
        options = [argv[i + 1] for i, arg in enumerate(argv) if arg == '-o']
        self.assertIn('StrictHostKeyChecking=yes', options)
        self.assertIn(f'UserKnownHostsFile={record.known_hosts_path("s1")}',
                      options)
        self.assertIn('HostKeyAlias=s1', options)
        self.assertTrue(os.path.isfile(record.known_hosts_path('s1')))
        self.assertIn("server 'web': pinned its host keys", self.stderr())

    def test_other_host_keys_than_the_pinned_fail_that_server(self):
        self.compute.get_server_console_output.return_value = {
            'output': consoles.EC2}
        reach.pin_host_keys(self.app, self.servers['s1'], 'web')
        self.compute.get_server_console_output.return_value = {
            'output': consoles.console(consoles.OTHER_ED25519)}
        rows = self.rows('old', 'new', '--private-key', self.new_file)
        self.assertEqual(['failed', 'rotated'], [r[2] for r in rows])
        self.assertTrue(rows[0][3].startswith('its console shows host keys'),
                        rows[0][3])
        self.assertTrue(rows[0][3].endswith(
            'If the server was rebuilt, pin the new keys with "keypair ssh '
            '--repin" (rotate has no --repin: it checks, never re-pins); '
            'nothing changed'), rows[0][3])
        self.assertEqual(['203.0.113.2'] * 5, self.logged_in_to())
        self.assertEqual(BEFORE, self.guests['203.0.113.1'].text)

    def test_to_an_existing_key_pair_with_its_recorded_key(self):
        self.keypairs['new'] = fakes.keypair('new', NEW.decode())
        new_file = self.key_file('new', NEW_PRIVATE, NEW)
        record.remember(CLOUD, base.USER_ID, 'new', new_file, NEW_SHA256)
        rows = self.rows('old', 'new', '--existing')
        self.assertEqual(['rotated', 'rotated'], [r[2] for r in rows])
        self.api_create.assert_not_called()
        self.assertEqual(new_file, record.rotation(CLOUD, 's2').path)

    def test_old_private_key_given(self):
        os.rename(self.old_file, self.path('elsewhere'))
        os.rename(self.old_file + '.pub', self.path('elsewhere.pub'))
        rows = self.rows('old', 'new', '--private-key', self.new_file,
                         '--old-private-key', self.path('elsewhere'))
        self.assertEqual(['rotated', 'rotated'], [r[2] for r in rows])
        self.assertEqual(['-i', self.path('elsewhere')],
                         self.ssh_calls[0][1:3])

    def test_concurrency_1_rotates_one_server_after_the_other(self):
        self.rows('old', 'new', '--private-key', self.new_file,
                  '--concurrency', '1')
        self.assertEqual(['203.0.113.1'] * 5 + ['203.0.113.2'] * 5,
                         self.logged_in_to())

    def test_servers_rotated_away_are_not_rotated_again(self):
        self.rows('old', 'new', '--private-key', self.new_file,
                  '--server', 'web')
        rows = self.rows('old', 'newer', '--private-key', self.path('x'),
                         '--dry-run')
        self.assertEqual(['db (s2)'], [r[0] for r in rows])

    def test_servers_rotated_to_old_count_as_olds(self):
        self.servers['s3'] = server('s3', 'app', '203.0.113.3',
                                    key_name='older')
        self.guests['203.0.113.3'] = FakeGuest(BEFORE)
        record.remember_rotation(CLOUD, record.Rotation(
            's3', 'app', base.USER_ID, 'older', 'old', self.old_file,
            OLD_SHA256))
        rows = self.rows('old', 'new', '--private-key', self.new_file,
                         '--dry-run')
        self.assertEqual(['web (s1)', 'db (s2)', 'app (s3)'],
                         [r[0] for r in rows])

    def test_no_server_uses_old(self):
        self.servers.clear()
        self.assertEqual([], self.rows('old', 'new', '--private-key',
                                       self.new_file))
        self.ssh_run.assert_not_called()
        self.assertEqual([], self.cmd.region_failures)


class FailedTest(RotateCase):

    def test_no_reachable_address_is_a_failed_row_and_nothing_changed(self):
        self.servers['s1'] = server('s1', 'web', None)
        rc = self.cmd.run(self.parse('old', 'new', '--private-key',
                                     self.new_file, '-f', 'value'))
        self.assertEqual(1, rc)
        self.assertIn('web (s1)  failed no public IPv4/6 address found; '
                      'give --private or --address-type; nothing changed\n',
                      self.app.stdout.getvalue())
        self.assertEqual(['203.0.113.2'] * 5, self.logged_in_to())
        self.assertEqual(BEFORE, self.guests['203.0.113.1'].text)
        self.assertIsNone(record.rotation(CLOUD, 's1'))
        self.assertIsNotNone(record.rotation(CLOUD, 's2'))
        self.assertTrue(self.stderr().endswith(
            "key pair 'old': 1 of 2 servers not rotated\n"), self.stderr())

    def test_an_unknown_login_is_a_failed_row(self):
        image = mock.Mock(properties={}, spec=['properties'])
        self.app.client_manager.sdk_connection.image.get_image\
            .return_value = image
        rows = self.rows('old', 'new', '--private-key', self.new_file)
        self.assertEqual(
            ('web (s1)', '203.0.113.1', 'failed',
             "cannot tell the login name for server 'web' (its image names "
             'no os_admin_user or known os_distro); give --login; nothing '
             'changed'), rows[0])
        self.ssh_run.assert_not_called()
        self.assertEqual(["key pair 'old': 2 of 2 servers not rotated"],
                         self.cmd.region_failures)

    def test_a_server_down_keeps_old_and_the_command_fails(self):
        self.guests['203.0.113.2'].down = True
        rc = self.cmd.run(self.parse('old', 'new', '--private-key',
                                     self.new_file, '-f', 'value'))
        self.assertEqual(1, rc)
        self.assertIn(
            "db (s2) 203.0.113.2 failed cannot log in with 'old': ssh: "
            'connect to host 203.0.113.2 port 22: Connection refused; it '
            "keeps 'old'\n", self.app.stdout.getvalue())
        self.assertIn(f'web (s1) 203.0.113.1 rotated {ROTATED}\n',
                      self.app.stdout.getvalue())
        self.assertEqual(BEFORE, self.guests['203.0.113.2'].text)
        self.assertIsNone(record.rotation(CLOUD, 's2'))
        self.assertIn("key pair 'old': 1 of 2 servers not rotated\n",
                      self.stderr())

    def test_new_refused_after_it_was_added_keeps_old(self):
        # As an sshd that does not take that key's algorithm would.
        self.guests['203.0.113.1'].refused.add(NEW.split()[1])
        rows = self.rows('old', 'new', '--private-key', self.new_file,
                         '--server', 'web')
        self.assertEqual(
            [('web (s1)', '203.0.113.1', 'failed',
              "cannot log in with 'new': Permission denied (publickey).; "
              "it keeps 'old' ('new' is added but did not log in)")], rows)
        self.assertEqual(BEFORE + NEW + b'\n',
                         self.guests['203.0.113.1'].text)

    def test_a_failed_last_proof_still_records_new(self):
        # Old's line is gone, so only new can log in: keypair ssh must
        # use it, though the rotation is not proven.
        def down_after_the_removal(argv, **kwargs):
            if len(self.ssh_calls) == 4:
                self.guests['203.0.113.1'].down = True
            return self.ssh(argv, **kwargs)

        self.ssh_run.side_effect = down_after_the_removal
        rows = self.rows('old', 'new', '--private-key', self.new_file,
                         '--server', 'web')
        self.assertEqual('failed', rows[0][2])
        text = self.guests['203.0.113.1'].text
        self.assertNotIn(OLD.split()[1], text)
        self.assertIn(NEW.split()[1], text)
        self.assertEqual('new', record.rotation(CLOUD, 's1').to_name)
        self.assertEqual(["key pair 'old': 1 of 1 servers not rotated"],
                         self.cmd.region_failures)

    def test_no_answer_in_time(self):
        def hangs(argv, **kwargs):
            raise subprocess.TimeoutExpired(argv, rotate.SSH_TIMEOUT)

        self.ssh_run.side_effect = hangs
        rows = self.rows('old', 'new', '--private-key', self.new_file,
                         '--server', 'web')
        self.assertEqual("cannot log in with 'old': no answer in 120 s; it "
                         "keeps 'old'", rows[0][3])

    def test_a_failure_is_noted_once_for_the_exit_status(self):
        self.guests['203.0.113.1'].down = True
        self.guests['203.0.113.2'].down = True
        self.rows('old', 'new', '--private-key', self.new_file)
        self.assertEqual(["key pair 'old': 2 of 2 servers not rotated"],
                         self.cmd.region_failures)


class DeleteOldTest(RotateCase):

    def test_deleted_once_no_server_is_left_on_it(self):
        rc = self.cmd.run(self.parse('old', 'new', '--private-key',
                                     self.new_file, '--delete-old'))
        self.assertEqual(0, rc)
        self.api_delete.assert_called_once_with(self.compute, 'old',
                                                user_id=None)
        self.assertIn("Deleted key pair 'old': no server uses it\n",
                      self.stderr())

    def test_kept_while_a_server_failed(self):
        self.guests['203.0.113.2'].down = True
        rc = self.cmd.run(self.parse('old', 'new', '--private-key',
                                     self.new_file, '--delete-old'))
        self.assertEqual(1, rc)
        self.api_delete.assert_not_called()
        self.assertEqual(["key pair 'old': 1 of 2 servers not rotated",
                          "key pair 'old': kept, since servers still use "
                          'it: db (s2)'], self.cmd.region_failures)

    def test_kept_while_a_server_left_out_uses_it(self):
        rows = self.rows('old', 'new', '--private-key', self.new_file,
                         '--server', 'web', '--delete-old')
        self.assertEqual(['rotated'], [r[2] for r in rows])
        self.api_delete.assert_not_called()
        self.assertEqual(["key pair 'old': kept, since servers still use "
                          'it: db (s2)'], self.cmd.region_failures)

    def test_a_failed_delete_is_noted(self):
        self.api_delete.side_effect = fakes.http_error(403, 'Forbidden')
        self.rows('old', 'new', '--private-key', self.new_file,
                  '--delete-old')
        self.assertEqual(1, len(self.cmd.region_failures))
        self.assertTrue(self.cmd.region_failures[0].startswith(
            "key pair 'old': deleting it failed: "),
            self.cmd.region_failures)
        self.assertNotIn('Deleted', self.stderr())

    def test_kept_when_the_cloud_cannot_tell_which_servers_use_it(self):
        # An old cloud: --server finds the servers, the key_name filter
        # (2.83) is beyond it. The rotations are still shown.
        base.set_compute_api_version(self.compute, pinned='2.60')
        rows = self.rows('old', 'new', '--private-key', self.new_file,
                         '--server', 'web', '--server', 'db',
                         '--delete-old')
        self.assertEqual(['rotated', 'rotated'], [r[2] for r in rows])
        self.api_delete.assert_not_called()
        self.assertEqual(
            ["key pair 'old': needs compute API microversion 2.83, but "
             '--os-compute-api-version is 2.60; kept, since which servers '
             'still use it is unknown'], self.cmd.region_failures)

    def test_without_the_option_old_stays(self):
        self.rows('old', 'new', '--private-key', self.new_file)
        self.api_delete.assert_not_called()
        self.assertNotIn('Deleted', self.stderr())
