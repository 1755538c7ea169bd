"""keypair ssh-config: plain ssh logs in to every server it wrote.

On the devcloud's compute tier each server has a 127.x address, and its
guest sshd (``guest``) listens there and nowhere else. ``keypair
ssh-config --file F`` writes a Host per server, and the system's ``ssh -F
F <host>`` logs in with nothing else on its command line but the guest's
port where it is not the one written: the address, login, key and host
key checking all come from the block. ``ssh -G`` shows what ssh read. A
rerun after a server is deleted drops its Host; the lines around the block
stay as they were, byte for byte.

A server's host keys are pinned as a user pins them: its console shows its
guest's host key (``write_console``, as cloud-init prints it) and ``keypair
ssh`` logs in once, keeping the key in the plugin's known_hosts file for
the server; ssh-config then points ssh at that file, strictly. Elsewhere
(``OS_CLOUD``) no guest sshd or console can be played, and the tests are
skipped, saying so.
"""

from __future__ import annotations

import os
import subprocess

from keypairs_osc import sshconfig
from tests.functional import base
from tests.functional_compute.base import ComputeTestCase

#: What the user's file holds before and around the block: a comment, an
#: Include of nothing, a Match block, a Host * with defaults, and a last
#: line without a line end.
USER_TEXT = ('# my own settings, keep them\n'
             'Include /nonexistent/keypairs-osc-test/*.conf\n'
             'Match host *.example.invalid\n'
             '  User nobody\n'
             'Host *\n'
             '  StrictHostKeyChecking accept-new\n'
             '  ServerAliveInterval 30')


class SshConfigLoginTest(ComputeTestCase):

    def setUp(self):
        super().setUp()
        self.name = self.unique_name('sshcfg')
        self.key = self.path('id')
        self.openstack('keypair', 'create', self.name, '--private-key',
                       self.key)
        self.config = self.path('ssh config')  # a space in the path too
        with open(self.config, 'w') as f:
            f.write(USER_TEXT)
        os.chmod(self.config, 0o640)

    def known_hosts_of(self, server_id: str) -> str:
        return os.path.join(os.path.dirname(self.record), 'known_hosts',
                            server_id)

    def pin(self, server, guest, shown_key_file: str | None = None,
            expect: int = 0) -> str:
        """Show a host key on the server's console; keypair ssh pins it.

        The key shown is the guest's own unless ``shown_key_file`` names
        another (then ssh refuses the guest's, ``expect`` 255).
        """
        with open(shown_key_file or guest.host_key + '.pub') as f:
            key = f.read().strip()
        self.write_console(server, '\r\n'.join([
            '[   25.5] cloud-init[1050]: modules:final',
            '-----BEGIN SSH HOST KEY KEYS-----', key,
            '-----END SSH HOST KEY KEYS-----', 'guest login: ']))
        self.openstack('keypair', 'ssh', server.id, '--private', '--port',
                       str(guest.port), '--login', guest.user,
                       '--option', 'BatchMode=yes', '--', 'true',
                       expect=expect)
        path = self.known_hosts_of(server.id)
        self.assertTrue(os.path.isfile(path), path)
        return path

    def ssh_config(self, *extra: str) -> dict[str, dict]:
        """Run keypair ssh-config --file; its rows by server ID."""
        rows = self.openstack('keypair', 'ssh-config', '--file',
                              self.config, '--private', *extra,
                              '-f', 'json').json()
        return {row['Server ID']: row for row in rows}

    def ssh(self, host: str, *options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ['ssh', '-F', self.config, '-o', 'BatchMode=yes',
             '-o', 'IdentityAgent=none', '-o', 'ConnectTimeout=10',
             *options, host, 'echo', 'ok'],
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
            timeout=60, check=False)

    def effective(self, host: str) -> dict[str, str]:
        out = subprocess.run(['ssh', '-G', '-F', self.config, host],
                             capture_output=True, text=True, check=True,
                             stdin=subprocess.DEVNULL, timeout=30).stdout
        values: dict[str, str] = {}
        for line in out.splitlines():
            key, _, value = line.partition(' ')
            values.setdefault(key, value)
        return values

    def outside_block(self) -> str:
        with open(self.config) as f:
            text = f.read()
        return text.replace(self.block(), '')

    def block(self) -> str:
        with open(self.config) as f:
            text = f.read()
        begin = text.index(sshconfig.BEGIN)
        end = text.index('\n', text.index(sshconfig.END)) + 1
        return text[begin:end]

    def test_ssh_logs_in_to_two_servers_and_a_rerun_drops_a_deleted_one(
            self):
        first, second = self.boot(self.name), self.boot(self.name)
        one, two = self.guest(first), self.guest(second)
        pinned = self.pin(first, one)
        rows = self.ssh_config('--login', one.user, '--port', str(one.port))
        self.assertEqual({first.id, second.id}, set(rows))
        host_one, host_two = rows[first.id]['Host'], rows[second.id]['Host']
        self.assertTrue(rows[first.id]['Pinned Host Keys'])
        self.assertFalse(rows[second.id]['Pinned Host Keys'])
        self.assertEqual(USER_TEXT, self.outside_block())
        self.assertEqual(0o640, os.stat(self.config).st_mode & 0o777)

        # What ssh reads for each host, without connecting.
        got = self.effective(host_one)
        self.assertEqual(one.address, got['hostname'])
        self.assertEqual(self.fixed_address(first), got['hostname'])
        self.assertEqual(one.user, got['user'])
        self.assertEqual(str(one.port), got['port'])
        self.assertEqual(self.key, got['identityfile'])
        self.assertEqual('yes', got['identitiesonly'])
        self.assertEqual(pinned, got['userknownhostsfile'])
        self.assertEqual(first.id, got['hostkeyalias'])
        # Pinned: strict, though the user's Host * says accept-new.
        self.assertEqual('true', got['stricthostkeychecking'])
        got = self.effective(host_two)
        self.assertEqual(two.address, got['hostname'])
        self.assertNotIn('hostkeyalias', got)

        # Plain ssh logs in: the pinned server with strict checking and
        # nothing on the command line; the other on its own guest's port,
        # its unknown host key accepted as the user's Host * says.
        result = self.ssh(host_one)
        self.assertEqual('ok', result.stdout.strip(), result.stderr)
        self.assertIn(f' on {one.address} port {one.port}', one.log_tail())
        result = self.ssh(host_two, '-p', str(two.port),
                          '-o', f'UserKnownHostsFile={self.path("kh")}')
        self.assertEqual('ok', result.stdout.strip(), result.stderr)
        self.assertIn(f' on {two.address} port {two.port}', two.log_tail())

        # A pinned key that is not the guest's: ssh refuses, strictly.
        self.pin(second, two, one.host_key + '.pub', expect=255)
        rows = self.ssh_config('--login', one.user, '--port', str(one.port))
        self.assertTrue(rows[second.id]['Pinned Host Keys'])
        result = self.ssh(host_two, '-p', str(two.port))
        self.assertEqual(255, result.returncode, result.stdout)
        self.assertIn('Host key verification failed', result.stderr)

        # A rerun after deleting a server drops its Host, and only it.
        conn = base.connection(self.cloud)
        conn.compute.delete_server(second)
        conn.compute.wait_for_delete(second, wait=120, interval=1)
        rows = self.ssh_config('--login', one.user, '--port', str(one.port))
        self.assertEqual([first.id], list(rows))
        self.assertNotIn(f'Host {host_two}\n', self.block())
        self.assertEqual(USER_TEXT, self.outside_block())
        self.assertEqual('ok', self.ssh(host_one).stdout.strip())

        # --remove gives back the file exactly as it was.
        self.openstack('keypair', 'ssh-config', '--file', self.config,
                       '--remove')
        with open(self.config) as f:
            self.assertEqual(USER_TEXT, f.read())

    def test_an_included_file_and_dry_run(self):
        server = self.boot(self.name)
        guest = self.guest(server)
        included = self.path('openstack.conf')
        with open(self.config, 'w') as f:
            f.write(f'Include "{included}"\n' + USER_TEXT)
        printed = self.openstack('keypair', 'ssh-config', '--file',
                                 included, '--private', '--login',
                                 guest.user, '--dry-run').stdout
        self.assertTrue(printed.startswith(sshconfig.BEGIN), printed)
        self.assertFalse(os.path.exists(included))
        rows = self.openstack('keypair', 'ssh-config', '--file', included,
                              '--private', '--login', guest.user, '-f',
                              'json').json()
        self.assertEqual(0o600, os.stat(included).st_mode & 0o777)
        with open(included) as f:
            self.assertEqual(printed, f.read())
        self.pin(server, guest)
        self.openstack('keypair', 'ssh-config', '--file', included,
                       '--private', '--login', guest.user)
        host = rows[0]['Host']
        result = self.ssh(host, '-p', str(guest.port))
        self.assertEqual('ok', result.stdout.strip(), result.stderr)
        self.assertEqual(server.id, self.effective(host)['hostkeyalias'])
