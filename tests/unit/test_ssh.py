"""keypair ssh, with a spec'd SDK standing in for the cloud."""

from __future__ import annotations

import io
import os
from unittest import mock

from openstack.compute.v2 import server as sdk_server
from openstack import exceptions as sdk_exceptions
from openstack.test import fakes as sdk_fakes
from osc_lib import exceptions

from keypairs_osc import keys
from keypairs_osc import record
from keypairs_osc.v1 import ssh
from tests.unit import base
from tests.unit import consoles
from tests.unit import fakes

CLOUD = 'http://nova.example/v2.1'


class SshCase(base.CommandTestCase):
    """keypair ssh with a server, its key pair and a recorded key.

    The console is the fake driver's, with no host keys: ssh's own
    known_hosts decides, as before host keys were pinned.
    """

    command_class = ssh.SshKeypair

    def setUp(self):
        super().setUp()
        self.key = keys.generate('ed25519')
        self.keyfile = self.write('id', keys.serialize_private_key(
            self.key, 'openssh', b'secret'))
        public = keys.public_key_of(self.key)
        self.api_get.return_value = fakes.keypair('k', public.openssh)
        record.remember(CLOUD, 'me-id', 'k', self.keyfile,
                        public.fingerprint_sha256)
        self.server = sdk_fakes.generate_fake_resource(
            sdk_server.Server, name='web', key_name='k', user_id='me-id',
            image={'id': 'img'},
            addresses={'net': [{'addr': '10.0.0.5', 'version': 4,
                                'OS-EXT-IPS:type': 'fixed'},
                               {'addr': '203.0.113.7', 'version': 4,
                                'OS-EXT-IPS:type': 'floating'}]})
        compute = self.app.client_manager.compute
        compute.find_server.return_value = self.server
        compute.get_server_console_output.return_value = {
            'output': consoles.FAKE_DRIVER}
        image = mock.Mock(properties={'os_distro': 'ubuntu'},
                          spec=['properties'])
        self.app.client_manager.sdk_connection.image.get_image.return_value \
            = image
        patcher = mock.patch('subprocess.call', return_value=0)
        self.call = patcher.start()
        self.addCleanup(patcher.stop)

    def argv(self):
        return self.call.call_args.args[0]


class SshTest(SshCase):

    def test_recorded_key_image_login_and_public_address(self):
        self.assertEqual(0, self.run_cmd('web', '--', 'echo', 'ok'))
        argv = self.argv()
        self.assertEqual(['-i', self.keyfile], argv[1:3])
        self.assertEqual(['-l', 'ubuntu'], argv[5:7])
        self.assertEqual(['203.0.113.7', 'echo', 'ok'], argv[7:])
        self.assertNotIn('secret', ' '.join(argv))

    def test_options_after_the_server_and_ssh_arguments_after_dashes(self):
        self.run_cmd('web', '--login', 'me', '--', '-v', 'uptime')
        argv = self.argv()
        self.assertEqual('me', argv[argv.index('-l') + 1])
        self.assertEqual(['-v', 'uptime'], argv[-2:])

    def test_core_options_o_and_v_go_to_ssh_before_the_address(self):
        self.run_cmd('web', '-o', 'ConnectTimeout=5', '--option',
                     'ServerAliveInterval=9', '-v', '--', 'uptime')
        argv = self.argv()
        at = argv.index('203.0.113.7')
        self.assertEqual(['-o', 'ConnectTimeout=5', '-o',
                          'ServerAliveInterval=9', '-v'], argv[at - 5:at])
        self.assertEqual(['uptime'], argv[at + 1:])

    def test_port_is_a_port_number_before_ssh_runs(self):
        for port in ('0', '65536', '-1', 'x'):
            with self.subTest(port=port), \
                    mock.patch('sys.stderr', io.StringIO()) as said:
                self.assertRaises(base.osc_base.ParserException,
                                  self.parse, 'web', '--port', port)
            self.assertIn('argument --port/-p: ', said.getvalue())
        self.call.assert_not_called()
        self.run_cmd('web', '-p', '2222')
        self.assertEqual(['-p', '2222'], self.argv()[7:9])

    def test_short_options_i_l_and_p_as_ssh_has_them(self):
        other = self.write('copy', keys.serialize_private_key(self.key))
        self.run_cmd('web', '-i', other, '-l', 'me', '-p', '2222')
        self.assertEqual(['-i', other, '-o', 'IdentitiesOnly=yes',
                          '-l', 'me', '-p', '2222', '203.0.113.7'],
                         self.argv()[1:])

    def test_ssh_arguments_before_dashes_are_kept_too(self):
        self.run_cmd('web', 'uptime')
        self.assertEqual(['203.0.113.7', 'uptime'], self.argv()[-2:])
        self.run_cmd('web', 'echo', '--', 'ok')
        self.assertEqual(['203.0.113.7', 'echo', 'ok'], self.argv()[-3:])

    def test_an_identity_from_a_pipe_is_refused_before_ssh_runs(self):
        reader, writer = os.pipe()
        self.addCleanup(os.close, reader)
        os.close(writer)
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'web', '--identity',
                                  f'/proc/self/fd/{reader}')
        self.assertIn('regular file', str(error))
        self.call.assert_not_called()

    def test_4_and_6_pick_the_address_family(self):
        self.server.addresses = {'net': [
            {'addr': '2001:db8::5', 'version': 6,
             'OS-EXT-IPS:type': 'floating'},
            {'addr': '203.0.113.7', 'version': 4,
             'OS-EXT-IPS:type': 'floating'}]}
        self.run_cmd('web', '-4')
        self.assertIn('203.0.113.7', self.argv())
        self.run_cmd('web', '-6')
        self.assertIn('2001:db8::5', self.argv())

    def test_private_key_is_another_name_for_identity(self):
        other = self.write('copy', keys.serialize_private_key(self.key))
        self.run_cmd('web', '--private-key', other)
        self.assertEqual(['-i', other], self.argv()[1:3])

    def test_a_missing_server_is_one_line_without_http_noise(self):
        self.app.client_manager.compute.find_server.side_effect = (
            sdk_exceptions.NotFoundException('No Server found for nosuch'))
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  'nosuch')
        self.assertEqual("server 'nosuch': No Server found for nosuch",
                         str(error))

    def test_private_address_port_and_login(self):
        self.run_cmd('web', '--private', '--port', '2222', '--login', 'me')
        argv = self.argv()
        self.assertIn('10.0.0.5', argv)
        self.assertEqual(['-p', '2222'], argv[argv.index('-p'):][:2])
        self.assertEqual('me', argv[argv.index('-l') + 1])

    def test_exit_code_of_ssh_is_ours(self):
        self.call.return_value = 255
        self.assertEqual(255, self.run_cmd('web', '--address', '192.0.2.1'))

    def test_wrong_identity_is_refused_naming_both_fingerprints(self):
        other = self.write('other', keys.serialize_private_key(
            keys.generate('ed25519')))
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'web', '--identity', other)
        self.assertEqual(2, str(err).count('SHA256:'))
        self.call.assert_not_called()

    def test_deleted_key_pair_falls_back_to_the_record(self):
        self.api_get.side_effect = fakes.http_error(404, 'gone')
        self.assertEqual(0, self.run_cmd('web'))
        self.assertEqual(['-i', self.keyfile], self.argv()[1:3])
        # The record still knows the key: another one is refused.
        other = self.write('other', keys.serialize_private_key(
            keys.generate('ed25519')))
        err = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                'web', '--identity', other)
        self.assertIn('is not the private key', str(err))
        self.call.assert_called_once()

    def test_no_recorded_key(self):
        os.unlink(self.record)
        err = self.assertRaises(exceptions.CommandError, self.run_cmd, 'web')
        self.assertIn('--identity', str(err))

    def test_unknown_login(self):
        image = mock.Mock(properties={}, spec=['properties'])
        self.app.client_manager.sdk_connection.image.get_image.return_value \
            = image
        err = self.assertRaises(exceptions.CommandError, self.run_cmd, 'web')
        self.assertIn('--login', str(err))

    def test_os_admin_user_wins(self):
        image = mock.Mock(properties={'os_admin_user': 'admin',
                                      'os_distro': 'ubuntu'},
                          spec=['properties'])
        self.app.client_manager.sdk_connection.image.get_image.return_value \
            = image
        self.run_cmd('web')
        self.assertEqual('admin', self.argv()[self.argv().index('-l') + 1])

    def test_server_without_addresses_needs_address(self):
        self.server.addresses = {}
        err = self.assertRaises(exceptions.CommandError, self.run_cmd, 'web')
        self.assertIn('--address', str(err))


class PublicBlobTest(base.CommandTestCase):

    def test_encrypted_openssh_key_reveals_its_public_half(self):
        key = keys.generate('ecdsa')
        data = keys.serialize_private_key(key, 'openssh', b'pw')
        self.assertEqual(keys.public_key_of(key).blob,
                         keys.public_blob_of_private_key(data))

    def test_encrypted_pkcs8_does_not(self):
        data = keys.serialize_private_key(keys.generate('ecdsa'), 'pkcs8',
                                          b'pw')
        self.assertIsNone(keys.public_blob_of_private_key(data))
