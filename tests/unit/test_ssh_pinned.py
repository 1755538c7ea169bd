"""keypair ssh pins the host keys the console shows; ssh accepts no other."""

from __future__ import annotations

import os
import stat

from openstack import exceptions as sdk_exceptions
from osc_lib import exceptions

from keypairs_osc import hostkeys
from keypairs_osc import pinning
from keypairs_osc import record
from keypairs_osc import securefile
from keypairs_osc import servers
from tests.unit import base
from tests.unit import consoles
from tests.unit import fakes
from tests.unit import test_ssh
from tests.unit.consoles import ECDSA
from tests.unit.consoles import ED25519
from tests.unit.consoles import FINGERPRINTS
from tests.unit.consoles import HOST_KEYS
from tests.unit.consoles import OTHER_ED25519
from tests.unit.consoles import RSA


def mode(path: str) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


class PinnedHostKeysTest(test_ssh.SshCase):

    def setUp(self):
        super().setUp()
        self.pinned = record.known_hosts_path(self.server.id)
        self.show(consoles.EC2)

    def show(self, text: str) -> None:
        """What the server's console output is from now on."""
        self.app.client_manager.compute.get_server_console_output \
            .return_value = {'output': text}

    def pinned_keys(self) -> list[str]:
        with open(self.pinned) as f:
            return [' '.join(line.split()[1:3]) for line in f
                    if not line.startswith('#')]

    def options(self) -> dict[str, str]:
        """The ``-o`` options ssh was given, first value of each."""
        argv = self.argv()
        found: dict[str, str] = {}
        for at, arg in enumerate(argv):
            if arg == '-o':
                name, _, value = argv[at + 1].partition('=')
                found.setdefault(name, value)
        return found

    def stderr(self) -> str:
        return self.app.stderr.getvalue()

    def assertPinnedCheck(self):
        """ssh checks the host strictly against the pinned file."""
        options = self.options()
        self.assertEqual('yes', options['StrictHostKeyChecking'])
        self.assertEqual(self.pinned, options['UserKnownHostsFile'])
        self.assertEqual(self.server.id, options['HostKeyAlias'])
        self.assertEqual('no', options['CheckHostIP'])
        argv = self.argv()
        self.assertLess(argv.index('-o'), argv.index('203.0.113.7'))

    def assertRefused(self, *argv: str) -> str:
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  *argv)
        self.assertNotIn('\n', str(error))
        self.call.assert_not_called()
        return str(error)

    def test_first_contact_pins_the_console_keys_0600(self):
        self.assertEqual(0, self.run_cmd('web', '--', 'uptime'))
        self.assertEqual([' '.join(line.split()[:2]) for line in HOST_KEYS],
                         self.pinned_keys())
        self.assertEqual(0o600, mode(self.pinned))
        self.assertEqual(0o700, mode(os.path.dirname(self.pinned)))
        self.assertPinnedCheck()
        self.assertEqual(['203.0.113.7', 'uptime'], self.argv()[-2:])
        self.app.client_manager.compute.get_server_console_output \
            .assert_called_once_with(self.server)
        line = self.stderr()
        self.assertEqual(1, line.count('\n'))
        self.assertIn("server 'web': pinned its host keys", line)
        for key in HOST_KEYS:
            self.assertIn(FINGERPRINTS[key], line)

    def test_the_same_keys_again_use_the_pinned_file_as_it_is(self):
        self.run_cmd('web')
        before = os.stat(self.pinned)
        self.app.stderr.truncate(0)
        self.show(consoles.console(RSA, ED25519, ECDSA,
                                   prefix='<14>Dec  2 11:00:00 ec2: '))
        self.assertEqual(0, self.run_cmd('web'))
        after = os.stat(self.pinned)
        self.assertEqual((before.st_ino, before.st_mtime_ns),
                         (after.st_ino, after.st_mtime_ns))
        self.assertPinnedCheck()
        self.assertEqual('', self.stderr().strip('\0'))

    def test_other_keys_on_the_console_are_refused_naming_both(self):
        self.run_cmd('web')
        self.call.reset_mock()
        self.show(consoles.console(OTHER_ED25519))
        message = self.assertRefused('web')
        self.assertTrue(message.startswith("server 'web': its console shows "
                                           'host keys'), message)
        self.assertIn(FINGERPRINTS[OTHER_ED25519], message)
        self.assertIn(FINGERPRINTS[ED25519], message)
        self.assertIn('--repin', message)
        self.assertEqual(3, len(self.pinned_keys()))

    def test_repin_after_a_rebuild_replaces_the_pinned_keys(self):
        self.run_cmd('web')
        self.show(consoles.console(OTHER_ED25519))
        self.assertEqual(0, self.run_cmd('web', '--repin'))
        self.assertEqual([' '.join(OTHER_ED25519.split()[:2])],
                         self.pinned_keys())
        self.assertEqual(0o600, mode(self.pinned))
        self.assertPinnedCheck()
        self.assertIn(f'kept in {self.pinned}.bak', self.stderr())
        # From now on the new keys are the pinned ones.
        self.show(consoles.EC2)
        self.call.reset_mock()
        self.assertIn(FINGERPRINTS[OTHER_ED25519], self.assertRefused('web'))

    def test_repin_with_the_same_keys_writes_nothing(self):
        self.run_cmd('web')
        before = os.stat(self.pinned)
        self.run_cmd('web', '--repin')
        self.assertEqual(before.st_mtime_ns, os.stat(self.pinned).st_mtime_ns)
        self.assertFalse(os.path.exists(self.pinned + '.bak'))

    def test_repin_needs_keys_on_the_console(self):
        self.run_cmd('web')
        self.call.reset_mock()
        self.show(consoles.FAKE_DRIVER)
        message = self.assertRefused('web', '--repin')
        self.assertIn('cannot re-pin: its console output shows no', message)

    def test_no_block_is_one_line_then_ssh_checks_as_usual(self):
        self.show(consoles.FAKE_DRIVER)
        self.assertEqual(0, self.run_cmd('web'))
        self.assertFalse(os.path.lexists(self.pinned))
        self.assertNotIn('HostKeyAlias', self.options())
        self.assertNotIn('StrictHostKeyChecking', self.options())
        self.assertEqual(
            f"server 'web': no host keys to pin: its console output shows "
            f'no "{hostkeys.BEGIN}" block; ssh checks the host key with '
            'your known_hosts as usual\n', self.stderr())

    def test_require_pinned_refuses_without_keys(self):
        self.show(consoles.FAKE_DRIVER)
        message = self.assertRefused('web', '--require-pinned')
        self.assertIn('no host keys are pinned for it', message)
        self.assertIn('--require-pinned refuses', message)

    def test_console_unavailable_is_the_one_line_too(self):
        compute = self.app.client_manager.compute
        for status in (404, 409, 501, 403):
            self.app.stderr.truncate(0)
            self.app.stderr.seek(0)
            compute.get_server_console_output.side_effect = \
                fakes.http_error(status, 'no console here')
            self.assertEqual(0, self.run_cmd('web'))
            self.assertIn('its console output is unavailable: ',
                          self.stderr())
            self.assertIn('no console here', self.stderr())
            self.assertIn(f'HTTP {status}', self.stderr())
            self.assertNotIn('HostKeyAlias', self.options())
        self.call.reset_mock()
        message = self.assertRefused('web', '--require-pinned')
        self.assertIn('unavailable', message)

    def test_pinned_keys_count_when_the_console_shows_none_now(self):
        self.run_cmd('web')
        self.app.stderr.truncate(0)
        self.app.stderr.seek(0)
        self.show(consoles.FAKE_DRIVER)
        self.assertEqual(0, self.run_cmd('web', '--require-pinned'))
        self.assertPinnedCheck()
        self.app.client_manager.compute.get_server_console_output \
            .side_effect = fakes.http_error(409, 'not running')
        self.assertEqual(0, self.run_cmd('web'))
        self.assertPinnedCheck()
        self.assertEqual('', self.stderr())

    def test_a_block_of_garbage_pins_nothing(self):
        self.show(consoles.console('garbage', consoles.DSA,
                                   'ssh-rsa AAAA'))
        self.assertEqual(0, self.run_cmd('web'))
        self.assertFalse(os.path.lexists(self.pinned))
        self.assertIn('holds no usable key', self.stderr())
        self.assertIn('DSA keys are obsolete', self.stderr())
        self.assertEqual(1, self.stderr().count('\n'))
        self.call.reset_mock()
        self.assertRefused('web', '--require-pinned')

    def test_garbage_beside_good_keys_pins_the_good_ones(self):
        self.show(consoles.console('garbage', ED25519, 'ssh-rsa AAAA'))
        self.run_cmd('web')
        self.assertEqual([' '.join(ED25519.split()[:2])], self.pinned_keys())

    def test_a_damaged_pinned_file_is_refused_and_repin_replaces_it(self):
        self.run_cmd('web')
        with open(self.pinned, 'a') as f:
            f.write('garbage\n')
        self.call.reset_mock()
        message = self.assertRefused('web')
        self.assertIn(f'{self.pinned}: not a file of pinned host keys',
                      message)
        self.assertIn('line 5 is no known_hosts line', message)
        self.assertEqual(0, self.run_cmd('web', '--repin'))
        self.assertEqual(3, len(self.pinned_keys()))

    def test_an_unreadable_pinned_file_is_refused(self):
        os.makedirs(self.pinned, mode=0o700)  # a directory in its place
        self.assertIn(f'{self.pinned}: is a directory',
                      self.assertRefused('web'))
        os.rmdir(self.pinned)
        with open(self.pinned, 'wb') as f:
            f.write(b'\xff\xfe binary')
        self.assertIn('is not text', self.assertRefused('web'))

    def test_a_pinned_file_that_cannot_be_written_is_one_line(self):
        directory = os.path.dirname(self.pinned)
        os.makedirs(os.path.dirname(directory), exist_ok=True)
        with open(directory, 'w') as f:
            f.write('a file where the directory goes\n')
        message = self.assertRefused('web')
        self.assertIn(f'{directory}: cannot be created', message)

    def test_the_users_own_options_come_first_and_win(self):
        self.run_cmd('web', '-o', 'StrictHostKeyChecking=accept-new',
                     '-o', 'UserKnownHostsFile=/home/me/.ssh/known_hosts')
        options = self.options()
        self.assertEqual('accept-new', options['StrictHostKeyChecking'])
        self.assertEqual('/home/me/.ssh/known_hosts',
                         options['UserKnownHostsFile'])
        self.assertEqual(self.server.id, options['HostKeyAlias'])

    def test_nothing_secret_reaches_argv(self):
        self.run_cmd('web', '--', 'uptime')
        argv = ' '.join(self.argv())
        self.assertNotIn('secret', argv)
        with open(self.keyfile, 'rb') as f:
            for line in f.read().decode().splitlines()[1:-1]:
                self.assertNotIn(line, argv)

    def test_the_options_parse(self):
        parsed = self.parse('web', '--repin', '--require-pinned',
                            repin=True, require_pinned=True)
        self.assertEqual('web', parsed.server)
        self.parse('web', repin=False, require_pinned=False)


class PinnedOptionsTest(base.CommandTestCase):
    """pinning.py: the file and the options keypair ssh-config shares."""

    SERVER_ID = '8a3c9f5e-2d41-4b7a-9c1e-6f0d2b7e4a19'

    def test_nothing_pinned_no_options(self):
        self.assertEqual({}, pinning.pinned_options(self.SERVER_ID))
        self.assertIsNone(pinning.read_pinned(self.SERVER_ID))

    def test_pinned_options_name_the_file_and_the_alias(self):
        keys = hostkeys.from_console(consoles.EC2).keys
        self.assertIsNone(pinning.write_pinned(self.SERVER_ID, keys))
        self.assertEqual({
            'StrictHostKeyChecking': 'yes',
            'UserKnownHostsFile': record.known_hosts_path(self.SERVER_ID),
            'HostKeyAlias': self.SERVER_ID,
            'CheckHostIP': 'no',
        }, pinning.pinned_options(self.SERVER_ID))
        self.assertEqual([key.blob for key in keys],
                         [key.blob for key in
                          pinning.read_pinned(self.SERVER_ID)])

    def test_without_replace_a_pinned_file_is_never_overwritten(self):
        keys = hostkeys.from_console(consoles.EC2).keys
        pinning.write_pinned(self.SERVER_ID, keys)
        self.assertRaises(securefile.FileProblem, pinning.write_pinned,
                          self.SERVER_ID, keys[:1])
        self.assertEqual(3, len(pinning.read_pinned(self.SERVER_ID)))

    def test_a_server_id_that_is_no_file_name_is_refused(self):
        self.assertRaises(hostkeys.HostKeyProblem, pinning.pinned_options,
                          '../keys.json x')

    def test_values_quoted_and_escaped_for_ssh_config(self):
        self.assertEqual('/home/me/x', pinning.ssh_config_value('/home/me/x'))
        self.assertEqual('"/home/my files/x"',
                         pinning.ssh_config_value('/home/my files/x'))
        self.assertEqual('/home/100%%/x',
                         pinning.ssh_config_value('/home/100%/x'))
        for bad in ('/home/a"b', '/home/a\\b', '/home/a\nb'):
            self.assertRaises(securefile.FileProblem,
                              pinning.ssh_config_value, bad)


class ConsoleOutputTest(base.CommandTestCase):
    """servers.console_output: one request, its failure a reason."""

    def test_the_output_of_one_request(self):
        proxy = self.app.client_manager.compute
        proxy.get_server_console_output.return_value = {'output': 'text'}
        self.assertEqual('text', servers.console_output(proxy, 'server'))
        proxy.get_server_console_output.assert_called_once_with('server')

    def test_an_answer_without_output_is_empty(self):
        proxy = self.app.client_manager.compute
        for answer in ({}, {'output': None}, None):
            proxy.get_server_console_output.return_value = answer
            self.assertEqual('', servers.console_output(proxy, 'server'))

    def test_an_http_error_is_unavailable_by_type(self):
        proxy = self.app.client_manager.compute
        proxy.get_server_console_output.side_effect = fakes.http_error(
            501, 'Not implemented')
        error = self.assertRaises(servers.ConsoleUnavailable,
                                  servers.console_output, proxy, 'server')
        self.assertIn('HTTP 501', str(error))
        self.assertIsInstance(error.__cause__, sdk_exceptions.HttpException)
