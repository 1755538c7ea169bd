"""keypair rotate on a real Nova, with a real sshd on each server's address.

Three servers boot with key pair A. Each has a guest sshd of its own on its
own address (all on one port, which ``--port`` names), whose login user's
home is a directory of its own: sshd reads ``~/.ssh/authorized_keys``
there and the session's ``HOME`` is it, so the file ``keypair rotate``
edits over ssh is the one sshd checks. It holds what cloud-init writes
(A's key, from the metadata API) between other lines of the user's: a
comment and a key with options, which must stay byte for byte. Each
server's console shows its sshd's host key, which rotate pins as
``keypair ssh`` does, so every login checks the host key strictly.

Elsewhere (``OS_CLOUD``) the guests cannot be played, and these tests are
skipped, saying so.
"""

from __future__ import annotations

import os
import re
import stat

from keypairs_osc import keys
from tests.functional_compute.base import ComputeTestCase

SERVERS = 3
#: Logins of one rotation: old key twice (read, add), new key three times
#: (read, remove, read).
OLD_LOGINS, NEW_LOGINS = 2, 3


def _fingerprint(public_line: str) -> str:
    return keys.describe_stored(public_line).fingerprint_sha256


class RotateTest(ComputeTestCase):

    def setUp(self):
        super().setUp()
        self.old, self.new = self.unique_name('rota'), self.unique_name('rotb')
        self.old_key, self.new_key = self.path('a'), self.path('b')
        self.openstack('keypair', 'create', self.old, '--private-key',
                       self.old_key)
        self.servers = [self.boot(self.old) for _ in range(SERVERS)]
        self.guests, port = [], None
        other = keys.public_key_of(keys.generate('ed25519'), 'backup@ops')
        self.head = b'# ops: keep the backup key\n'
        self.tail = (b'from="127.0.0.0/8",no-pty ' + other.openssh.encode()
                     + b'\n\n')
        for server in self.servers:
            guest = self.guest(server, home=True, port=port)
            port = guest.port
            cloud_init = self.authorized_keys_from_metadata(server)
            with open(guest.authorized_keys, 'wb') as f:
                f.write(self.head + cloud_init[0].strip().encode() + b'\n'
                        + self.tail)
            with open(guest.host_key + '.pub') as f:
                host_key = f.read().strip()
            self.write_console(server, '\r\n'.join([
                '-----BEGIN SSH HOST KEY KEYS-----', host_key,
                '-----END SSH HOST KEY KEYS-----', 'guest login: ']))
            self.guests.append(guest)
        self.port = port

    # -- helpers -------------------------------------------------------------

    def rotate(self, *extra: str, expect: int = 0):
        return self.openstack(
            'keypair', 'rotate', self.old, self.new, '--private',
            '--port', str(self.port), '--login', self.guests[0].user,
            '-f', 'json', *extra, expect=expect)

    def rows(self, result) -> dict:
        return {row['Server']: row for row in result.json()}

    def results(self, result) -> dict:
        return {name: row['Result'] for name, row in self.rows(result).items()}

    def ref(self, server) -> str:
        return f'{server.name} ({server.id})'

    def file_of(self, guest) -> bytes:
        with open(guest.authorized_keys, 'rb') as f:
            return f.read()

    def accepted(self, guest, public_line: str) -> int:
        """How many logins the guest's sshd let in with this key."""
        fingerprint = re.escape(_fingerprint(public_line))
        with open(guest.log, errors='replace') as f:
            return len(re.findall(f'Accepted publickey .*{fingerprint}',
                                  f.read()))

    def keypair_ssh(self, server, expect: int = 0):
        """``keypair ssh`` with nothing but the server, port and login."""
        return self.openstack(
            'keypair', 'ssh', server.id, '--private', '--port',
            str(self.port), '--login', self.guests[0].user, '--option',
            'BatchMode=yes', '--', 'echo', 'ok', expect=expect)

    def assertRotated(self, server, guest, before: bytes) -> None:
        old_line = self.nova_keypair(self.old).public_key
        new_line = self.nova_keypair(self.new).public_key
        self.assertEqual(OLD_LOGINS, self.accepted(guest, old_line))
        self.assertEqual(NEW_LOGINS, self.accepted(guest, new_line))
        refused = guest.ssh(self.old_key, 'echo ok')
        self.assertEqual(255, refused.returncode)
        self.assertIn('Permission denied', refused.stderr)
        self.assertEqual('ok', guest.ssh(self.new_key,
                                         'echo ok').stdout.strip())
        self.assertEqual('ok', self.keypair_ssh(server).stdout.strip())
        after = self.file_of(guest)
        lines = after.splitlines(keepends=True)
        # Every other line byte for byte; A's line gone; B's appended.
        self.assertEqual(self.head + self.tail, b''.join(lines[:-1]))
        self.assertEqual(keys.describe_stored(new_line).blob,
                         keys.line_blob(lines[-1].decode()))
        self.assertNotEqual(before, after)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(
            guest.authorized_keys).st_mode))
        self.assertEqual(os.getuid(), os.stat(guest.authorized_keys).st_uid)
        self.assertEqual(['authorized_keys'], os.listdir(os.path.dirname(
            guest.authorized_keys)))

    # -- the proof -----------------------------------------------------------

    def test_dry_run_then_all_three_rotate(self):
        before = [self.file_of(g) for g in self.guests]
        dry = self.rotate('--private-key', self.new_key, '--dry-run')
        self.assertEqual({self.ref(s): 'would rotate' for s in self.servers},
                         self.results(dry))
        self.assertIsNone(self.nova_keypair(self.new))
        self.assertFalse(os.path.lexists(self.new_key))
        self.assertEqual(before, [self.file_of(g) for g in self.guests])
        self.assertFalse(os.path.lexists(os.path.join(
            os.path.dirname(self.record), 'known_hosts')))
        for guest in self.guests:
            self.assertNotIn('Accepted publickey', guest.log_tail())

        result = self.rotate('--private-key', self.new_key)
        self.assertEqual({self.ref(s): 'rotated' for s in self.servers},
                         self.results(result))
        self.assertPrivateFile(self.new_key)
        for server, guest, was in zip(self.servers, self.guests, before,
                                      strict=True):
            self.assertRotated(server, guest, was)
        old = self.openstack('keypair', 'show', self.old, '-f',
                             'json').json()
        new = self.openstack('keypair', 'show', self.new, '-f',
                             'json').json()
        refs = sorted(self.servers, key=lambda s: (s.name, s.id))
        self.assertEqual(sorted(self.ref(s) for s in self.servers),
                         sorted(old['servers']))  # Nova's key_name stays
        self.assertEqual([f'{self.ref(s)} to {self.new}' for s in refs],
                         old['rotated'])
        self.assertEqual([f'{self.ref(s)} from {self.old}' for s in refs],
                         new['rotated'])

    def test_a_stopped_sshd_keeps_the_old_key_and_the_key_pair(self):
        down, down_guest = self.servers[-1], self.guests[-1]
        before = [self.file_of(g) for g in self.guests]
        down_guest.halt()
        result = self.rotate('--private-key', self.new_key, '--delete-old',
                             expect=1)
        rows = self.rows(result)
        self.assertEqual('failed', rows[self.ref(down)]['Result'])
        self.assertIn(f"cannot log in with '{self.old}'",
                      rows[self.ref(down)]['Reason'])
        self.assertIn(f"it keeps '{self.old}'",
                      rows[self.ref(down)]['Reason'])
        for server in self.servers[:-1]:
            self.assertEqual('rotated', rows[self.ref(server)]['Result'])
        self.assertIn('1 of 3 servers not rotated', result.stderr)
        self.assertIn(f'kept, since servers still use it: {self.ref(down)}',
                      result.stderr)
        self.assertIsNotNone(self.nova_keypair(self.old))
        for server, guest, was in zip(self.servers[:-1], self.guests[:-1],
                                      before[:-1], strict=True):
            self.assertRotated(server, guest, was)
        down_guest.launch()
        self.assertEqual(before[-1], self.file_of(down_guest))
        self.assertEqual('ok', down_guest.ssh(self.old_key,
                                              'echo ok').stdout.strip())
        self.assertEqual('ok', self.keypair_ssh(down).stdout.strip())

        # Once it is back, a rerun moves it alone and deletes A.
        again = self.rotate('--existing', '--delete-old')
        self.assertEqual({self.ref(down): 'rotated'},
                         self.results(again))
        self.assertIn(f"Deleted key pair '{self.old}'", again.stderr)
        self.assertIsNone(self.nova_keypair(self.old))
        self.assertEqual('ok', self.keypair_ssh(down).stdout.strip())
