"""keypair ssh pins the host keys a server's console shows, on a real Nova.

The test plays the guest twice over: its sshd listens on the server's own
address (``guest``) with a host key of its own, and the console output
Nova serves for the server (``write_console``) prints that key as
cloud-init's ``write-ssh-key-fingerprints`` does, fingerprints tagged
``ec2:`` and the keys between ``-----BEGIN SSH HOST KEY KEYS-----`` and
``-----END SSH HOST KEY KEYS-----``, lines ending in ``\\r\\n`` (which Nova
serves without the ``\\r``). The real ``ssh`` then checks the host
strictly against the file ``keypair ssh`` pinned: logins pass only where
the console, the pinned file and the key at the address agree. The
servers' only address is a fixed one, on a network not named ``public``:
the logins ask for ``--private``.

Elsewhere (``OS_CLOUD``) the guest and its console cannot be played, and
these tests are skipped, saying so.
"""

from __future__ import annotations

import os
import stat

from tests.functional_compute.base import ComputeTestCase

BEGIN = '-----BEGIN SSH HOST KEY KEYS-----'
END = '-----END SSH HOST KEY KEYS-----'
RULE = 'ec2: ' + '#' * 61


class PinnedHostKeysTest(ComputeTestCase):

    def setUp(self):
        super().setUp()
        self.name = self.unique_name('pin')
        self.openstack('keypair', 'create', self.name, '--private-key',
                       self.path('id'))
        self.server = self.boot(self.name)

    # -- the guest's part ----------------------------------------------------

    def host_key(self, guest) -> str:
        """The guest sshd's public host key line."""
        with open(guest.host_key + '.pub') as f:
            return f.read().strip()

    def fingerprint(self, public_key_file: str) -> str:
        """The SHA256 fingerprint, as ``ssh-keygen -l`` prints it."""
        return self.ssh_keygen('-l', '-f', public_key_file).split()[1]

    def other_key(self, name: str) -> str:
        """A host key no sshd here has: its public key file."""
        path = self.path(name)
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-C', 'root@other',
                        '-f', path)
        return path + '.pub'

    def console_with(self, *public_key_files: str) -> str:
        """A first boot's console, as cloud-init prints the host keys."""
        fingerprints, keys = [], []
        for path in public_key_files:
            fingerprints.append(self.ssh_keygen('-l', '-f', path).strip())
            with open(path) as f:
                keys.append(f.read().strip())
        lines = [
            '[   25.514201] cloud-init[1050]: Cloud-init v. 24.3.1 running '
            "'modules:final'",
            'ec2: ', RULE, 'ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----',
            *(f'ec2: {line}' for line in fingerprints),
            'ec2: -----END SSH HOST KEY FINGERPRINTS-----', RULE,
            BEGIN, *keys, END,
            '[   25.902117] cloud-init[1050]: Cloud-init v. 24.3.1 finished',
            '', 'guest login: ']
        return '\r\n'.join(lines)

    def show_keys_of(self, guest) -> str:
        """The console prints the guest sshd's host key; its fingerprint."""
        self.write_console(self.server,
                           self.console_with(guest.host_key + '.pub'))
        return self.fingerprint(guest.host_key + '.pub')

    # -- the user's part -----------------------------------------------------

    def pinned_file(self) -> str:
        return os.path.join(os.path.dirname(self.record), 'known_hosts',
                            self.server.id)

    def login(self, guest, *extra: str, expect: int = 0):
        """``keypair ssh`` to the guest, ssh's host key check left alone."""
        return self.openstack(
            'keypair', 'ssh', self.server.id, '--private',
            '--port', str(guest.port), '--login', guest.user, *extra,
            '--option', 'BatchMode=yes',
            '--option', 'ConnectTimeout=20', '--', 'echo', 'ok',
            expect=expect)

    def assertOneLine(self, result, *fragments: str) -> None:
        self.assertCleanFailure(result, *fragments)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertEqual(1, len(lines), result.stderr)

    def assertRefusedByTheStrictCheck(self, result) -> None:
        """ssh refused a key other than the one pinned under the ID.

        Not the refusal of an unknown host (which plain ssh in batch mode
        would give too): the pinned file names the server's ID with
        another key.
        """
        self.assertIn(f'Host key for {self.server.id} has changed and you '
                      'have requested strict checking', result.stderr)
        self.assertIn('Host key verification failed', result.stderr)

    def assertNoLogin(self, guest) -> None:
        self.assertNotIn('Accepted publickey', guest.log_tail())

    # -- the proof -----------------------------------------------------------

    def test_console_host_key_is_pinned_and_ssh_checks_it_strictly(self):
        guest = self.guest(self.server)
        fingerprint = self.show_keys_of(guest)
        first = self.login(guest, '--option', 'LogLevel=DEBUG1')
        self.assertEqual('ok', first.stdout.strip())
        self.assertIn("pinned its host keys from its console output: "
                      f'{fingerprint} (ED25519)', first.stderr)
        pinned = self.pinned_file()
        self.assertPrivateFile(pinned)
        self.assertEqual(0o700, stat.S_IMODE(os.stat(
            os.path.dirname(pinned)).st_mode))
        # ssh found the key under the server's ID in the pinned file.
        self.assertIn(f"Host '{self.server.id}' is known and matches the "
                      'ED25519 host key', first.stderr)
        self.assertIn(f'Found key in {pinned}:', first.stderr)
        self.assertEqual(fingerprint, self.fingerprint(pinned))
        again = self.login(guest)
        self.assertEqual('ok', again.stdout.strip())
        self.assertNotIn('pinned', again.stderr)

    def test_other_keys_on_the_console_are_refused_naming_both(self):
        guest = self.guest(self.server)
        pinned = self.show_keys_of(guest)
        self.login(guest)
        other_file = self.other_key('other')
        other = self.fingerprint(other_file)
        self.write_console(self.server, self.console_with(other_file))
        result = self.login(guest, expect=1)
        self.assertOneLine(result, 'its console shows host keys', other,
                           pinned, '--repin')
        self.assertEqual(pinned, self.fingerprint(self.pinned_file()))

    def test_repin_after_a_rebuild_logs_in_to_the_new_host_key(self):
        old = self.guest(self.server)
        self.show_keys_of(old)
        self.login(old)
        # A rebuild: a new sshd with a new host key on the same address,
        # and the console shows the new key.
        old.stop()
        new = self.guest(self.server)
        fingerprint = self.show_keys_of(new)
        self.assertOneLine(self.login(new, expect=1), '--repin')
        result = self.login(new, '--repin')
        self.assertEqual('ok', result.stdout.strip())
        self.assertIn(fingerprint, result.stderr)
        self.assertEqual(fingerprint, self.fingerprint(self.pinned_file()))
        self.assertEqual('ok', self.login(new).stdout.strip())

    def test_another_host_key_at_the_address_is_refused_by_ssh(self):
        guest = self.guest(self.server)
        self.show_keys_of(guest)
        self.login(guest)
        # Another sshd answers on the server's address; the console still
        # shows the pinned key.
        impostor = self.guest(self.server)
        result = self.login(impostor, expect=255)
        self.assertRefusedByTheStrictCheck(result)
        self.assertNoLogin(impostor)

    def test_first_contact_with_a_key_not_on_the_console_is_refused(self):
        guest = self.guest(self.server)
        self.write_console(self.server,
                           self.console_with(self.other_key('other')))
        result = self.login(guest, expect=255)
        self.assertRefusedByTheStrictCheck(result)
        self.assertNoLogin(guest)

    def test_no_block_is_one_line_and_require_pinned_refuses(self):
        guest = self.guest(self.server)
        self.write_console(self.server, '[    0.000000] Linux version 6.8\r\n'
                                        'guest login: ')
        known_hosts = self.path('known_hosts')
        result = self.login(guest, '-o', 'StrictHostKeyChecking=accept-new',
                            '-o', f'UserKnownHostsFile={known_hosts}')
        self.assertEqual('ok', result.stdout.strip())
        self.assertIn('no host keys to pin: its console output shows no '
                      f'"{BEGIN}" block; ssh checks the host key with your '
                      'known_hosts as usual', result.stderr)
        self.assertFalse(os.path.lexists(self.pinned_file()))
        # ssh's own known_hosts took the key, as without keypairs-osc.
        self.assertIn(self.host_key(guest).split()[1],
                      open(known_hosts).read())
        refused = self.login(guest, '--require-pinned', expect=1)
        self.assertOneLine(refused, 'no host keys are pinned for it',
                           '--require-pinned refuses to connect')
