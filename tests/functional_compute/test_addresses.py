"""keypair ssh finds a server by the address Nova reports for it.

On the devcloud's compute tier servers boot on a Neutron network whose
subnet lies in 127.0.0.0/8, ports bound without agents: every address Nova
hands out is local to this machine. Each test's guest sshd listens on its
server's own address and nowhere else, so a login proves which address
``keypair ssh`` chose, with no ``--address``. A server booted with ``--nic
none`` has no address at all, and still logs in with ``--address``. The
console output a test writes for a server is what ``console log show``
prints, as the guest's boot messages would be.

Elsewhere (``OS_CLOUD``) the guest sshd and the console cannot be played,
and these tests are skipped, saying so.
"""

from __future__ import annotations

import ipaddress

from tests.functional_compute.base import ComputeTestCase


class ServerAddressTest(ComputeTestCase):

    def setUp(self):
        super().setUp()
        self.name = self.unique_name('addr')
        self.openstack('keypair', 'create', self.name, '--private-key',
                       self.path('id'))

    def assertOneLineFailure(self, result, *fragments: str) -> None:
        self.assertCleanFailure(result, *fragments)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertEqual(1, len(lines), result.stderr)

    def test_server_on_the_network_gets_an_address_of_its_subnet(self):
        server = self.boot(self.name)
        if not self.info.get('subnet_range'):
            self.skipTest("the devcloud compute tier's subnet is not known "
                          'on this cloud')
        address = ipaddress.ip_address(self.fixed_address(server))
        self.assertIn(address, ipaddress.ip_network(self.info['subnet_range']))
        self.assertTrue(address.is_loopback, address)

    def test_private_logs_in_at_the_servers_own_address(self):
        server = self.boot(self.name)
        guest = self.guest(server)
        result = self.ssh_to(server, guest, '--private',
                             '--option', 'LogLevel=DEBUG1')
        self.assertEqual('ok', result.stdout.strip())
        # ssh went to the server's address, and the sshd listening only
        # there took the connection.
        self.assertIn(f'Connecting to {guest.address} ', result.stderr)
        self.assertIn(f' on {guest.address} port {guest.port}',
                      guest.log_tail())

    def test_ipv4_only_and_the_network_by_name_log_in(self):
        server = self.boot(self.name)
        guest = self.guest(server)
        for extra in (['--private', '-4'],
                      ['--address-type', self.info['network']]):
            with self.subTest(extra=extra):
                result = self.ssh_to(server, guest, *extra)
                self.assertEqual('ok', result.stdout.strip())

    def test_ipv6_only_finds_no_address_on_an_ipv4_network(self):
        server = self.boot(self.name)
        guest = self.guest(server)
        result = self.ssh_to(server, guest, '--private', '-6', expect=1)
        self.assertOneLineFailure(result, 'no private IPv6 address found')

    def test_fixed_address_only_has_no_public_address(self):
        # "public" is a network of that name or a floating IP: a server
        # with only a fixed address has none, by default or asked for.
        server = self.boot(self.name)
        guest = self.guest(server)
        for extra in ([], ['--public']):
            with self.subTest(extra=extra):
                result = self.ssh_to(server, guest, *extra, expect=1)
                self.assertOneLineFailure(
                    result, 'no public IPv4/6 address found',
                    '--private')

    def test_server_without_a_network_logs_in_with_address_only(self):
        server = self.boot(self.name, network=False)
        self.assertEqual({}, server.addresses)
        self.server_host.authorize(self.authorized_keys_from_metadata(server))
        self.assertEqual('ok', self.ssh_in(server).stdout.strip())
        result = self.openstack('keypair', 'ssh', server.id, '--private',
                                '--', 'true', expect=1)
        self.assertOneLineFailure(result, 'no private IPv4/6 address found')


class ConsoleOutputTest(ComputeTestCase):

    def test_console_shows_what_the_guest_printed(self):
        name = self.unique_name('console')
        self.openstack('keypair', 'create', name, '--private-key',
                       self.path('id'))
        server = self.boot(name, network=False)
        text = ('cloud-init: 256 SHA256:x root@guest (ED25519)\n'
                '-----BEGIN SSH HOST KEY KEYS-----\n'
                'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample root@guest\n'
                '-----END SSH HOST KEY KEYS-----\n')
        self.write_console(server, text)
        shown = self.openstack('console', 'log', 'show', server.id)
        self.assertEqual(text, shown.stdout)
        last = self.openstack('console', 'log', 'show', '--lines', '2',
                              server.id)
        # Nova's tail counts the empty string after the last newline.
        self.assertEqual('-----END SSH HOST KEY KEYS-----\n', last.stdout)
